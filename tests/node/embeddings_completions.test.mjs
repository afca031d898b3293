// POST /v1/embeddings and POST /v1/completions (issue #18): byte for byte to the providers that
// serve OpenAI's shape (only "model" renamed), through the same filters as chat — allow-lists,
// metrics, limits and budgets — with the official openai SDK as the client.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { request, openStream, eventually, assertErrorShape } from './helpers/http.mjs';
import { scrapeMetrics } from './helpers/prom.mjs';
import { startFakeOpenAIApi, embeddingValue, COMPLETION_TEXT, COMPLETION_PIECES } from './fakes/openai_api_upstream.mjs';

const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;
let up, chunkedUp, gw, authGw, tmp;

before(async () => {
  up = await startFakeOpenAIApi();
  chunkedUp = await startFakeOpenAIApi({ chunked: true });
  gw = await startGateway({
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai',
    VLLM_API_URL: up.url, GROQ_API_URL: up.url, GROQ_API_KEY: 'gsk-groq',
    DEEPSEEK_API_URL: up.origin, DEEPSEEK_API_KEY: 'sk-deepseek',
    OLLAMA_API_URL: chunkedUp.url,
    GOOGLE_API_URL: up.url, GOOGLE_API_KEY: 'goog-key', COHERE_API_URL: up.origin, COHERE_API_KEY: 'co-key',
    ALLOWED_MODELS: 'text-embedding-3-small,text-embedding-3-large,gpt-3.5-turbo-instruct,deepseek-chat,nomic-embed-text,qwen2.5,llama-3.3-70b,error-429,gemini-embedding-001,embed-v4.0',
    TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-embed-'));
  // USD per million tokens: $2/M for the embedding model's input, $1/M in and $3/M out for text.
  fs.writeFileSync(path.join(tmp, 'prices.json'), JSON.stringify({
    'openai/text-embedding-3-small': { input: 2, output: 0 },
    'openai/gpt-3.5-turbo-instruct': { input: 1, output: 3 },
    'ollama/nomic-embed-text': { input: 4, output: 0 },
  }));
  authGw = await startGateway({
    AUTH_ENABLED: 'true', AUTH_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: `sqlite://${tmp}/gateway.db`,
    MODEL_PRICES_PATH: path.join(tmp, 'prices.json'), SPEND_LOG_FLUSH_INTERVAL: '100ms',
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai', OLLAMA_API_URL: chunkedUp.url,
  });
});
after(async () => {
  await gw?.kill(); await authGw?.kill();
  await up?.close(); await chunkedUp?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const client = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
const expected = (i, dims = 8) => Array.from({ length: dims }, (_, j) => embeddingValue(i, j));
let n = 0;
const uniq = () => `u${++n}x${Date.now()}`;

test('embeddings.create with encoding_format float: the provider\'s vectors, model renamed upstream', async () => {
  const id = uniq();
  const res = await client().embeddings.create({ model: 'openai/text-embedding-3-small', input: `hello world ${id}`, encoding_format: 'float' });
  assert.equal(res.object, 'list');
  assert.equal(res.model, 'text-embedding-3-small');
  assert.deepEqual(res.data.map((d) => d.embedding), [expected(0)]);
  assert.deepEqual(res.usage, { prompt_tokens: 3, total_tokens: 3 });
  const rec = await up.waitForRequest((r) => r.body?.input === `hello world ${id}`);
  assert.equal(rec.path, '/v1/embeddings');
  assert.equal(rec.headers.authorization, 'Bearer sk-openai');
  assert.deepEqual(rec.body, { model: 'text-embedding-3-small', input: `hello world ${id}`, encoding_format: 'float' });
});

test('embeddings.create without encoding_format: the SDK asks for base64 and decodes what comes back', async () => {
  const id = uniq();
  const res = await client().embeddings.create({ model: 'openai/text-embedding-3-small', input: id });
  assert.deepEqual(res.data[0].embedding, expected(0));
  const rec = await up.waitForRequest((r) => r.body?.input === id);
  assert.equal(rec.body.encoding_format, 'base64');
  // Asked for explicitly, the base64 string reaches the client as the provider wrote it.
  const raw = await client().embeddings.create({ model: 'openai/text-embedding-3-small', input: id, encoding_format: 'base64' });
  assert.equal(typeof raw.data[0].embedding, 'string');
  assert.deepEqual(Array.from(new Float32Array(Uint8Array.from(Buffer.from(raw.data[0].embedding, 'base64')).buffer)), expected(0));
});

test('embeddings.create with dimensions and a batch of inputs, on vLLM (?provider= routing too)', async () => {
  const input = ['first text', 'the second text', 'third'];
  const res = await client().embeddings.create({ model: 'vllm/text-embedding-3-large', input, dimensions: 4, encoding_format: 'float' });
  assert.deepEqual(res.data.map((d) => d.index), [0, 1, 2]);
  assert.deepEqual(res.data.map((d) => d.embedding), [expected(0, 4), expected(1, 4), expected(2, 4)]);
  assert.equal(res.usage.prompt_tokens, 6);
  const rec = await up.waitForRequest((r) => r.body?.model === 'text-embedding-3-large' && r.body?.dimensions === 4);
  assert.deepEqual(rec.body.input, input);
  const viaQuery = await request(gw.url, { method: 'POST', path: '/v1/embeddings?provider=vllm', body: { model: 'text-embedding-3-large', input: 'x y' } });
  assert.equal(viaQuery.status, 200, viaQuery.text);
  assert.equal(viaQuery.json.data.length, 1);
});

test('the body goes upstream byte for byte, only the model renamed; the answer comes back byte for byte', async () => {
  const id = uniq();
  const body = `{ "input" : ["a b", "c"],\n  "x_unknown": {"keep": [1, 2.50, null]}, "model":"openai/text-embedding-3-small", "user": "${id}", "encoding_format":"float" }`;
  const res = await request(gw.url, { method: 'POST', path: '/v1/embeddings', body });
  assert.equal(res.status, 200, res.text);
  const rec = await up.waitForRequest((r) => r.body?.user === id);
  assert.equal(rec.rawBody, body.replace('"openai/text-embedding-3-small"', '"text-embedding-3-small"'));
  const upstreamAnswer = JSON.stringify({
    object: 'list',
    data: [0, 1].map((i) => ({ object: 'embedding', index: i, embedding: expected(i) })),
    model: 'text-embedding-3-small', usage: { prompt_tokens: 3, total_tokens: 3 },
  });
  assert.equal(res.text, upstreamAnswer);
  assert.equal(res.headers['openai-processing-ms'], '7', 'provider headers are passed on');
});

test('a provider without embeddings gets a 400 naming the providers that have them; nothing is sent', async () => {
  const before = up.requests.length;
  await assert.rejects(client().embeddings.create({ model: 'groq/llama-3.3-70b', input: 'x' }), (err) => {
    assert.equal(err.status, 400);
    assert.equal(err.code, 'unsupported_endpoint');
    assert.match(err.message, /provider 'groq' has no \/v1\/embeddings/);
    assert.match(err.message, /azure, cloudflare, cohere, google, llamacpp, mistral, nvidia, ollama, openai, vllm/);
    return true;
  });
  const e = assertErrorShape(await request(gw.url, { method: 'POST', path: '/v1/completions', body: { model: 'groq/llama-3.3-70b', prompt: 'x' } }), 400);
  assert.match(e.message, /provider 'groq' has no \/v1\/completions; providers that have it: azure, deepseek, llamacpp, ollama, openai, vllm/);
  assert.equal(up.requests.length, before);
});

test('ALLOWED_MODELS refuses a model on both routes (403, nothing sent); bad bodies get 400s; GET is a 405', async () => {
  const before = up.requests.length;
  await assert.rejects(client().embeddings.create({ model: 'openai/text-embedding-ada-002', input: 'x' }), (err) => err.status === 403 && err.code === 'model_not_allowed');
  await assert.rejects(client().completions.create({ model: 'openai/davinci-002', prompt: 'x' }), (err) => err.status === 403 && err.code === 'model_not_allowed');
  assert.match(assertErrorShape(await request(gw.url, { method: 'POST', path: '/v1/embeddings', body: { input: 'x' } }), 400).message, /model/);
  assertErrorShape(await request(gw.url, { method: 'POST', path: '/v1/completions', body: '{"model":' }), 400);
  assert.equal(up.requests.length, before);
  const get = assertErrorShape(await request(gw.url, { path: '/v1/embeddings' }), 405);
  assert.match(get.message, /use POST/);
});

test('completions.create: the provider\'s text completion, model renamed', async () => {
  const id = uniq();
  const res = await client().completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: `Say this is a test ${id}`, max_tokens: 7 });
  assert.equal(res.object, 'text_completion');
  assert.equal(res.choices[0].text, COMPLETION_TEXT);
  assert.deepEqual(res.usage, { prompt_tokens: 6, completion_tokens: 5, total_tokens: 11 });
  const rec = await up.waitForRequest((r) => r.body?.prompt === `Say this is a test ${id}`);
  assert.equal(rec.path, '/v1/completions');
  assert.deepEqual(rec.body, { model: 'gpt-3.5-turbo-instruct', prompt: `Say this is a test ${id}`, max_tokens: 7 });
});

test('completions.create with stream: the chunks as the provider sent them, usage requested upstream', async () => {
  const id = uniq();
  const stream = await client().completions.create({ model: 'vllm/qwen2.5', prompt: `once upon ${id}`, stream: true });
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  assert.equal(chunks.filter((c) => c.choices.length).map((c) => c.choices[0].text).join(''), COMPLETION_TEXT);
  assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
  assert.deepEqual(chunks.at(-1).usage, { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
  const rec = await up.waitForRequest((r) => r.body?.prompt === `once upon ${id}`);
  assert.equal(rec.headers.accept, 'text/event-stream');
  assert.deepEqual(rec.body.stream_options, { include_usage: true });
  // A client that said include_usage: false is not given usage it did not ask for.
  const s = await openStream(gw.url, { method: 'POST', path: '/v1/completions', body: { model: 'vllm/qwen2.5', prompt: 'p', stream: true, stream_options: { include_usage: false } } });
  assert.equal(s.status, 200);
  const events = await s.sse.rest();
  assert.equal(events.at(-1).data, '[DONE]');
  assert.ok(events.every((e) => !e.data.includes('"usage"')), 'no usage chunk');
});

test('DeepSeek\'s FIM completion (beta) is its /beta/completions; errors are relayed with the provider\'s status', async () => {
  const res = await client().completions.create({ model: 'deepseek/deepseek-chat', prompt: 'def fib(a):', suffix: '    return fib(a-1) + fib(a-2)', max_tokens: 16 });
  assert.equal(res.choices[0].text, COMPLETION_TEXT);
  const rec = await up.waitForRequest((r) => r.body?.model === 'deepseek-chat');
  assert.equal(rec.path, '/beta/completions');
  assert.equal(rec.headers.authorization, 'Bearer sk-deepseek');
  await assert.rejects(client().completions.create({ model: 'openai/error-429', prompt: 'x' }), (err) => {
    assert.equal(err.status, 429);
    assert.match(err.message, /Fake upstream error 429/);
    return true;
  });
});

test('usage of both routes is in the token metrics, also from answers sent without Content-Length', async () => {
  await client().embeddings.create({ model: 'ollama/nomic-embed-text', input: ['one two', 'three'], encoding_format: 'float' });
  await client().completions.create({ model: 'ollama/qwen2.5', prompt: 'a b c d' });
  await eventually(async () => {
    const m = await scrapeMetrics(gw.metricsUrl);
    return m.get('llm_usage_prompt_tokens_total', { provider: 'ollama', model: 'nomic-embed-text' }) === 3 &&
      m.get('llm_usage_total_tokens_total', { provider: 'ollama', model: 'nomic-embed-text' }) === 3 &&
      m.get('llm_usage_completion_tokens_total', { provider: 'ollama', model: 'qwen2.5' }) === 5 &&
      m.sum('llm_requests_total', { provider: 'ollama', request_path: '/v1/embeddings' }) === 1 &&
      m.sum('llm_requests_total', { provider: 'ollama', request_path: '/v1/completions' }) === 1;
  }, { what: 'token metrics for /v1/embeddings and /v1/completions' });
});

test('budgets: embeddings and completions are charged their usage in the spend log', async () => {
  const created = await request(authGw.url, { method: 'POST', path: '/admin/keys', body: { name: 'embedder', budget: { usd: 1, period: 'day' } }, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(created.status, 201, created.text);
  const sdk = new OpenAI({ baseURL: `${authGw.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
  await sdk.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['w1 w2 w3', 'w4'] });
  await sdk.completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'a b' });
  // An answer without Content-Length is charged its usage too.
  await sdk.embeddings.create({ model: 'ollama/nomic-embed-text', input: ['one two', 'three'] });
  const spend = await eventually(async () => {
    const r = await request(authGw.url, { path: `/admin/spend?key=${created.json.id}`, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    return r.json?.total?.requests === 3 && r;
  }, { what: 'three requests in the spend log' });
  assert.deepEqual(spend.json.total.tokens, { input: 9, output: 5, cached_input: 0, reasoning: 0, total: 14 });
  // 4 embedding tokens at $2/M, 2 prompt tokens at $1/M, 5 completion tokens at $3/M and 3
  // embedding tokens at $4/M.
  assert.ok(Math.abs(spend.json.total.usd - (4 * 2 + 2 * 1 + 5 * 3 + 3 * 4) / 1e6) < 1e-12, JSON.stringify(spend.json));
  const refused = await sdk.embeddings.create({ model: 'groq/x', input: 'x' }).catch((e) => e);
  assert.equal(refused.status, 400);
});

test('token limits: embeddings reserve no output tokens, so a 1000 tokens-per-minute key can embed', async () => {
  const created = await request(authGw.url, { method: 'POST', path: '/admin/keys', body: { name: 'tpm', tpm: 1000 }, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(created.status, 201, created.text);
  const sdk = new OpenAI({ baseURL: `${authGw.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
  const res = await sdk.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'tokens are counted' });
  assert.equal(res.usage.prompt_tokens, 3);
  // A completion without max_tokens reserves LIMITS_DEFAULT_MAX_TOKENS (4096) and is refused.
  const refused = await sdk.completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'x' }).catch((e) => e);
  assert.equal(refused.status, 429);
  assert.match(refused.message, /allows 1000 tokens per minute/);
});

test('a key\'s own models list applies to both routes (403 model_not_allowed_for_key)', async () => {
  const created = await request(authGw.url, { method: 'POST', path: '/admin/keys', body: { name: 'embed-only', models: ['openai/text-embedding-*'] }, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(created.status, 201, created.text);
  const sdk = new OpenAI({ baseURL: `${authGw.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
  const ok = await sdk.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'fine' });
  assert.equal(ok.data.length, 1);
  const before = up.requests.length;
  // One at a time: a second promise rejecting before it is awaited would be an unhandled rejection.
  for (const call of [
    () => sdk.completions.create({ model: 'openai/gpt-3.5-turbo-instruct', prompt: 'x' }),
    () => sdk.embeddings.create({ model: 'ollama/nomic-embed-text', input: 'x' }),
  ]) {
    const err = await call().catch((e) => e);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'model_not_allowed_for_key');
  }
  assert.equal(up.requests.length, before);
  // Without a credential: 401, as on every route.
  const anon = await request(authGw.url, { method: 'POST', path: '/v1/embeddings', body: { model: 'openai/text-embedding-3-small', input: 'x' } });
  assert.equal(anon.status, 401);
});

test('Gemini (native API): embeddings go to batchEmbedContents and come back in OpenAI\'s shape', async () => {
  const res = await client().embeddings.create({ model: 'google/gemini-embedding-001', input: ['a b', 'c'], dimensions: 4, encoding_format: 'float' });
  assert.equal(res.object, 'list');
  assert.equal(res.model, 'gemini-embedding-001');
  assert.deepEqual(res.data.map((d) => [d.object, d.index]), [['embedding', 0], ['embedding', 1]]);
  assert.deepEqual(res.data.map((d) => d.embedding), [expected(0, 4), expected(1, 4)]);
  const rec = await up.waitForRequest((r) => r.path === '/v1/models/gemini-embedding-001:batchEmbedContents');
  assert.equal(rec.headers['x-goog-api-key'], 'goog-key');
  assert.deepEqual(rec.body, { requests: [
    { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a b' }] }, outputDimensionality: 4 },
    { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'c' }] }, outputDimensionality: 4 },
  ] });
  // The SDK's default (base64) is packed by the gateway as OpenAI packs it.
  const b64 = await client().embeddings.create({ model: 'google/gemini-embedding-001', input: 'solo' });
  assert.deepEqual(b64.data[0].embedding, expected(0));
  // Gemini takes text: token ids are refused before anything is sent.
  const before = up.requests.length;
  const ids = await client().embeddings.create({ model: 'google/gemini-embedding-001', input: [[1, 2, 3]] }).catch((e) => e);
  assert.equal(ids.status, 400);
  assert.match(ids.message, /text, not token ids/);
  assert.equal(up.requests.length, before);
});

test('Gemini errors come back with Gemini\'s status and message; Cohere (native) embeddings go to its v2 embed', async () => {
  const res = await request(gw.url, { method: 'POST', path: '/v1/embeddings', body: { model: 'google/error-429', input: 'x' } });
  const e = assertErrorShape(res, 429);
  assert.match(e.message, /upstream google returned 429: Fake Gemini error 429/);
  const co = await client().embeddings.create({ model: 'cohere/embed-v4.0', input: ['hello there', 'x'], encoding_format: 'float', dimensions: 3 });
  assert.deepEqual(co.data.map((d) => d.embedding), [expected(0, 3), expected(1, 3)]);
  assert.deepEqual(co.usage, { prompt_tokens: 3, total_tokens: 3 }); // meta.billed_units.input_tokens
  const rec = await up.waitForRequest((r) => r.path === '/v2/embed');
  assert.equal(rec.headers.authorization, 'Bearer co-key');
  assert.deepEqual(rec.body, { model: 'embed-v4.0', texts: ['hello there', 'x'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 3 });
  // input_type (Cohere's, required by its v3+ models) can be sent as an extra body field.
  const q = await client().embeddings.create({ model: 'cohere/embed-v4.0', input: 'query text', input_type: 'search_query' });
  assert.deepEqual(q.data[0].embedding, expected(0)); // base64 (the SDK's default), decoded
  assert.equal((await up.waitForRequest((r) => r.path === '/v2/embed' && r.body?.texts?.[0] === 'query text')).body.input_type, 'search_query');
});
