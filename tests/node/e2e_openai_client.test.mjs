// End-to-end with the official `openai` npm client pointed at the gateway.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, closedPort, CONTENT, USAGE, TOOL_CALLS, RATE_LIMIT_MESSAGE } from './fakes/openai_upstream.mjs';

let up, gw, client;
before(async () => {
  up = await startFakeOpenAI({ models: ['gpt-4o', 'gpt-4o-mini'] });
  const dead = `http://127.0.0.1:${await closedPort()}/v1`; // keyless providers: deterministic, fast failure
  gw = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-upstream', OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 60_000 });
});
after(async () => { await gw?.kill(); await up?.close(); });

const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
const tools = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
];

test('chat completion', async () => {
  const r = await client.chat.completions.create({ model: 'openai/gpt-4o', messages });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.content, CONTENT);
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.deepEqual(r.usage, USAGE);
  const rec = up.requests.at(-1);
  assert.equal(rec.body.model, 'gpt-4o');
  assert.equal(rec.headers.authorization, 'Bearer sk-upstream');
});

test('streaming: content reassembled, usage in the last chunk', async () => {
  const stream = await client.chat.completions.create({ model: 'openai/gpt-4o', messages, stream: true });
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), CONTENT);
  assert.ok(chunks.some((c) => c.choices[0]?.finish_reason === 'stop'));
  assert.deepEqual(chunks.at(-1).usage, USAGE);
});

test('tool calls pass through (non-stream)', async () => {
  const r = await client.chat.completions.create({ model: 'openai/tools', messages, tools, tool_choice: 'auto' });
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  const calls = r.choices[0].message.tool_calls;
  assert.deepEqual(calls.map((c) => [c.id, c.type, c.function.name, c.function.arguments]),
    TOOL_CALLS.map((t) => [t.id, 'function', t.name, t.arguments]));
  assert.deepEqual(up.requests.at(-1).body.tools, tools);
});

test('tool calls pass through (stream), arguments reassembled from deltas', async () => {
  const stream = await client.chat.completions.create({ model: 'openai/tools', messages, tools, stream: true });
  const calls = [];
  let finish;
  for await (const c of stream) {
    const ch = c.choices[0];
    if (!ch) continue;
    finish = ch.finish_reason ?? finish;
    for (const tc of ch.delta.tool_calls ?? []) {
      calls[tc.index] ??= { id: '', name: '', arguments: '' };
      if (tc.id) calls[tc.index].id = tc.id;
      if (tc.function?.name) calls[tc.index].name += tc.function.name;
      if (tc.function?.arguments) calls[tc.index].arguments += tc.function.arguments;
    }
  }
  assert.equal(finish, 'tool_calls');
  assert.deepEqual(calls, TOOL_CALLS.map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })));
  assert.deepEqual(JSON.parse(calls[0].arguments), { location: 'Paris', unit: 'celsius' });
});

test('models.list()', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes('openai/gpt-4o'), ids.join(','));
  assert.ok(ids.includes('openai/gpt-4o-mini'), ids.join(','));
});

test('upstream 429 surfaces as RateLimitError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'openai/error-429', messages }),
    (err) => {
      assert.ok(err instanceof OpenAI.RateLimitError, `got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, 429);
      assert.ok(err.message.includes(RATE_LIMIT_MESSAGE), err.message);
      return true;
    },
  );
});

test('mid-stream upstream failure surfaces as an error thrown by the stream iterator', async () => {
  const stream = await client.chat.completions.create({ model: 'openai/reset-mid-stream', messages, stream: true });
  const seen = [];
  await assert.rejects(
    (async () => { for await (const c of stream) seen.push(c); })(),
    (err) => { assert.ok(err instanceof OpenAI.APIError, `got ${err?.constructor?.name}: ${err?.message}`); return true; },
  );
  assert.equal(seen.length, 3, 'the chunks received before the failure were not delivered');
});
