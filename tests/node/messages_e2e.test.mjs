// End-to-end tests of the gateway's Anthropic-compatible endpoint POST /v1/messages with the
// official `@anthropic-ai/sdk` client, against three backends:
//   - anthropic: passthrough to a fake Anthropic Messages API (fakes/anthropic_upstream.mjs); the
//     body must arrive byte for byte except "model", the response must come back unchanged;
//   - openai:    translation to an OpenAI chat request (fakes/openai_upstream.mjs) and back;
//   - google:    translation to the native Gemini API (fakes/gemini_generic.mjs) and back;
// plus errors in Anthropic's envelope.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, closedPort, CONTENT, CONTENT_PIECES, USAGE as OAI_USAGE, TOOL_CALLS, RATE_LIMIT_MESSAGE } from './fakes/openai_upstream.mjs';
import * as ant from './fakes/anthropic_upstream.mjs';
import * as gem from './fakes/gemini_generic.mjs';

const KEYS = { anthropic: 'sk-ant-gateway-key', openai: 'sk-openai-gateway-key', google: 'AIza-gateway-key' };
const CLIENT_KEY = 'client-key';

let upAnt, upOai, upGem, gw, client;
const sent = []; // every request the SDK sent: { url, method, headers (Headers), body (string) }

before(async () => {
  upAnt = await ant.startFakeAnthropic({ apiKey: KEYS.anthropic });
  upOai = await startFakeOpenAI({ models: ['gpt-4o'] });
  upGem = await gem.startFakeGemini({ apiKey: KEYS.google });
  const dead = `http://127.0.0.1:${await closedPort()}/v1`; // keyless providers: fail fast
  gw = await startGateway({
    ANTHROPIC_API_URL: upAnt.url, ANTHROPIC_API_KEY: KEYS.anthropic,
    OPENAI_API_URL: upOai.url, OPENAI_API_KEY: KEYS.openai,
    GOOGLE_API_URL: upGem.url, GOOGLE_API_KEY: KEYS.google,
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
  });
  const recordingFetch = async (url, init = {}) => {
    sent.push({ url: String(url), method: init.method, headers: new Headers(init.headers), body: typeof init.body === 'string' ? init.body : undefined });
    return fetch(url, init);
  };
  client = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 30_000, fetch: recordingFetch });
});
after(async () => {
  await gw?.kill();
  await upAnt?.close();
  await upOai?.close();
  await upGem?.close();
});

// ---------------------------------------------------------------------------------------------
// helpers

const withoutModel = ({ model, ...rest }) => rest;
const plain = (o) => JSON.parse(JSON.stringify(o));
const lastSent = () => sent.at(-1);
// Text of an OpenAI message content (string or array of text parts).
const oaiText = (content) => (typeof content === 'string' ? content
  : Array.isArray(content) ? content.filter((p) => p.type === 'text').map((p) => p.text).join('') : content);
const textOf = (msg) => msg.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

// Every raw event of a stream created with messages.create({ stream: true }).
async function collect(stream) {
  const events = [];
  for await (const e of stream) events.push(e);
  return events;
}

// messages.stream(): text deltas, input_json deltas, raw events, final message.
async function runStream(params, options) {
  const s = client.messages.stream(params, options);
  const texts = [];
  const jsonDeltas = [];
  const events = [];
  s.on('text', (d) => texts.push(d));
  s.on('inputJson', (d) => jsonDeltas.push(d));
  s.on('streamEvent', (e) => events.push(e));
  const final = await s.finalMessage();
  return { texts, jsonDeltas, events, final };
}

// Anthropic's documented event order for one message.
function assertEventGrammar(events) {
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'message_start', `first event: ${types.join(',')}`);
  assert.equal(types.at(-1), 'message_stop', `last event: ${types.join(',')}`);
  assert.equal(types.at(-2), 'message_delta', `message_delta before message_stop: ${types.join(',')}`);
  assert.equal(types.filter((t) => t === 'message_delta').length, 1, types.join(','));
  let open = null;
  let next = 0;
  for (const e of events) {
    if (e.type === 'content_block_start') {
      assert.equal(open, null, `block ${e.index} opened while ${open} still open`);
      assert.equal(e.index, next, 'block indexes are consecutive from 0');
      open = e.index;
    } else if (e.type === 'content_block_delta') {
      assert.equal(e.index, open, 'delta for the open block');
    } else if (e.type === 'content_block_stop') {
      assert.equal(e.index, open, 'stop for the open block');
      open = null;
      next++;
    }
  }
  assert.equal(open, null, 'every content block stopped');
}

const WEATHER_TOOL = {
  name: 'get_weather', description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
};
const TIME_TOOL = {
  name: 'get_time', description: 'Current time in a time zone',
  input_schema: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
};

// =============================================================================================
// 1. Anthropic passthrough

const ANT_MODEL = 'claude-sonnet-4-5';
const BETA = 'prompt-caching-2024-07-31,interleaved-thinking-2025-05-14';
// A request with prompt caching and a signed thinking block in an earlier assistant turn.
const richRequest = (extra = {}) => ({
  model: `anthropic/${ANT_MODEL}`,
  max_tokens: 2048,
  system: [{ type: 'text', text: 'You are a terse assistant. ✓ 日本', cache_control: { type: 'ephemeral' } }],
  thinking: { type: 'enabled', budget_tokens: 1024 },
  metadata: { user_id: 'user-1234' },
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Say hi.', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
    { role: 'assistant', content: [
      { type: 'thinking', thinking: 'A greeting is wanted.', signature: 'EuYBCkQYAiJAsig-of-previous-turn+/==' },
      { type: 'text', text: 'Hi!' },
    ] },
    { role: 'user', content: 'Again, please.' },
  ],
  ...extra,
});

function assertForwarded(rec, sdkReq, { beta } = {}) {
  assert.equal(rec.method, 'POST');
  assert.equal(rec.path, '/v1/messages');
  // Body: identical to what the SDK sent except for the model name.
  const sentBody = JSON.parse(sdkReq.body);
  assert.equal(rec.body.model, ANT_MODEL, 'provider prefix stripped from the model');
  assert.deepEqual(withoutModel(rec.body), withoutModel(sentBody));
  assert.equal(rec.rawBody, sdkReq.body.replace(`"model":"anthropic/${ANT_MODEL}"`, `"model":"${ANT_MODEL}"`),
    'upstream body is byte for byte the client body except the model name');
  // Headers: the gateway's key, the client's version / beta flags, never the client's key.
  assert.equal(rec.headers['x-api-key'], KEYS.anthropic);
  assert.equal(rec.headers['anthropic-version'], sdkReq.headers.get('anthropic-version'));
  assert.ok(rec.headers['anthropic-version'], 'the SDK sends anthropic-version');
  if (beta) assert.equal(rec.headers['anthropic-beta'], beta);
  assert.equal(rec.headers.authorization, undefined);
  for (const [k, v] of Object.entries(rec.headers)) {
    assert.ok(!String(v).includes(CLIENT_KEY), `client key leaked upstream in header ${k}`);
  }
}

test('anthropic passthrough: non-stream text; body byte for byte except model, cache_control and signed thinking intact, headers', async () => {
  const n = upAnt.requests.length;
  const msg = await client.messages.create(richRequest(), { headers: { 'anthropic-beta': BETA } });
  const sdkReq = lastSent();
  assert.equal(upAnt.requests.length, n + 1);
  const rec = upAnt.requests.at(-1);

  // The SDK gets the upstream's message unchanged.
  assert.deepEqual(plain(msg), ant.messageFor(rec.body));
  assert.equal(textOf(msg), ant.TEXT);
  assert.equal(msg.stop_reason, 'end_turn');
  assert.deepEqual(msg.content[0], { type: 'thinking', thinking: ant.THINKING, signature: ant.THINKING_SIGNATURE });
  assert.deepEqual(plain(msg.usage), ant.USAGE);

  assertForwarded(rec, sdkReq, { beta: BETA });
  // Fields only Anthropic understands survive untouched.
  assert.deepEqual(rec.body.system[0].cache_control, { type: 'ephemeral' });
  assert.deepEqual(rec.body.messages[0].content[0].cache_control, { type: 'ephemeral', ttl: '1h' });
  assert.deepEqual(rec.body.messages[1].content[0],
    { type: 'thinking', thinking: 'A greeting is wanted.', signature: 'EuYBCkQYAiJAsig-of-previous-turn+/==' });
  assert.deepEqual(rec.body.thinking, { type: 'enabled', budget_tokens: 1024 });
  assert.equal(rec.body.metadata.user_id, 'user-1234');
});

test('anthropic passthrough: messages.stream() yields text deltas, thinking signature and finalMessage()', async () => {
  const { texts, events, final } = await runStream(richRequest());
  const rec = upAnt.requests.at(-1);
  assert.equal(rec.body.stream, true);
  assertForwarded(rec, lastSent());
  assert.deepEqual(texts, ant.TEXT_PIECES);
  assertEventGrammar(events);
  assert.deepEqual(plain(final.content), [
    { type: 'thinking', thinking: ant.THINKING, signature: ant.THINKING_SIGNATURE },
    { type: 'text', text: ant.TEXT },
  ]);
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.input_tokens, ant.USAGE.input_tokens);
  assert.equal(final.usage.output_tokens, ant.USAGE.output_tokens);
  assert.equal(final.model, ANT_MODEL);
});

test('anthropic passthrough: the response bytes (JSON and SSE, ping included) come back unchanged', async () => {
  const r1 = await client.messages.create(richRequest()).asResponse();
  assert.equal(r1.status, 200);
  assert.match(r1.headers.get('content-type'), /application\/json/);
  assert.equal(await r1.text(), upAnt.requests.at(-1).responseBody);

  const r2 = await client.messages.create(richRequest({ stream: true })).asResponse();
  assert.equal(r2.status, 200);
  assert.match(r2.headers.get('content-type'), /text\/event-stream/);
  const body = await r2.text();
  assert.equal(body, upAnt.requests.at(-1).responseBody);
  assert.match(body, /event: ping\n/);
});

test('anthropic passthrough: tool_use, non-stream and stream (input_json_delta over several deltas)', async () => {
  const params = {
    model: `anthropic/${ANT_MODEL}`, max_tokens: 1024, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: { type: 'auto' },
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
  };
  const msg = await client.messages.create(params);
  assertForwarded(upAnt.requests.at(-1), lastSent());
  assert.equal(msg.stop_reason, 'tool_use');
  const tu = msg.content.find((b) => b.type === 'tool_use');
  assert.deepEqual(plain(tu), { type: 'tool_use', id: ant.TOOL_USE.id, name: 'get_weather', input: ant.TOOL_USE.input });

  const { jsonDeltas, events, final } = await runStream(params);
  assertForwarded(upAnt.requests.at(-1), lastSent());
  assertEventGrammar(events);
  assert.equal(jsonDeltas.join(''), ant.TOOL_USE.pieces.join(''));
  assert.ok(events.filter((e) => e.delta?.type === 'input_json_delta').length >= 3, 'several input_json_delta events');
  assert.equal(final.stop_reason, 'tool_use');
  assert.deepEqual(plain(final.content), plain(msg.content));
});

test('anthropic passthrough: multi-turn tool_result is forwarded untouched', async () => {
  const first = await client.messages.create({
    model: `anthropic/${ANT_MODEL}`, max_tokens: 1024, tools: [WEATHER_TOOL],
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
  });
  const tu = first.content.find((b) => b.type === 'tool_use');
  const second = await client.messages.create({
    model: `anthropic/${ANT_MODEL}`, max_tokens: 1024, tools: [WEATHER_TOOL],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: tu.id, content: [{ type: 'text', text: '18 °C' }], cache_control: { type: 'ephemeral' } }] },
    ],
  });
  assert.equal(second.stop_reason, 'tool_use'); // this fake always calls the tool when tools are present
  const rec = upAnt.requests.at(-1);
  assertForwarded(rec, lastSent());
  assert.deepEqual(rec.body.messages[2].content[0],
    { type: 'tool_result', tool_use_id: ant.TOOL_USE.id, content: [{ type: 'text', text: '18 °C' }], cache_control: { type: 'ephemeral' } });
});

test('anthropic passthrough: upstream errors come back unchanged (429 -> RateLimitError, 529 -> OverloadedError)', async () => {
  const base = { max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
  await assert.rejects(client.messages.create({ ...base, model: 'anthropic/error-429' }), (err) => {
    assert.ok(err instanceof Anthropic.RateLimitError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 429);
    assert.deepEqual(err.error, ant.anthropicError(429));
    assert.equal(err.type, 'rate_limit_error');
    assert.equal(err.headers.get('retry-after'), '7');
    return true;
  });
  assert.equal(upAnt.requests.at(-1).body.model, 'error-429');
  await assert.rejects(client.messages.create({ ...base, model: 'anthropic/error-529', stream: true }), (err) => {
    assert.ok(err instanceof Anthropic.APIError && err.status === 529, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.deepEqual(err.error, ant.anthropicError(529));
    assert.equal(err.type, 'overloaded_error');
    return true;
  });
});

// =============================================================================================
// 2. OpenAI backend (translated)

const OAI = 'openai/gpt-4o';

function assertOpenAIRequest(rec) {
  assert.equal(rec.path, '/v1/chat/completions');
  assert.equal(rec.headers.authorization, `Bearer ${KEYS.openai}`);
  for (const [k, v] of Object.entries(rec.headers)) assert.ok(!String(v).includes(CLIENT_KEY), `client key leaked upstream in ${k}`);
}

test('openai: non-stream text, usage, stop_reason end_turn; translated request', async () => {
  const msg = await client.messages.create({
    model: OAI, max_tokens: 100, system: 'Be brief.', temperature: 0.2, stop_sequences: ['END'],
    messages: [{ role: 'user', content: 'Hello' }],
  });
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.deepEqual(plain(msg.content), [{ type: 'text', text: CONTENT }]);
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.input_tokens, OAI_USAGE.prompt_tokens);
  assert.equal(msg.usage.output_tokens, OAI_USAGE.completion_tokens);
  assert.equal(typeof msg.id, 'string');
  assert.ok(msg.id.length > 0);

  const rec = upOai.requests.at(-1);
  assertOpenAIRequest(rec);
  assert.equal(rec.body.model, 'gpt-4o');
  assert.ok(!rec.body.stream, 'non-stream request');
  assert.deepEqual(rec.body.messages.map((m) => [m.role, oaiText(m.content)]), [['system', 'Be brief.'], ['user', 'Hello']]);
  assert.equal(rec.body.max_tokens ?? rec.body.max_completion_tokens, 100);
  assert.equal(rec.body.temperature, 0.2);
  assert.deepEqual([rec.body.stop].flat(), ['END']);
});

test('openai: ?provider=openai routes a bare model name', async () => {
  const msg = await client.messages.create({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] },
    { query: { provider: 'openai' } });
  assert.equal(textOf(msg), CONTENT);
  assert.equal(upOai.requests.at(-1).body.model, 'gpt-4o');
  assert.match(lastSent().url, /\/v1\/messages\?provider=openai$/);
});

test('openai: stream text as Anthropic SSE events (messages.create stream:true)', async () => {
  const events = await collect(await client.messages.create({ model: OAI, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hello' }] }));
  assertEventGrammar(events);
  const start = events[0];
  assert.equal(start.message.role, 'assistant');
  assert.deepEqual(start.message.content, []);
  const blockStart = events.find((e) => e.type === 'content_block_start');
  assert.deepEqual(blockStart.content_block, { type: 'text', text: '' });
  const deltas = events.filter((e) => e.type === 'content_block_delta');
  assert.ok(deltas.every((e) => e.delta.type === 'text_delta'));
  assert.equal(deltas.map((e) => e.delta.text).join(''), CONTENT);
  const md = events.find((e) => e.type === 'message_delta');
  assert.equal(md.delta.stop_reason, 'end_turn');
  assert.equal(md.usage.output_tokens, OAI_USAGE.completion_tokens);

  const rec = upOai.requests.at(-1);
  assertOpenAIRequest(rec);
  assert.equal(rec.body.stream, true);
});

test('openai: messages.stream() text deltas, finalMessage() with usage', async () => {
  const { texts, events, final } = await runStream({ model: OAI, max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
  assertEventGrammar(events);
  assert.equal(texts.join(''), CONTENT);
  assert.ok(texts.length >= 2, `several text deltas, got ${texts.length}`);
  assert.equal(textOf(final), CONTENT);
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, OAI_USAGE.completion_tokens);
  assert.equal(final.usage.input_tokens, OAI_USAGE.prompt_tokens, 'input_tokens known by the end of the stream (message_start or message_delta)');
});

const expectedToolUse = TOOL_CALLS.map((t) => ({ type: 'tool_use', id: t.id, name: t.name, input: JSON.parse(t.arguments) }));

test('openai: tool use (non-stream), stop_reason tool_use, tools translated', async () => {
  const msg = await client.messages.create({
    model: 'openai/tools', max_tokens: 200, tools: [WEATHER_TOOL, TIME_TOOL], tool_choice: { type: 'auto' },
    messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
  });
  assert.equal(msg.stop_reason, 'tool_use');
  assert.deepEqual(plain(msg.content.filter((b) => b.type === 'tool_use')), expectedToolUse);
  assert.equal(msg.usage.input_tokens, OAI_USAGE.prompt_tokens);
  assert.equal(msg.usage.output_tokens, OAI_USAGE.completion_tokens);

  const rec = upOai.requests.at(-1);
  assertOpenAIRequest(rec);
  assert.equal(rec.body.model, 'tools');
  assert.deepEqual(rec.body.tools, [WEATHER_TOOL, TIME_TOOL].map((t) => ({
    type: 'function', function: { name: t.name, description: t.description, parameters: t.input_schema } })));
  assert.equal(rec.body.tool_choice, 'auto');
});

test('openai: tool_choice any / tool are translated', async () => {
  const base = { model: 'openai/tools', max_tokens: 200, tools: [WEATHER_TOOL, TIME_TOOL], messages: [{ role: 'user', content: 'x' }] };
  await client.messages.create({ ...base, tool_choice: { type: 'any' } });
  assert.equal(upOai.requests.at(-1).body.tool_choice, 'required');
  await client.messages.create({ ...base, tool_choice: { type: 'tool', name: 'get_time' } });
  assert.deepEqual(upOai.requests.at(-1).body.tool_choice, { type: 'function', function: { name: 'get_time' } });
});

test('openai: tool use (stream), input assembled from input_json_delta', async () => {
  const { jsonDeltas, events, final } = await runStream({
    model: 'openai/tools', max_tokens: 200, tools: [WEATHER_TOOL, TIME_TOOL],
    messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
  });
  assertEventGrammar(events);
  const starts = events.filter((e) => e.type === 'content_block_start' && e.content_block.type === 'tool_use');
  assert.deepEqual(starts.map((e) => [e.content_block.id, e.content_block.name]), TOOL_CALLS.map((t) => [t.id, t.name]));
  assert.equal(jsonDeltas.join(''), TOOL_CALLS.map((t) => t.arguments).join(''));
  assert.equal(final.stop_reason, 'tool_use');
  assert.deepEqual(plain(final.content.filter((b) => b.type === 'tool_use')), expectedToolUse);
  assert.equal(final.usage.output_tokens, OAI_USAGE.completion_tokens);
});

test('openai: multi-turn, tool_result -> role "tool" messages with tool_call_id', async () => {
  const params = { max_tokens: 200, tools: [WEATHER_TOOL, TIME_TOOL], messages: [{ role: 'user', content: 'Weather and time in Paris?' }] };
  const first = await client.messages.create({ ...params, model: 'openai/tools' });
  const [w, t] = first.content.filter((b) => b.type === 'tool_use');
  const second = await client.messages.create({
    ...params, model: OAI,
    messages: [
      ...params.messages,
      { role: 'assistant', content: first.content },
      { role: 'user', content: [
        { type: 'tool_result', tool_use_id: w.id, content: '18 °C, sunny' },
        { type: 'tool_result', tool_use_id: t.id, content: [{ type: 'text', text: '14:05' }] },
      ] },
    ],
  });
  assert.equal(textOf(second), CONTENT);
  assert.equal(second.stop_reason, 'end_turn');

  const rec = upOai.requests.at(-1);
  assertOpenAIRequest(rec);
  const msgs = rec.body.messages;
  const asst = msgs.find((m) => m.role === 'assistant');
  assert.ok(asst, `assistant turn present: ${JSON.stringify(msgs)}`);
  assert.deepEqual(asst.tool_calls.map((c) => [c.id, c.type, c.function.name, JSON.parse(c.function.arguments)]),
    TOOL_CALLS.map((c) => [c.id, 'function', c.name, JSON.parse(c.arguments)]));
  const tools = msgs.filter((m) => m.role === 'tool');
  assert.deepEqual(tools.map((m) => [m.tool_call_id, oaiText(m.content)]), [['call_fake_weather', '18 °C, sunny'], ['call_fake_time', '14:05']]);
  assert.ok(msgs.indexOf(asst) < msgs.indexOf(tools[0]), 'tool messages follow the assistant turn');
  assert.deepEqual(msgs.map((m) => m.role), ['user', 'assistant', 'tool', 'tool']);
});

// =============================================================================================
// 3. Gemini backend (translated to the native API)

const GEM_MODEL = 'gemini-2.0-flash';
const GEM = `google/${GEM_MODEL}`;
const partsText = (content) => (content?.parts ?? []).filter((p) => typeof p.text === 'string').map((p) => p.text).join('');

test('gemini: non-stream text via generateContent', async () => {
  const msg = await client.messages.create({ model: GEM, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
  assert.deepEqual(plain(msg.content), [{ type: 'text', text: gem.TEXT }]);
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.usage.input_tokens, gem.USAGE.promptTokenCount);
  assert.equal(msg.usage.output_tokens, gem.USAGE.candidatesTokenCount);

  const rec = upGem.requests.at(-1);
  assert.equal(rec.path, `/v1beta/models/${GEM_MODEL}:generateContent`);
  assert.equal(rec.headers['x-goog-api-key'], KEYS.google);
  assert.equal(rec.headers.authorization, undefined);
  assert.deepEqual(rec.body.contents.map((c) => [c.role, partsText(c)]), [['user', 'Hello']]);
  assert.equal(partsText(rec.body.systemInstruction), 'Be brief.');
  assert.equal(rec.body.generationConfig?.maxOutputTokens, 100);
});

test('gemini: stream text via streamGenerateContent?alt=sse (3 chunks, \\r\\n\\r\\n)', async () => {
  const { texts, events, final } = await runStream({ model: GEM, max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
  const rec = upGem.requests.at(-1);
  assert.equal(rec.path, `/v1beta/models/${GEM_MODEL}:streamGenerateContent`);
  assert.equal(rec.query.alt, 'sse');
  assert.equal(rec.headers['x-goog-api-key'], KEYS.google);
  assertEventGrammar(events);
  assert.deepEqual(texts, gem.TEXT_PIECES);
  assert.deepEqual(plain(final.content), [{ type: 'text', text: gem.TEXT }]);
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, gem.USAGE.candidatesTokenCount);
  assert.equal(final.usage.input_tokens, gem.USAGE.promptTokenCount);
});

const gemToolParams = { model: GEM, max_tokens: 200, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in Paris?' }] };

test('gemini: tool_use from a functionCall part (non-stream), tools as functionDeclarations', async () => {
  const msg = await client.messages.create(gemToolParams);
  const tus = msg.content.filter((b) => b.type === 'tool_use');
  assert.equal(tus.length, 1, JSON.stringify(msg.content));
  assert.equal(tus[0].name, gem.FUNCTION_CALL.name);
  assert.deepEqual(plain(tus[0].input), gem.FUNCTION_CALL.args);
  assert.equal(typeof tus[0].id, 'string');
  assert.ok(tus[0].id.length > 0, 'tool_use has an id');
  assert.equal(msg.stop_reason, 'tool_use');

  const rec = upGem.requests.at(-1);
  const decls = rec.body.tools.flatMap((t) => t.functionDeclarations ?? []);
  assert.deepEqual(decls.map((d) => [d.name, d.description]), [['get_weather', WEATHER_TOOL.description]]);
});

test('gemini: tool_use (stream)', async () => {
  const { events, final } = await runStream(gemToolParams);
  assertEventGrammar(events);
  const tus = final.content.filter((b) => b.type === 'tool_use');
  assert.equal(tus.length, 1, JSON.stringify(final.content));
  assert.equal(tus[0].name, gem.FUNCTION_CALL.name);
  assert.deepEqual(plain(tus[0].input), gem.FUNCTION_CALL.args);
  assert.equal(final.stop_reason, 'tool_use');
  assert.equal(upGem.requests.at(-1).query.alt, 'sse');
});

test('gemini: multi-turn, tool_result -> functionResponse part with the function name', async () => {
  const first = await client.messages.create(gemToolParams);
  const tu = first.content.find((b) => b.type === 'tool_use');
  assert.ok(tu, JSON.stringify(first.content));
  const messages = [
    ...gemToolParams.messages,
    { role: 'assistant', content: first.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: tu.id, content: '{"temperature":18,"sky":"sunny"}' }] },
  ];
  const second = await client.messages.create({ ...gemToolParams, messages });
  assert.equal(textOf(second), gem.AFTER_TOOL_TEXT);
  assert.equal(second.stop_reason, 'end_turn');

  const rec = upGem.requests.at(-1);
  const contents = rec.body.contents;
  assert.deepEqual(contents.map((c) => c.role), ['user', 'model', 'user'], JSON.stringify(contents));
  const call = contents[1].parts.find((p) => p.functionCall)?.functionCall;
  assert.ok(call, `model turn has a functionCall part: ${JSON.stringify(contents[1])}`);
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(call.args, gem.FUNCTION_CALL.args);
  const fr = contents[2].parts.find((p) => p.functionResponse)?.functionResponse;
  assert.ok(fr, `user turn has a functionResponse part: ${JSON.stringify(contents[2])}`);
  assert.equal(fr.name, 'get_weather');
  assert.equal(typeof fr.response, 'object', 'functionResponse.response is an object (Struct)');
  assert.ok(JSON.stringify(fr.response).includes('sunny'), `tool result carried: ${JSON.stringify(fr.response)}`);

  // And streamed.
  const { texts, final } = await runStream({ ...gemToolParams, messages });
  assert.equal(texts.join(''), gem.AFTER_TOOL_TEXT);
  assert.equal(textOf(final), gem.AFTER_TOOL_TEXT);
  assert.ok(upGem.requests.at(-1).body.contents[2].parts.some((p) => p.functionResponse?.name === 'get_weather'));
});

// =============================================================================================
// 4. Errors in Anthropic's envelope

test('errors: unknown provider -> BadRequestError, invalid_request_error envelope', async () => {
  await assert.rejects(client.messages.create({ model: 'no-such-provider/some-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (err) => {
    assert.ok(err instanceof Anthropic.BadRequestError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 400);
    assert.equal(err.type, 'invalid_request_error');
    assert.equal(err.error.type, 'error');
    assert.equal(err.error.error.type, 'invalid_request_error');
    assert.equal(typeof err.error.error.message, 'string');
    assert.ok(err.error.error.message.length > 0);
    return true;
  });
  await assert.rejects(runStream({ model: 'no-such-provider/some-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (err) => {
    assert.ok(err instanceof Anthropic.BadRequestError, `stream: got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.type, 'invalid_request_error');
    return true;
  });
});

test('errors: OpenAI upstream 429 -> RateLimitError with an Anthropic-shaped body (non-stream and stream)', async () => {
  const params = { model: 'openai/error-429', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
  const check = (err) => {
    assert.ok(err instanceof Anthropic.RateLimitError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 429);
    assert.equal(err.error.type, 'error');
    assert.equal(err.error.error.type, 'rate_limit_error');
    assert.equal(err.type, 'rate_limit_error');
    assert.ok(err.error.error.message.includes(RATE_LIMIT_MESSAGE), `message: ${err.error.error.message}`);
    assert.deepEqual(Object.keys(err.error).sort(), ['error', 'type']);
    assert.equal(err.headers.get('retry-after'), '20');
    assert.match(err.headers.get('content-type') ?? '', /application\/json/);
    return true;
  };
  await assert.rejects(client.messages.create(params), check);
  assert.equal(upOai.requests.at(-1).body.model, 'error-429');
  await assert.rejects(runStream(params), check);
  assert.equal(upOai.requests.at(-1).body.stream, true);
});

test('errors: Gemini upstream 429 -> RateLimitError; OpenAI upstream 500 -> InternalServerError (api_error)', async () => {
  await assert.rejects(client.messages.create({ model: 'google/error-429', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (err) => {
    assert.ok(err instanceof Anthropic.RateLimitError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.error.type, 'error');
    assert.equal(err.error.error.type, 'rate_limit_error');
    return true;
  });
  assert.equal(upGem.requests.at(-1).model, 'error-429');
  await assert.rejects(client.messages.create({ model: 'openai/error-500', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }), (err) => {
    assert.ok(err instanceof Anthropic.InternalServerError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 500);
    assert.equal(err.error.type, 'error');
    assert.equal(err.error.error.type, 'api_error');
    return true;
  });
});

test('errors: upstream reset mid-stream -> partial text, then an Anthropic "error" event the SDK throws on', async () => {
  const s = client.messages.stream({ model: 'openai/reset-mid-stream', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  const texts = [];
  const types = [];
  s.on('text', (d) => texts.push(d));
  s.on('streamEvent', (e) => types.push(e.type));
  await assert.rejects(s.finalMessage(), (err) => {
    assert.ok(err instanceof Anthropic.APIError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.error?.type, 'error', `error body: ${JSON.stringify(err.error)}`);
    assert.equal(err.error?.error?.type, 'api_error');
    return true;
  });
  assert.ok(texts.join('').startsWith('Hello'), `partial text before the error: ${JSON.stringify(texts)}`);
  assert.equal(types[0], 'message_start');
  assert.ok(!types.includes('message_stop'), `no message_stop after a failure: ${types.join(',')}`);
});
