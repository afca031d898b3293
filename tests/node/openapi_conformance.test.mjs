// openapi.yaml against the real gateway: every endpoint family is called (with fake providers, a
// fake MCP server and a fake A2A agent) and each answer, errors included, must be a status the spec
// documents for that operation, with a body matching its schema; stream events are checked one by
// one against ChatCompletionChunk / MessageStreamEvent. So the spec cannot drift from the code.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway } from './helpers/gateway.mjs';
import { request, openStream } from './helpers/http.mjs';
import { loadSpec } from './helpers/openapi.mjs';
import { startFakeOpenAI, closedPort } from './fakes/openai_upstream.mjs';
import { startFakeOpenAIApi } from './fakes/openai_api_upstream.mjs';
import { startMcpFake } from './fakes/mcp_fake.mjs';
import { startA2aAgent } from './fakes/a2a_agents.mjs';

const spec = loadSpec();
const ADMIN = 'admin-key-for-the-openapi-test-0123456789';
let up, apiUp, mcp, agent, gw, authGw, dataDir;

before(async () => {
  up = await startFakeOpenAI({ models: ['gpt-4o', 'gpt-4o-mini'] });
  apiUp = await startFakeOpenAIApi();
  mcp = await startMcpFake({ tools: 2 });
  agent = await startA2aAgent({ name: 'Spec Agent' });
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  const common = { OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai', OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead };
  gw = await startGateway({
    ...common,
    MCP_ENABLE: 'true', MCP_EXPOSE: 'true', MCP_SERVERS: `fake=${mcp.url}`,
    A2A_ENABLE: 'true', A2A_EXPOSE: 'true', A2A_AGENTS: agent.url,
    TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
    // embeddings and text completions (fakes/openai_api_upstream.mjs)
    MISTRAL_API_URL: apiUp.url, MISTRAL_API_KEY: 'sk-mistral', DEEPSEEK_API_URL: apiUp.origin, DEEPSEEK_API_KEY: 'sk-deepseek',
    // /v1/responses: byte for byte to a provider that serves it, the bridge onto chat for one that does not
    OLLAMA_CLOUD_API_URL: apiUp.url, OLLAMA_CLOUD_API_KEY: 'sk-ollama', MOONSHOT_API_URL: up.url, MOONSHOT_API_KEY: 'sk-moonshot',
  });
  await gw.waitForLog(/mcp server ready server=fake /);
  await gw.waitForLog(/a2a agent ready name=Spec Agent /);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-openapi-'));
  authGw = await startGateway({ ...common, AUTH_ENABLED: 'true', AUTH_ADMIN_KEY: ADMIN, DATA_DIR: dataDir });
});
after(async () => {
  await gw?.kill();
  await authGw?.kill();
  await up?.close();
  await apiUp?.close();
  await mcp?.close();
  await agent?.close?.();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

// Calls the gateway and validates the answer against the operation it belongs to.
async function call(base, method, p, { body, headers = {}, status } = {}) {
  const res = await request(base, { method: method.toUpperCase(), path: p, body, headers });
  if (status !== undefined) assert.equal(res.status, status, `${method} ${p}: ${res.text.slice(0, 400)}`);
  spec.assertResponse(method, p, res);
  return res;
}

const chatBody = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'Hi' }], ...extra });
const admin = { authorization: `Bearer ${ADMIN}` };

test('GET /health', async () => {
  await call(gw.url, 'get', '/health', { status: 200 });
});

test('GET /v1/models, all providers and one', async () => {
  const all = await call(gw.url, 'get', '/v1/models', { status: 200 });
  assert.ok(all.json.data.some((m) => m.id === 'openai/gpt-4o'));
  const one = await call(gw.url, 'get', '/v1/models?provider=openai', { status: 200 });
  assert.equal(one.json.provider, 'openai');
  await call(gw.url, 'get', '/v1/models?provider=nope', { status: 400 });
});

test('POST /v1/chat/completions: a completion, a tool call, and the errors', async () => {
  await call(gw.url, 'post', '/v1/chat/completions', { body: chatBody('openai/gpt-4o'), status: 200, headers: { 'x-mcp-bypass': 'true', 'x-a2a-bypass': 'true' } });
  const tools = await call(gw.url, 'post', '/v1/chat/completions', {
    body: chatBody('openai/tools', { tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] }),
    headers: { 'x-mcp-bypass': 'true', 'x-a2a-bypass': 'true' }, status: 200,
  });
  assert.equal(tools.json.choices[0].finish_reason, 'tool_calls');
  await call(gw.url, 'post', '/v1/chat/completions', { body: '{"model":', status: 400 });
  await call(gw.url, 'post', '/v1/chat/completions', { body: chatBody('nope/x'), status: 400 });
  await call(gw.url, 'post', '/v1/chat/completions', { body: chatBody('groq/llama'), status: 401 });
  await call(gw.url, 'post', '/v1/chat/completions', { body: chatBody('openai/error-429'), status: 429, headers: { 'x-mcp-bypass': 'true', 'x-a2a-bypass': 'true' } });
  await call(gw.url, 'post', '/v1/chat/completions', { body: chatBody('openai/error-500'), status: 500, headers: { 'x-mcp-bypass': 'true', 'x-a2a-bypass': 'true' } });
});

test('POST /v1/chat/completions with stream: every chunk is a ChatCompletionChunk', async () => {
  const s = await openStream(gw.url, {
    method: 'POST', path: '/v1/chat/completions', body: chatBody('openai/gpt-4o', { stream: true }),
    headers: { 'x-mcp-bypass': 'true', 'x-a2a-bypass': 'true' },
  });
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /^text\/event-stream/);
  spec.assertResponse('post', '/v1/chat/completions', { status: 200, headers: s.headers, text: '' });
  const events = await s.sse.rest();
  assert.equal(events.at(-1).data, '[DONE]');
  const chunks = events.slice(0, -1);
  assert.ok(chunks.length >= 2, `expected chunks, got ${events.length} events`);
  chunks.forEach((e, i) => spec.assertSchema('ChatCompletionChunk', e.json, `stream chunk ${i}`));
  assert.ok(chunks.some((e) => e.json.usage), 'a usage chunk');
});

test('POST /v1/embeddings: float and base64 answers, and the errors', async () => {
  const f = await call(gw.url, 'post', '/v1/embeddings', { body: { model: 'mistral/mistral-embed', input: ['a b', 'c'], encoding_format: 'float' }, status: 200 });
  assert.equal(f.json.data.length, 2);
  const b = await call(gw.url, 'post', '/v1/embeddings', { body: { model: 'mistral/mistral-embed', input: 'a', encoding_format: 'base64', dimensions: 4 }, status: 200 });
  assert.equal(typeof b.json.data[0].embedding, 'string');
  await call(gw.url, 'post', '/v1/embeddings', { body: { model: 'groq/llama', input: 'a' }, status: 400 });
  await call(gw.url, 'post', '/v1/embeddings', { body: '{"model":', status: 400 });
  await call(gw.url, 'post', '/v1/embeddings', { body: { model: 'mistral/error-429', input: 'a' }, status: 429 });
});

test('POST /v1/completions: a completion, a stream of chunks, and the errors', async () => {
  const c = await call(gw.url, 'post', '/v1/completions', { body: { model: 'deepseek/deepseek-chat', prompt: 'def f():' }, status: 200 });
  assert.equal(c.json.object, 'text_completion');
  const s = await openStream(gw.url, { method: 'POST', path: '/v1/completions', body: { model: 'deepseek/deepseek-chat', prompt: 'x', stream: true } });
  assert.equal(s.status, 200);
  spec.assertResponse('post', '/v1/completions', { status: 200, headers: s.headers, text: '' });
  const events = await s.sse.rest();
  assert.equal(events.at(-1).data, '[DONE]');
  events.slice(0, -1).forEach((e, i) => spec.assertSchema('Completion', e.json, `completion chunk ${i}`));
  assert.ok(events.some((e) => e.json?.usage), 'a usage chunk');
  await call(gw.url, 'post', '/v1/completions', { body: { model: 'mistral/codestral', prompt: 'x' }, status: 400 });
  await call(gw.url, 'post', '/v1/completions', { body: { model: 'deepseek/error-500', prompt: 'x' }, status: 500 });
});

test('POST /v1/responses: Response objects and event streams, byte for byte and bridged, and the errors', async () => {
  const hdrs = { 'x-mcp-bypass': 'true', 'x-a2a-bypass': 'true' };
  // SSE text -> the data of each event, checked against its event name.
  const eventsOf = (text) => text.split('\n\n').filter(Boolean).map((block) => {
    const name = /^event: (.*)$/m.exec(block)?.[1];
    const data = JSON.parse(/^data: (.*)$/m.exec(block)[1]);
    assert.equal(data.type, name, block);
    return data;
  });
  for (const model of ['ollama_cloud/gpt-oss:120b', 'moonshot/kimi-k2']) {
    const r = await call(gw.url, 'post', '/v1/responses', { body: { model, input: 'Hi' }, headers: hdrs, status: 200 });
    assert.equal(r.json.object, 'response');
    const s = await call(gw.url, 'post', '/v1/responses', { body: { model, input: 'Hi', stream: true }, headers: hdrs, status: 200 });
    assert.match(s.headers['content-type'], /^text\/event-stream/);
    const events = eventsOf(s.text);
    assert.equal(events.at(-1).type, 'response.completed');
    events.forEach((e, i) => spec.assertSchema('ResponseStreamEvent', e, `${model} responses event ${i} (${e.type})`));
  }
  await call(gw.url, 'post', '/v1/responses', { body: { model: 'moonshot/kimi-k2', input: 'x', previous_response_id: 'resp_1' }, headers: hdrs, status: 400 });
  await call(gw.url, 'post', '/v1/responses', { body: '{"model":', status: 400 });
  await call(gw.url, 'post', '/v1/responses', { body: { model: 'ollama_cloud/error-429', input: 'x' }, status: 429 });
});

test('POST /v1/messages: a message, a stream of events, and an error envelope', async () => {
  const body = { model: 'openai/gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] };
  const hdrs = { 'anthropic-version': '2023-06-01', 'x-mcp-bypass': 'true', 'x-a2a-bypass': 'true' };
  const m = await call(gw.url, 'post', '/v1/messages', { body, headers: hdrs, status: 200 });
  assert.equal(m.json.type, 'message');
  const s = await openStream(gw.url, { method: 'POST', path: '/v1/messages', body: { ...body, stream: true }, headers: hdrs });
  assert.equal(s.status, 200);
  spec.assertResponse('post', '/v1/messages', { status: 200, headers: s.headers, text: '' });
  const events = await s.sse.rest();
  assert.deepEqual([events[0].json.type, events.at(-1).json.type], ['message_start', 'message_stop']);
  events.forEach((e, i) => spec.assertSchema('MessageStreamEvent', e.json, `messages event ${i} (${e.json?.type})`));
  await call(gw.url, 'post', '/v1/messages', { body: { ...body, model: 'nope/x' }, headers: hdrs, status: 400 });
  await call(gw.url, 'post', '/v1/messages', { body: '[1,', headers: hdrs, status: 400 });
});

test('GET /v1/mcp/tools and /v1/a2a/agents[/{id}], exposed and not', async () => {
  const tools = await call(gw.url, 'get', '/v1/mcp/tools', { status: 200 });
  assert.ok(tools.json.data.length >= 2, tools.text);
  const agents = await call(gw.url, 'get', '/v1/a2a/agents', { status: 200 });
  assert.equal(agents.json.data.length, 1);
  await call(gw.url, 'get', `/v1/a2a/agents/${encodeURIComponent(agents.json.data[0].id)}`, { status: 200 });
  await call(gw.url, 'get', '/v1/a2a/agents/no-such-agent', { status: 404 });
  // Not exposed on the other gateway: 403 (with the admin credential, past authentication).
  await call(authGw.url, 'get', '/v1/mcp/tools', { headers: admin, status: 403 });
  await call(authGw.url, 'get', '/v1/a2a/agents', { headers: admin, status: 403 });
});

test('/admin/keys: create, list, get, update, rotate, revoke, and the refusals', async () => {
  await call(authGw.url, 'get', '/admin/keys', { status: 401 });
  await call(gw.url, 'get', '/admin/keys', { status: 404 }); // authentication off: no admin API
  const created = await call(authGw.url, 'post', '/admin/keys', {
    headers: admin, status: 201,
    body: { name: 'spec', team: 'web', models: ['openai/*'], expires_at: null, metadata: { owner: 'tests' } },
  });
  const id = created.json.id;
  await call(authGw.url, 'get', '/admin/keys', { headers: admin, status: 200 });
  await call(authGw.url, 'get', `/admin/keys/${id}`, { headers: admin, status: 200 });
  await call(authGw.url, 'patch', `/admin/keys/${id}`, { headers: admin, body: { name: 'renamed' }, status: 200 });
  await call(authGw.url, 'patch', `/admin/keys/${id}`, { headers: admin, body: { bogus: 1 }, status: 400 });
  const rotated = await call(authGw.url, 'post', `/admin/keys/${id}/rotate`, { headers: admin, status: 200 });
  // A key that is not an admin's: 403 on /admin, and it works on the model endpoints.
  await call(authGw.url, 'get', '/admin/keys', { headers: { authorization: `Bearer ${rotated.json.key}` }, status: 403 });
  await call(authGw.url, 'get', '/v1/models', { headers: { authorization: `Bearer ${rotated.json.key}` }, status: 200 });
  await call(authGw.url, 'get', '/v1/models', { headers: { authorization: 'Bearer sk-igw-not-a-key' }, status: 401 });
  await call(authGw.url, 'delete', `/admin/keys/${id}`, { headers: admin, status: 200 });
  await call(authGw.url, 'get', '/admin/keys/key_doesnotexist', { headers: admin, status: 404 });
});

test('/proxy/{provider}/{path} and /metrics', async () => {
  await call(gw.url, 'get', '/proxy/openai/models', { status: 200 });
  await call(gw.url, 'post', '/proxy/openai/anything', { body: { a: 1 }, status: 200 });
  await call(gw.url, 'get', '/proxy/openai/%2e%2e/secret', { status: 400 });
  await call(gw.url, 'get', '/v1/proxy/openai/models', { status: 200 });
  await call(gw.url, 'post', '/v1/proxy/openai/anything', { body: { a: 1 }, status: 200 });
  await call(gw.url, 'get', '/v1/proxy/openai/%2e%2e/secret', { status: 400 });
  const m = await request(gw.metricsUrl, { path: '/metrics' });
  assert.equal(m.status, 200);
  spec.assertResponse('get', '/metrics', m);
});
