// The agent loop: the gateway offers MCP tools (the official "everything" server over
// Streamable HTTP), runs the ones the model calls and asks the model again, for OpenAI-compatible
// and native providers, streaming and not. The model is the scripted fake in fakes/tool_llm.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway } from './helpers/gateway.mjs';
import { startEverything } from './helpers/servers.mjs';
import { startToolLlm, USAGE } from './fakes/tool_llm.mjs';

let llm, everything, gw, client;
const MAX_ITERATIONS = 3;

before(async () => {
  llm = await startToolLlm();
  everything = await startEverything();
  gw = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    ANTHROPIC_API_URL: llm.url,
    ANTHROPIC_API_KEY: 'sk-ant-provider-key',
    MCP_ENABLE: 'true',
    MCP_EXPOSE: 'true',
    MCP_SERVERS: `everything=${everything.url}`,
    AGENT_MAX_ITERATIONS: String(MAX_ITERATIONS),
    TELEMETRY_ENABLE: 'true',
    TELEMETRY_METRICS_PORT: '0',
  });
  await gw.waitForLog(/mcp server ready/);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client-key', maxRetries: 0 });
});

after(async () => {
  await gw?.stop();
  everything?.stop();
  await llm?.close();
});

// The model calls the scripted requests received since `from`.
const since = (from) => llm.requests.slice(from);

function toolNames(body) {
  return (body.tools || []).map((t) => t.function.name);
}

test('a single MCP tool call is executed by the gateway and the model answers with its result', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":1,"b":2}' }],
  });
  const reqs = since(from);
  assert.equal(reqs.length, 2, 'one call to run the tool, one to answer');
  assert.ok(toolNames(reqs[0].body).includes('mcp_get-sum'));
  assert.ok(toolNames(reqs[0].body).includes('mcp_echo'));
  // The second call carries the assistant turn and the tool result for its call id.
  const msgs = reqs[1].body.messages;
  const assistant = msgs[msgs.length - 2];
  const tool = msgs[msgs.length - 1];
  assert.equal(assistant.role, 'assistant');
  assert.equal(assistant.tool_calls[0].function.name, 'mcp_get-sum');
  assert.equal(tool.role, 'tool');
  assert.equal(tool.tool_call_id, assistant.tool_calls[0].id);
  assert.match(tool.content, /\b3\b/);
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.match(res.choices[0].message.content, /^DONE: /);
  assert.match(JSON.parse(res.choices[0].message.content.slice(6))[0], /\b3\b/);
  // Usage covers both model calls.
  assert.equal(res.usage.prompt_tokens, 2 * USAGE.prompt_tokens);
  assert.equal(res.usage.total_tokens, 2 * USAGE.total_tokens);
  // The provider got the gateway's key, never the client's; loop turns carry the bypass headers
  // (a gateway behind this one must not run the tools again).
  for (const r of reqs) {
    assert.equal(r.headers.authorization, 'Bearer sk-provider-key');
    assert.equal(r.headers['x-mcp-bypass'], 'true');
    assert.equal(r.headers['x-a2a-bypass'], 'true');
  }
});

test('parallel calls in one turn all run, results in call order', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    messages: [{ role: 'user', content: 'CALL mcp_echo {"message":"first"}\nCALL mcp_get-sum {"a":20,"b":22}\nCALL mcp_echo {"message":"third"}' }],
  });
  assert.equal(since(from).length, 2);
  const results = JSON.parse(res.choices[0].message.content.slice(6));
  assert.equal(results.length, 3);
  assert.match(results[0], /first/);
  assert.match(results[1], /42/);
  assert.match(results[2], /third/);
});

test('multi-step: each turn sees the results of the previous one', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    messages: [{ role: 'user', content: 'CALL mcp_echo {"message":"step one"}\nTHEN\nCALL mcp_get-sum {"a":2,"b":3}' }],
  });
  const reqs = since(from);
  assert.equal(reqs.length, 3);
  assert.equal(reqs[2].body.messages.filter((m) => m.role === 'tool').length, 2);
  const results = JSON.parse(res.choices[0].message.content.slice(6));
  assert.match(results[0], /step one/);
  assert.match(results[1], /\b5\b/);
});

test('the loop stops at AGENT_MAX_ITERATIONS and returns the last answer as it is', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    messages: [{ role: 'user', content: 'LOOP mcp_echo {"message":"again"}' }],
  });
  assert.equal(since(from).length, MAX_ITERATIONS);
  assert.equal(res.choices[0].finish_reason, 'tool_calls');
  assert.equal(res.choices[0].message.tool_calls[0].function.name, 'mcp_echo');
  assert.equal(res.usage.total_tokens, MAX_ITERATIONS * USAGE.total_tokens);
});

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

test('a call to a client tool goes back to the client; MCP tools are offered next to it', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'CALL get_weather {"city":"Paris"}' }],
  });
  const reqs = since(from);
  assert.equal(reqs.length, 1);
  const names = toolNames(reqs[0].body);
  assert.equal(names[0], 'get_weather', 'the client tool is kept, first');
  assert.ok(names.includes('mcp_get-sum'));
  assert.equal(res.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(res.choices[0].message.tool_calls.map((c) => c.function.name), ['get_weather']);
});

test('client and MCP tools in one turn: the turn goes back to the client untouched', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'CALL mcp_echo {"message":"x"}\nCALL get_weather {"city":"Oslo"}' }],
  });
  assert.equal(since(from).length, 1, 'no MCP tool ran');
  assert.deepEqual(res.choices[0].message.tool_calls.map((c) => c.function.name), ['mcp_echo', 'get_weather']);
});

test('after MCP tools ran, a later turn can still hand a client tool call back', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":1,"b":1}\nTHEN\nCALL get_weather {"city":"Rome"}' }],
  });
  assert.equal(since(from).length, 2);
  assert.deepEqual(res.choices[0].message.tool_calls.map((c) => c.function.name), ['get_weather']);
});

test('a tool error is reported to the model as an error, not swallowed', async () => {
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":"one"}' }],
  });
  const results = JSON.parse(res.choices[0].message.content.slice(6));
  assert.match(results[0], /^Error: /);
});

test('a tool the model invents is not executed: the turn goes back as it is', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    messages: [{ role: 'user', content: 'CALL mcp_no_such_tool {}' }],
  });
  assert.equal(since(from).length, 1);
  assert.equal(res.choices[0].message.tool_calls[0].function.name, 'mcp_no_such_tool');
});

test('X-MCP-Bypass: no MCP tools are offered and nothing runs', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create(
    { model: 'openai/tool-model', messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":1,"b":2}' }] },
    { headers: { 'X-MCP-Bypass': 'true' } },
  );
  const reqs = since(from);
  assert.equal(reqs.length, 1);
  assert.equal(toolNames(reqs[0].body).length, 0);
  assert.equal(reqs[0].headers['x-mcp-bypass'], undefined, 'a plain request is sent as usual');
  assert.equal(res.choices[0].message.tool_calls[0].function.name, 'mcp_get-sum');
});

// Raw SSE, to check the framing the client really gets.
async function rawStream(body, headers = {}) {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key', ...headers },
    body: JSON.stringify({ ...body, stream: true }),
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const text = await r.text();
  const events = text.split('\n\n').filter((e) => e.trim() !== '');
  return { text, events, data: events.filter((e) => e.startsWith('data: ')).map((e) => e.slice(6)) };
}

test('streaming: every turn streams to the client, tools run in between, one [DONE]', async () => {
  const from = llm.requests.length;
  const { events, data } = await rawStream({
    model: 'openai/tool-model',
    messages: [{ role: 'user', content: 'SAY Let me add.\nCALL mcp_get-sum {"a":4,"b":5}\nTHEN\nSAY Now echo.\nCALL mcp_echo {"message":"hi"}' }],
  });
  assert.equal(since(from).length, 3);
  assert.equal(data.filter((d) => d === '[DONE]').length, 1);
  assert.equal(data[data.length - 1], '[DONE]');
  const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
  const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.match(content, /^Let me add\.Now echo\.DONE: /);
  const results = JSON.parse(content.slice(content.indexOf('DONE: ') + 6));
  assert.match(results[0], /\b9\b/);
  assert.match(results[1], /hi/);
  // The gateway's own tool calls are not shown as calls the client should make.
  assert.equal(chunks.some((c) => c.choices[0]?.delta?.tool_calls), false);
  const finishes = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
  assert.deepEqual(finishes, ['stop']);
  // One usage chunk, with the totals of the three model calls, right before [DONE].
  const usage = chunks.filter((c) => c.usage);
  assert.equal(usage.length, 1);
  assert.equal(usage[0].usage.total_tokens, 3 * USAGE.total_tokens);
  // While tools ran the stream carried SSE comments (ignored by clients).
  assert.ok(events.some((e) => e.startsWith(': running tools: mcp_get-sum')));
});

test('streaming with the official SDK: the accumulated completion is one coherent answer', async () => {
  const stream = client.chat.completions.stream({
    model: 'openai/tool-model',
    messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":10,"b":5}' }],
    stream_options: { include_usage: true },
  });
  const final = await stream.finalChatCompletion();
  assert.match(final.choices[0].message.content, /^DONE: .*15/);
  assert.equal(final.choices[0].finish_reason, 'stop');
  assert.equal(final.choices[0].message.tool_calls?.length ?? 0, 0);
});

test('streaming: a client tool call is streamed back as the model sent it', async () => {
  const { data } = await rawStream({
    model: 'openai/tool-model',
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":1,"b":1}\nTHEN\nCALL get_weather {"city":"Lima"}' }],
  });
  const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
  const calls = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
  assert.equal(calls[0].function.name, 'get_weather');
  assert.equal(calls.map((c) => c.function.arguments).join(''), '{"city":"Lima"}');
  assert.deepEqual(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean), ['tool_calls']);
  assert.equal(data.filter((d) => d === '[DONE]').length, 1);
});

test('native adapter (Anthropic Messages): the same loop above the provider layer', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'anthropic/claude-test',
    messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":7,"b":8}' }],
  });
  const reqs = since(from);
  assert.equal(reqs.length, 2);
  assert.ok(reqs.every((r) => r.path.endsWith('/messages')), 'sent to the native Messages API');
  assert.ok(reqs[0].body.tools.some((t) => t.name === 'mcp_get-sum' && t.input_schema), 'offered as an Anthropic tool');
  assert.match(res.choices[0].message.content, /^DONE: .*15/);

  const { data } = await rawStream({
    model: 'anthropic/claude-test',
    messages: [{ role: 'user', content: 'SAY Adding.\nCALL mcp_get-sum {"a":1,"b":2}' }],
  });
  const chunks = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
  const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.match(content, /^Adding\.DONE: .*3/);
  assert.equal(data.filter((d) => d === '[DONE]').length, 1);
});

test('/v1/messages (Anthropic SDK): MCP tools run for Anthropic models too; bypass keeps the passthrough', async () => {
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client-key', maxRetries: 0 });
  const from = llm.requests.length;
  const msg = await anthropic.messages.create({
    model: 'anthropic/claude-test',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":2,"b":2}' }],
  });
  assert.equal(since(from).length, 2);
  assert.equal(msg.type, 'message');
  assert.equal(msg.stop_reason, 'end_turn');
  assert.match(msg.content[0].text, /^DONE: .*\b4\b/);

  const mark = llm.requests.length;
  const direct = await anthropic.messages.create(
    { model: 'anthropic/claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":2,"b":2}' }] },
    { headers: { 'X-MCP-Bypass': 'true' } },
  );
  const reqs = since(mark);
  assert.equal(reqs.length, 1);
  assert.equal(reqs[0].body.tools, undefined, 'passed through untouched');
  assert.equal(direct.content[0].type, 'tool_use');
});

test('GET /v1/mcp/tools lists the tools with server and schema; metrics count executed calls', async () => {
  const r = await fetch(`${gw.url}/v1/mcp/tools`);
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.object, 'list');
  const sum = body.data.find((t) => t.name === 'get-sum');
  assert.equal(sum.tool, 'mcp_get-sum');
  assert.equal(sum.server, 'everything');
  assert.equal(sum.input_schema.type, 'object');
  assert.ok(sum.input_schema.properties.a);

  const metrics = await (await fetch(`${gw.metricsUrl}/metrics`)).text();
  assert.match(metrics, /llm_tool_calls_success_total\{[^}]*tool_type="mcp"[^}]*tool_name="mcp_get-sum"[^}]*\} [1-9]/);
  assert.match(metrics, /llm_tool_calls_failure_total\{[^}]*tool_name="mcp_get-sum"[^}]*error_type="tool_error"[^}]*\} [1-9]/);
  assert.match(metrics, /llm_tool_call_duration_count\{[^}]*tool_name="mcp_echo"[^}]*\} [1-9]/);
});
