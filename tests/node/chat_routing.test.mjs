// Chat completions: routing, header handling, body forwarding, client errors.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, CONTENT, LONG_PIECES, BIG_CONTENT } from './fakes/openai_upstream.mjs';
import { request, chat, chatStream, assertErrorShape } from './helpers/http.mjs';

let up, gw;
const KEYS = { openai: 'sk-upstream-openai', groq: 'gsk-upstream-groq', anthropic: 'sk-ant-upstream', cohere: 'co-upstream', cloudflare: 'cf-upstream' };

before(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway({
    OPENAI_API_URL: up.url, OPENAI_API_KEY: KEYS.openai,
    GROQ_API_URL: up.url, GROQ_API_KEY: KEYS.groq,
    // These two go through their OpenAI-compatible endpoints here; native APIs are tested elsewhere.
    ANTHROPIC_API_URL: up.url, ANTHROPIC_API_KEY: KEYS.anthropic, ANTHROPIC_API_FORMAT: 'openai',
    COHERE_API_URL: up.origin, COHERE_API_KEY: KEYS.cohere, COHERE_API_FORMAT: 'openai',
    CLOUDFLARE_API_URL: `${up.origin}/client/v4/accounts/acc123/ai`, CLOUDFLARE_API_KEY: KEYS.cloudflare,
    SERVER_MAX_REQUEST_BODY_SIZE: '65536',
  });
});
after(async () => { await gw?.kill(); await up?.close(); });

// Each test tags its request with a unique field so it can find what reached the fake.
let n = 0;
const tag = () => `t${++n}-${Date.now()}`;
const arrived = (t) => up.waitForRequest((r) => r.body?.test_tag === t);
const messages = [{ role: 'user', content: 'Hi' }];

test('GET /health answers 200 {"message":"OK"}', async () => {
  const res = await request(gw.url, { path: '/health' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { message: 'OK' });
});

test('start-up logs say which providers are configured', () => {
  const lines = gw.logs().split('\n').map((l) => l.replace(/\S+:\/\/\S+/g, '<url>')); // URLs may contain ids
  const lineFor = (id) => lines.find((l) => /configured/i.test(l) && new RegExp(`\\b${id}\\b`).test(l));
  for (const id of ['openai', 'groq', 'anthropic']) {
    const l = lineFor(id);
    assert.ok(l, `no "configured" log line for ${id}`);
    assert.doesNotMatch(l, /not configured/i, l);
  }
  for (const id of ['mistral', 'deepseek', 'ollama_cloud']) assert.match(lineFor(id) ?? '', /not configured/i, `no "not configured" log line for ${id}`);
});

test('routes by model prefix, strips it, injects upstream key, drops client Authorization', async () => {
  const t = tag();
  const res = await chat(gw.url, { model: 'openai/gpt-4o', messages, test_tag: t });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.object, 'chat.completion');
  assert.equal(res.json.choices[0].message.content, CONTENT);
  const rec = await arrived(t);
  assert.equal(rec.method, 'POST');
  assert.equal(rec.path, '/v1/chat/completions');
  assert.equal(rec.body.model, 'gpt-4o');
  assert.equal(rec.headers.authorization, `Bearer ${KEYS.openai}`);
  assert.ok(!JSON.stringify(rec.headers).includes('client-key'), 'client credentials leaked upstream');
});

test('provider prefix is case-insensitive', async () => {
  const t = tag();
  const res = await chat(gw.url, { model: 'OpenAI/gpt-4o-mini', messages, test_tag: t });
  assert.equal(res.status, 200, res.text);
  const rec = await arrived(t);
  assert.equal(rec.body.model, 'gpt-4o-mini');
  assert.equal(rec.headers.authorization, `Bearer ${KEYS.openai}`);
});

test('?provider= selects the provider for a bare model name', async () => {
  const t = tag();
  const res = await chat(gw.url, { model: 'llama-3.3-70b-versatile', messages, test_tag: t }, { query: '?provider=groq' });
  assert.equal(res.status, 200, res.text);
  const rec = await arrived(t);
  assert.equal(rec.body.model, 'llama-3.3-70b-versatile');
  assert.equal(rec.headers.authorization, `Bearer ${KEYS.groq}`);
});

test('only the first "/" separates the provider (model ids may contain slashes)', async () => {
  const t = tag();
  const res = await chat(gw.url, { model: 'groq/meta-llama/llama-4-scout', messages, test_tag: t });
  assert.equal(res.status, 200, res.text);
  assert.equal((await arrived(t)).body.model, 'meta-llama/llama-4-scout');
});

test('anthropic gets x-api-key + anthropic-version, not the client key', async () => {
  const t = tag();
  const res = await chat(gw.url, { model: 'anthropic/claude-sonnet-4', messages, test_tag: t }, { headers: { 'x-api-key': 'client-key' } });
  assert.equal(res.status, 200, res.text);
  const rec = await arrived(t);
  assert.equal(rec.body.model, 'claude-sonnet-4');
  assert.equal(rec.headers['x-api-key'], KEYS.anthropic);
  assert.equal(rec.headers['anthropic-version'], '2023-06-01');
  assert.ok(!JSON.stringify(rec.headers).includes('client-key'), 'client credentials leaked upstream');
});

test('cohere and cloudflare use their special chat paths', async () => {
  const t1 = tag();
  assert.equal((await chat(gw.url, { model: 'cohere/command-a', messages, test_tag: t1 })).status, 200);
  const co = await arrived(t1);
  assert.equal(co.path, '/compatibility/v1/chat/completions');
  assert.equal(co.headers.authorization, `Bearer ${KEYS.cohere}`);
  const t2 = tag();
  assert.equal((await chat(gw.url, { model: 'cloudflare/@cf/meta/llama-3.1-8b-instruct', messages, test_tag: t2 })).status, 200);
  const cf = await arrived(t2);
  assert.equal(cf.path, '/client/v4/accounts/acc123/ai/v1/chat/completions');
  assert.equal(cf.body.model, '@cf/meta/llama-3.1-8b-instruct');
  assert.equal(cf.headers.authorization, `Bearer ${KEYS.cloudflare}`);
});

test('unknown body fields are forwarded unchanged', async () => {
  const t = tag();
  const extra = {
    temperature: 0.25, top_p: 0.9, max_completion_tokens: 77, seed: 42, user: 'user-1',
    response_format: { type: 'json_object' }, metadata: { a: 'b' },
    vendor_specific: { nested: [1, 2, { deep: true }], unicode: 'héllo ✓' },
  };
  const res = await chat(gw.url, { model: 'openai/gpt-4o', messages, test_tag: t, ...extra });
  assert.equal(res.status, 200, res.text);
  const rec = await arrived(t);
  const { model, ...rest } = rec.body;
  assert.equal(model, 'gpt-4o');
  assert.deepEqual(rest, { messages, test_tag: t, ...extra });
});

test('streaming: include_usage injected when absent, events relayed, usage chunk present', async () => {
  const t = tag();
  const s = await chatStream(gw.url, { model: 'openai/gpt-4o', messages, test_tag: t });
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /^text\/event-stream/);
  const events = await s.sse.rest();
  assert.equal(s.sse.error, null);
  assert.ok(s.sse.ended, 'stream did not end cleanly');
  const rec = await arrived(t);
  assert.equal(rec.body.stream, true);
  assert.deepEqual(rec.body.stream_options, { include_usage: true });
  assert.equal(events.at(-1).data, '[DONE]');
  const chunks = events.slice(0, -1).map((e) => e.json);
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), CONTENT);
  assert.deepEqual(chunks.at(-1).choices, []);
  assert.equal(chunks.at(-1).usage.total_tokens, 17);
});

test('streaming: client-supplied stream_options are kept', async () => {
  const t = tag();
  const s = await chatStream(gw.url, { model: 'openai/gpt-4o', messages, test_tag: t, stream_options: { include_usage: false, custom: 1 } });
  assert.equal(s.status, 200);
  const events = await s.sse.rest();
  const rec = await arrived(t);
  assert.deepEqual(rec.body.stream_options, { include_usage: false, custom: 1 });
  assert.ok(events.every((e) => e.data === '[DONE]' || e.json.usage == null), 'usage chunk sent although include_usage=false');
});

test('long stream split at odd byte boundaries is relayed intact', async () => {
  const s = await chatStream(gw.url, { model: 'openai/long-stream', messages });
  assert.equal(s.status, 200);
  const events = await s.sse.rest();
  assert.ok(s.sse.ended, 'stream did not end cleanly');
  assert.equal(events.at(-1).data, '[DONE]');
  const chunks = events.slice(0, -1).map((e) => e.json);
  assert.ok(chunks.every(Boolean), 'an event was corrupted (not valid JSON)');
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), LONG_PIECES.join(''));
  assert.equal(chunks.at(-1).usage.total_tokens, 17);
});

test('large (~1 MiB) non-stream response is relayed intact', async () => {
  const res = await chat(gw.url, { model: 'openai/big', messages });
  assert.equal(res.status, 200);
  assert.equal(res.json.choices[0].message.content, BIG_CONTENT);
});

test('malformed JSON -> 400', async () => {
  const res = await request(gw.url, { method: 'POST', path: '/v1/chat/completions', body: '{"model": "openai/gpt-4o", ', headers: { 'content-type': 'application/json' } });
  assertErrorShape(res, 400);
});

test('missing model -> 400 mentioning "model"', async () => {
  const e = assertErrorShape(await chat(gw.url, { messages }), 400);
  assert.match(e.message, /model/i);
});

test('model without provider prefix and no ?provider -> 400', async () => {
  assertErrorShape(await chat(gw.url, { model: 'gpt-4o', messages }), 400);
});

test('unknown provider -> 400 listing the valid provider ids', async () => {
  const before = up.requests.length;
  const e = assertErrorShape(await chat(gw.url, { model: 'nosuchprovider/some-model', messages }), 400);
  for (const id of ['openai', 'anthropic', 'azure', 'google', 'cohere', 'groq', 'deepseek', 'mistral', 'ollama', 'ollama_cloud', 'llamacpp', 'cloudflare', 'nvidia', 'moonshot', 'minimax', 'zai', 'vllm']) {
    assert.ok(e.message.includes(id), `message does not list "${id}": ${e.message}`);
  }
  const e2 = assertErrorShape(await chat(gw.url, { model: 'gpt-4o', messages }, { query: '?provider=nosuchprovider' }), 400);
  assert.ok(e2.message.includes('openai'), e2.message);
  assert.equal(up.requests.length, before, 'request reached an upstream');
});

test('provider without API key -> 401 naming the env var', async () => {
  const e = assertErrorShape(await chat(gw.url, { model: 'mistral/mistral-large-latest', messages }), 401);
  assert.ok(e.message.includes('MISTRAL_API_KEY'), e.message);
  const e2 = assertErrorShape(await chat(gw.url, { model: 'ollama_cloud/gpt-oss:120b', messages }), 401);
  assert.ok(e2.message.includes('OLLAMA_CLOUD_API_KEY'), e2.message);
});

test('body over SERVER_MAX_REQUEST_BODY_SIZE -> 413, nothing sent upstream', async () => {
  const before = up.requests.length;
  const res = await chat(gw.url, { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] });
  assertErrorShape(res, 413);
  assert.equal(up.requests.length, before);
  // A body just under the limit still works and arrives intact.
  const content = 'é✓x'.repeat(10_000); // ~60 KB of multi-byte text
  const t = tag();
  const ok = await chat(gw.url, { model: 'openai/gpt-4o', messages: [{ role: 'user', content }], test_tag: t });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await arrived(t)).body.messages[0].content, content);
});

test('chunked body over SERVER_MAX_REQUEST_BODY_SIZE -> 413', async () => {
  const before = up.requests.length;
  const res = await request(gw.url, {
    method: 'POST', path: '/v1/chat/completions', chunked: true,
    body: { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'y'.repeat(70_000) }] },
  });
  assertErrorShape(res, 413);
  assert.equal(up.requests.length, before);
});

test('client keep-alive: several requests on one connection to the gateway', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(await request(gw.url, { method: 'POST', path: '/v1/chat/completions', agent, body: { model: 'openai/gpt-4o', messages } }));
      results.push(await request(gw.url, { path: '/health', agent }));
    }
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
    assert.equal(new Set(results.map((r) => r.localPort)).size, 1, 'gateway closed the client connection between requests');
  } finally { agent.destroy(); }
});

test('unknown route -> 404 with OpenAI error shape', async () => {
  assertErrorShape(await request(gw.url, { path: '/v1/does-not-exist' }), 404);
  assertErrorShape(await request(gw.url, { method: 'POST', path: '/nope', body: {} }), 404);
});
