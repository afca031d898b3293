// Native provider adapters end to end: anthropic / google / cohere with {ID}_API_FORMAT=native
// (the default), against fakes that replay the golden fixtures in tests/golden/openai-*/.
// Each golden case is sent through the real gateway, with raw HTTP and with the official
// `openai` client; the native request the fake receives must equal upstream_request.json and
// the client's answer must equal client_response.json / client_stream.txt (id/created ignored).
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { request, chat, openStream, assertErrorShape } from './helpers/http.mjs';
import { closedPort } from './fakes/openai_upstream.mjs';
import { startNativeUpstream, loadCases, parseSSE, ERROR_MESSAGES, EMBEDDING_ONLY, OPENAI_COMPAT_CONTENT } from './fakes/native_upstream.mjs';

const KEYS = { anthropic: 'sk-ant-upstream', gemini: 'AIza-upstream', cohere: 'co-upstream' };
// fixture family -> gateway provider id
const PROVIDER = { anthropic: 'anthropic', gemini: 'google', cohere: 'cohere' };
const FAMILIES = Object.keys(PROVIDER);
const CLIENT_KEY = 'client-secret-key';

let ups = {};
let gw, client, dead;
before(async () => {
  for (const f of FAMILIES) ups[f] = await startNativeUpstream(f, { apiKey: KEYS[f] });
  dead = `http://127.0.0.1:${await closedPort()}/v1`; // keyless providers: fail fast in /v1/models
  gw = await startGateway(gatewayEnvFor());
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 30_000 });
});
after(async () => {
  await gw?.kill();
  for (const u of Object.values(ups)) await u?.close();
});

function gatewayEnvFor(overrides = {}) {
  return {
    ANTHROPIC_API_URL: ups.anthropic.url, ANTHROPIC_API_KEY: KEYS.anthropic,
    GOOGLE_API_URL: ups.gemini.url, GOOGLE_API_KEY: KEYS.gemini,
    COHERE_API_URL: ups.cohere.url, COHERE_API_KEY: KEYS.cohere,
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// helpers

const gwModel = (family, c) => `${PROVIDER[family]}/${c.clientRequest.model}`;
const clientBody = (family, c) => ({ ...structuredClone(c.clientRequest), model: gwModel(family, c) });
const omitIdCreated = (o) => {
  if (!o || typeof o !== 'object') return o;
  const { id, created, ...rest } = o;
  return rest;
};
const isUsageChunk = (j) => j && Array.isArray(j.choices) && j.choices.length === 0 && j.usage;

function expectedPath(family, c) {
  if (family === 'anthropic') return '/v1/messages';
  if (family === 'gemini') return `/v1beta${c.upstreamPath}`;
  return '/v2/chat';
}

// Runs fn (which makes exactly one gateway request) and returns the upstream record it caused.
async function upstreamOf(family, c, fn) {
  const up = ups[family];
  up.use(c?.name ?? null);
  const n = up.requests.length;
  const out = await fn();
  assert.equal(up.requests.length, n + 1, `expected exactly one upstream request, got ${up.requests.length - n}`);
  return { rec: up.requests[n], out };
}

function assertUpstream(family, c, rec) {
  assert.equal(rec.method, 'POST');
  assert.equal(rec.url, expectedPath(family, c), 'upstream path');
  assert.deepEqual(rec.body, c.upstreamRequest, `${family}/${c.name}: upstream request body differs from upstream_request.json`);
  assert.equal(rec.fixture, c.name, 'fake replayed another fixture');
  const h = rec.headers;
  if (family === 'anthropic') {
    assert.equal(h['x-api-key'], KEYS.anthropic);
    assert.equal(h['anthropic-version'], '2023-06-01');
    assert.equal(h.authorization, undefined, 'client Authorization header must not reach Anthropic');
  } else if (family === 'gemini') {
    assert.equal(h['x-goog-api-key'], KEYS.gemini);
    assert.equal(h.authorization, undefined, 'client Authorization header must not reach Gemini');
  } else {
    assert.equal(h.authorization, `Bearer ${KEYS.cohere}`, 'Cohere gets the gateway key, not the client key');
  }
  for (const [k, v] of Object.entries(h)) assert.ok(!String(v).includes(CLIENT_KEY), `client key leaked upstream in header ${k}`);
  assert.match(h['content-type'] ?? '', /^application\/json/);
}

// The gateway asks for usage on streams unless the client set stream_options (README); the
// golden transcripts were made with include_usage only when the request says so. Drop that one
// extra trailing usage chunk when the fixture's request has no stream_options.
function dropDefaultUsage(c, actualJsons, expectedJsons) {
  if (c.clientRequest.stream_options !== undefined || expectedJsons.some(isUsageChunk)) return actualJsons;
  const idx = actualJsons.findIndex(isUsageChunk);
  if (idx === -1) return actualJsons;
  assert.equal(idx, actualJsons.length - 1, 'the default usage chunk must be the last chunk');
  return actualJsons.slice(0, idx);
}

// Cases are loaded at module level too, so tests can be declared per case.
const CASES = Object.fromEntries(FAMILIES.map((f) => [f, [...loadCases(f).values()]]));
const nonStreamCases = (f) => CASES[f].filter((c) => !c.clientRequest.stream && (c.clientResponse || !c.upstreamResponse));
const streamCases = (f) => CASES[f].filter((c) => c.clientRequest.stream && c.clientStream);
const get = (f, name) => ups[f].cases.get(name);

function reassembleToolCalls(chunks) {
  const calls = [];
  for (const ch of chunks) {
    for (const choice of ch.choices ?? []) {
      for (const tc of choice.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { id: '', type: '', name: '', arguments: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.type) calls[tc.index].type = tc.type;
        if (tc.function?.name) calls[tc.index].name += tc.function.name;
        if (tc.function?.arguments) calls[tc.index].arguments += tc.function.arguments;
      }
    }
  }
  return calls;
}
const finishOf = (chunks) => chunks.flatMap((c) => c.choices ?? []).map((ch) => ch.finish_reason).filter(Boolean).at(-1);
const expectedChunks = (c) => parseSSE(c.clientStream).filter((e) => e.data !== '[DONE]').map((e) => e.json);

// ---------------------------------------------------------------------------------------------
// every golden case through raw HTTP

for (const family of FAMILIES) {
  for (const name of nonStreamCases(family).map((c) => c.name)) {
    test(`raw HTTP ${family}/${name}: native request and OpenAI response match the fixture`, async () => {
      const c = get(family, name);
      const { rec, out: res } = await upstreamOf(family, c, () => chat(gw.url, clientBody(family, c), { headers: { authorization: `Bearer ${CLIENT_KEY}` } }));
      assertUpstream(family, c, rec);
      if (!c.clientResponse) { // request-only fixture (gemini tool_choice_*): the fake answered "ok"
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.choices[0].message.content, 'ok');
        return;
      }
      if (c.clientStatus !== 200) {
        const e = assertErrorShape(res, c.clientStatus);
        assert.equal(e.type, c.clientResponse.error.type);
        assert.ok(e.message.includes(c.clientResponse.error.message), `error message ${JSON.stringify(e.message)} lacks the provider's message`);
        return;
      }
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers['content-type'], /^application\/json/);
      assert.equal(typeof res.json.id, 'string');
      assert.equal(typeof res.json.created, 'number');
      assert.deepEqual(omitIdCreated(res.json), omitIdCreated(c.clientResponse));
    });
  }
  for (const name of streamCases(family).map((c) => c.name)) {
    test(`raw HTTP ${family}/${name} (stream): native request and OpenAI SSE match the fixture`, async () => {
      const c = get(family, name);
      const { rec, out: s } = await upstreamOf(family, c, async () => {
        const st = await openStream(gw.url, { method: 'POST', path: '/v1/chat/completions', body: clientBody(family, c), headers: { authorization: `Bearer ${CLIENT_KEY}` } });
        st.events = await st.sse.rest();
        return st;
      });
      assertUpstream(family, c, rec);
      assert.equal(s.status, 200);
      assert.match(s.headers['content-type'], /^text\/event-stream/);
      assert.equal(s.sse.error, null);
      assert.ok(s.sse.ended, 'stream did not end cleanly');
      const expected = parseSSE(c.clientStream);
      assert.equal(s.events.at(-1)?.data, '[DONE]');
      for (const e of s.events) assert.ok(e.data === '[DONE]' || e.json, `event is not JSON: ${e.data}`);
      const exp = expected.map((e) => (e.json ? omitIdCreated(e.json) : e.data));
      const body = s.events.slice(0, -1).map((e) => e.json ?? e.data); // without the final [DONE]
      const act = [...dropDefaultUsage(c, body, expected.map((e) => e.json)), '[DONE]']
        .map((j) => (typeof j === 'object' ? omitIdCreated(j) : j));
      assert.deepEqual(act, exp);
      // One id for the whole stream.
      const ids = new Set(s.events.filter((e) => e.json?.id).map((e) => e.json.id));
      assert.ok(ids.size <= 1, `several ids in one stream: ${[...ids]}`);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// every golden case through the official openai client

for (const family of FAMILIES) {
  for (const name of nonStreamCases(family).filter((c) => c.clientResponse && c.clientStatus === 200).map((c) => c.name)) {
    test(`openai client ${family}/${name}`, async () => {
      const c = get(family, name);
      const { rec, out: r } = await upstreamOf(family, c, () => client.chat.completions.create(clientBody(family, c)));
      assertUpstream(family, c, rec);
      assert.deepEqual(omitIdCreated(r), omitIdCreated(c.clientResponse));
    });
  }
  for (const name of streamCases(family).map((c) => c.name)) {
    test(`openai client ${family}/${name} (stream)`, async () => {
      const c = get(family, name);
      const expected = expectedChunks(c);
      const errorEvent = expected.find((j) => j && j.error);
      const chunks = [];
      let thrown;
      const { rec } = await upstreamOf(family, c, async () => {
        try {
          const stream = await client.chat.completions.create(clientBody(family, c));
          for await (const ch of stream) chunks.push(ch);
        } catch (err) { thrown = err; }
      });
      assertUpstream(family, c, rec);
      const okChunks = expected.filter((j) => !j.error);
      if (errorEvent) {
        assert.ok(thrown instanceof OpenAI.APIError, `expected an APIError from the error event, got ${thrown}`);
        assert.ok(thrown.message.includes(errorEvent.error.message), `${thrown.message} lacks ${errorEvent.error.message}`);
      } else if (thrown) throw thrown;
      const act = dropDefaultUsage(c, chunks, okChunks).map(omitIdCreated);
      assert.deepEqual(act, okChunks.map(omitIdCreated));
    });
  }
}

// ---------------------------------------------------------------------------------------------
// features with the openai client: text, tool calls, usage, finish_reason

const TEXT = { anthropic: 'simple_text', gemini: 'simple_text', cohere: 'simple_text' };
const TOOLS = { anthropic: 'tool_choice_named_serial', gemini: 'tools_auto', cohere: 'parallel_tool_calls' };
const STREAM_TOOLS = { anthropic: 'stream_tool_calls', gemini: 'stream_function_calls', cohere: 'streaming_tool_calls' };
const STREAM_USAGE = { anthropic: 'stream_usage_cache', gemini: 'stream_usage', cohere: 'streaming_usage' };
const STREAM_TEXT = { anthropic: 'stream_text', gemini: 'stream_text', cohere: 'streaming_text' };

for (const family of FAMILIES) {
  test(`openai client ${family}: text completion, finish_reason and usage`, async () => {
    const c = get(family, TEXT[family]);
    const { out: r } = await upstreamOf(family, c, () => client.chat.completions.create(clientBody(family, c)));
    const exp = c.clientResponse;
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, c.clientRequest.model, 'the response names the provider model without prefix');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, exp.choices[0].message.content);
    assert.equal(r.choices[0].finish_reason, exp.choices[0].finish_reason);
    assert.deepEqual(r.usage, exp.usage);
  });

  test(`openai client ${family}: tool calls (non-stream)`, async () => {
    const c = get(family, TOOLS[family]);
    const { rec, out: r } = await upstreamOf(family, c, () => client.chat.completions.create(clientBody(family, c)));
    assertUpstream(family, c, rec);
    const exp = c.clientResponse.choices[0];
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(r.choices[0].finish_reason, exp.finish_reason);
    const calls = r.choices[0].message.tool_calls;
    assert.ok(calls?.length >= 1, 'no tool calls');
    assert.deepEqual(calls, exp.message.tool_calls);
    for (const tc of calls) {
      assert.equal(tc.type, 'function');
      assert.doesNotThrow(() => JSON.parse(tc.function.arguments), `arguments are not JSON: ${tc.function.arguments}`);
    }
  });

  test(`openai client ${family}: tool calls (stream), arguments reassembled from deltas`, async () => {
    const c = get(family, STREAM_TOOLS[family]);
    const chunks = [];
    const { rec } = await upstreamOf(family, c, async () => {
      const stream = await client.chat.completions.create(clientBody(family, c));
      for await (const ch of stream) chunks.push(ch);
    });
    assertUpstream(family, c, rec);
    const expected = expectedChunks(c);
    const calls = reassembleToolCalls(chunks);
    assert.ok(calls.length >= 1, 'no tool calls in the stream');
    assert.deepEqual(calls, reassembleToolCalls(expected));
    for (const tc of calls) {
      assert.equal(tc.type, 'function');
      assert.ok(tc.id && tc.name, 'tool call without id/name');
      assert.doesNotThrow(() => JSON.parse(tc.arguments), `reassembled arguments are not JSON: ${tc.arguments}`);
    }
    assert.equal(finishOf(chunks), 'tool_calls');
  });

  test(`openai client ${family}: streamed text, usage in the last chunk`, async () => {
    const c = get(family, STREAM_USAGE[family]);
    const chunks = [];
    await upstreamOf(family, c, async () => {
      const stream = await client.chat.completions.create(clientBody(family, c));
      for await (const ch of stream) chunks.push(ch);
    });
    const expected = expectedChunks(c);
    const text = (cs) => cs.map((ch) => ch.choices?.[0]?.delta?.content ?? '').join('');
    assert.equal(text(chunks), text(expected));
    assert.equal(finishOf(chunks), finishOf(expected));
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, [], 'the usage chunk has no choices');
    assert.ok(last.usage, 'no usage in the last chunk');
    assert.deepEqual(last.usage, expected.at(-1).usage);
    assert.ok(chunks.slice(0, -1).every((ch) => ch.usage == null), 'usage before the last chunk');
  });

  test(`openai client ${family}: stream without stream_options gets a usage chunk (gateway default)`, async () => {
    const c = get(family, STREAM_TEXT[family]);
    assert.equal(c.clientRequest.stream_options, undefined);
    const chunks = [];
    await upstreamOf(family, c, async () => {
      const stream = await client.chat.completions.create(clientBody(family, c));
      for await (const ch of stream) chunks.push(ch);
    });
    const text = (cs) => cs.map((ch) => ch.choices?.[0]?.delta?.content ?? '').join('');
    assert.equal(text(chunks), text(expectedChunks(c)));
    assert.equal(finishOf(chunks), 'stop');
    assert.ok(isUsageChunk(chunks.at(-1)), `last chunk is not a usage chunk: ${JSON.stringify(chunks.at(-1))}`);
    assert.equal(typeof chunks.at(-1).usage.total_tokens, 'number');
  });

  test(`openai client ${family}: stream_options.include_usage=false -> no usage chunk`, async () => {
    const c = get(family, STREAM_TEXT[family]);
    const chunks = [];
    await upstreamOf(family, c, async () => {
      const stream = await client.chat.completions.create({ ...clientBody(family, c), stream_options: { include_usage: false } });
      for await (const ch of stream) chunks.push(ch);
    });
    assert.ok(chunks.length > 0);
    assert.ok(chunks.every((ch) => ch.usage == null), 'usage chunk sent although include_usage=false');
  });
}

test('openai client anthropic: finish_reason "length" for max_tokens', async () => {
  const c = get('anthropic', 'stop_max_tokens_length');
  const { out: r } = await upstreamOf('anthropic', c, () => client.chat.completions.create(clientBody('anthropic', c)));
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.choices[0].finish_reason, c.clientResponse.choices[0].finish_reason);
});

test('openai client google: finish_reason "length" for max_tokens', async () => {
  const c = get('gemini', 'max_tokens');
  const { out: r } = await upstreamOf('gemini', c, () => client.chat.completions.create(clientBody('gemini', c)));
  assert.equal(r.choices[0].finish_reason, c.clientResponse.choices[0].finish_reason);
  assert.equal(r.choices[0].finish_reason, 'length');
});

// ---------------------------------------------------------------------------------------------
// errors

const simpleMessages = [{ role: 'user', content: 'hi' }];

for (const family of FAMILIES) {
  test(`openai client ${family}: upstream 429 -> RateLimitError with the provider's message`, async () => {
    const { rec, out: err } = await upstreamOf(family, null, () =>
      client.chat.completions.create({ model: `${PROVIDER[family]}/error-429`, messages: simpleMessages }).then(
        (r) => assert.fail(`expected a RateLimitError, got ${JSON.stringify(r)}`), (e) => e));
    assert.equal(rec.url, family === 'anthropic' ? '/v1/messages' : family === 'gemini' ? '/v1beta/models/error-429:generateContent' : '/v2/chat');
    assert.ok(err instanceof OpenAI.RateLimitError, `expected RateLimitError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 429);
    assert.ok(err.message.includes(ERROR_MESSAGES[family][429]), `message ${JSON.stringify(err.message)} lacks the provider's message`);
    assert.equal(err.headers.get('retry-after'), '7', 'Retry-After relayed');
  });

  test(`raw HTTP ${family}: upstream 429 -> OpenAI error envelope`, async () => {
    const res = await chat(gw.url, { model: `${PROVIDER[family]}/error-429`, messages: simpleMessages });
    const e = assertErrorShape(res, 429);
    assert.ok(e.message.includes(ERROR_MESSAGES[family][429]), e.message);
  });
}

test('openai client anthropic: 529 overloaded_error -> 529 (the provider status is kept)', async () => {
  const err = await client.chat.completions.create({ model: 'anthropic/error-529', messages: simpleMessages }).then(
    (r) => assert.fail(`expected an error, got ${JSON.stringify(r)}`), (e) => e);
  assert.ok(err instanceof OpenAI.APIError, String(err));
  assert.equal(err.status, 529);
  assert.ok(err instanceof OpenAI.InternalServerError);
  assert.ok(err.message.includes(ERROR_MESSAGES.anthropic[529]), err.message);
});

test('invalid upstream keys: gemini 400 "API key not valid" -> 401 AuthenticationError (and anthropic/cohere 401)', async () => {
  const bad = await startGateway(gatewayEnvFor({ ANTHROPIC_API_KEY: 'wrong', GOOGLE_API_KEY: 'wrong', COHERE_API_KEY: 'wrong' }));
  try {
    const badClient = new OpenAI({ baseURL: `${bad.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 30_000 });
    const c = get('gemini', 'simple_text');
    const { rec, out: err } = await upstreamOf('gemini', c, () =>
      badClient.chat.completions.create(clientBody('gemini', c)).then((r) => assert.fail(`expected an error, got ${JSON.stringify(r)}`), (e) => e));
    assert.equal(rec.headers['x-goog-api-key'], 'wrong');
    assert.ok(err instanceof OpenAI.AuthenticationError, `expected AuthenticationError, got ${err?.constructor?.name} ${err?.status}: ${err?.message}`);
    assert.equal(err.status, 401);
    assert.ok(err.message.includes('API key not valid'), err.message);
    for (const family of ['anthropic', 'cohere']) {
      const c2 = get(family, 'simple_text');
      const e2 = await badClient.chat.completions.create(clientBody(family, c2)).then((r) => assert.fail(JSON.stringify(r)), (e) => e);
      assert.ok(e2 instanceof OpenAI.AuthenticationError, `${family}: expected AuthenticationError, got ${e2?.constructor?.name} ${e2?.status}: ${e2?.message}`);
      assert.ok(e2.message.includes(ERROR_MESSAGES[family][401]), e2.message);
    }
  } finally { await bad.kill(); }
});

// ---------------------------------------------------------------------------------------------
// /v1/models

test('/v1/models lists native models of anthropic, google and cohere', async () => {
  const counts = Object.fromEntries(FAMILIES.map((f) => [f, ups[f].requests.length]));
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  for (const id of ['anthropic/claude-sonnet-4-5', 'anthropic/claude-haiku-4-5', 'google/gemini-2.0-flash', 'google/gemini-2.5-flash',
    'cohere/command-a-03-2025', 'cohere/command-a-vision-07-2025']) {
    assert.ok(ids.includes(id), `${id} missing from ${ids.join(',')}`);
  }
  assert.ok(!ids.includes(`google/${EMBEDDING_ONLY}`), 'embedding-only Gemini model listed');
  assert.ok(!ids.some((id) => id.includes('models/')), `Gemini "models/" prefix kept: ${ids}`);
  const reqs = Object.fromEntries(FAMILIES.map((f) => [f, ups[f].requests.slice(counts[f])]));
  const a = reqs.anthropic.find((r) => r.method === 'GET');
  assert.equal(a?.path, '/v1/models');
  assert.equal(a.headers['x-api-key'], KEYS.anthropic);
  assert.equal(a.headers['anthropic-version'], '2023-06-01');
  const g = reqs.gemini.find((r) => r.method === 'GET');
  assert.equal(g?.path, '/v1beta/models');
  assert.equal(g.query.pageSize, '1000');
  assert.equal(g.headers['x-goog-api-key'], KEYS.gemini);
  const co = reqs.cohere.find((r) => r.method === 'GET');
  assert.equal(co?.path, '/v1/models');
  assert.equal(co.headers.authorization, `Bearer ${KEYS.cohere}`);
});

test('raw HTTP /v1/models?provider=google', async () => {
  const res = await request(gw.url, { path: '/v1/models?provider=google', headers: { authorization: `Bearer ${CLIENT_KEY}` } });
  assert.equal(res.status, 200, res.text);
  const ids = res.json.data.map((m) => m.id).sort();
  assert.deepEqual(ids, ['google/gemini-2.0-flash', 'google/gemini-2.5-flash']);
});

// ---------------------------------------------------------------------------------------------
// ANTHROPIC_API_FORMAT=openai

test('ANTHROPIC_API_FORMAT=openai sends the OpenAI body to {base}/chat/completions', async () => {
  const compat = await startGateway(gatewayEnvFor({ ANTHROPIC_API_FORMAT: 'openai' }));
  try {
    const c = get('anthropic', 'simple_text');
    const body = clientBody('anthropic', c);
    const { rec, out: res } = await upstreamOf('anthropic', null, () => chat(compat.url, body, { headers: { authorization: `Bearer ${CLIENT_KEY}` } }));
    assert.equal(res.status, 200, res.text);
    assert.equal(rec.method, 'POST');
    assert.equal(rec.path, '/v1/chat/completions');
    assert.deepEqual(rec.body, { ...c.clientRequest, model: 'claude-sonnet-4-5' }, 'OpenAI body forwarded with the model renamed');
    assert.ok(rec.headers['x-api-key'] === KEYS.anthropic || rec.headers.authorization === `Bearer ${KEYS.anthropic}`, 'gateway key sent');
    assert.ok(!JSON.stringify(rec.headers).includes(CLIENT_KEY), 'client key leaked');
    assert.equal(res.json.choices[0].message.content, OPENAI_COMPAT_CONTENT);
    assert.ok(!ups.anthropic.requests.some((r) => r === rec && r.path.endsWith('/messages')));
  } finally { await compat.kill(); }
});
