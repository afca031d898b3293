// ALLOWED_MODELS / DISALLOWED_MODELS.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI } from './fakes/openai_upstream.mjs';
import { chat, request, assertErrorShape } from './helpers/http.mjs';

let up, gw;
before(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway({
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai',
    GROQ_API_URL: up.url, GROQ_API_KEY: 'gsk-groq',
    // full ids, bare names, mixed case; disallowed wins over allowed
    ALLOWED_MODELS: 'openai/gpt-4o, GPT-4O-MINI,llama-3.3-70b',
    DISALLOWED_MODELS: 'gpt-4o-mini,groq/llama-guard',
  });
});
after(async () => { await gw?.kill(); await up?.close(); });

const messages = [{ role: 'user', content: 'hi' }];

test('allowed by full provider/model id (case-insensitive)', async () => {
  assert.equal((await chat(gw.url, { model: 'openai/gpt-4o', messages })).status, 200);
  assert.equal((await chat(gw.url, { model: 'OPENAI/GPT-4o', messages })).status, 200);
});

test('allowed by bare model name on any provider', async () => {
  assert.equal((await chat(gw.url, { model: 'groq/llama-3.3-70b', messages })).status, 200);
  assert.equal((await chat(gw.url, { model: 'llama-3.3-70b', messages }, { query: '?provider=groq' })).status, 200);
});

test('model not in ALLOWED_MODELS -> 403, nothing sent upstream', async () => {
  const before = up.requests.length;
  assertErrorShape(await chat(gw.url, { model: 'openai/gpt-3.5-turbo', messages }), 403);
  assertErrorShape(await chat(gw.url, { model: 'groq/gpt-4o', messages }), 403); // full id was openai/gpt-4o only
  assert.equal(up.requests.length, before);
});

test('DISALLOWED_MODELS wins over ALLOWED_MODELS', async () => {
  const before = up.requests.length;
  assertErrorShape(await chat(gw.url, { model: 'openai/gpt-4o-mini', messages }), 403);
  assertErrorShape(await chat(gw.url, { model: 'openai/GPT-4o-Mini', messages }), 403);
  assertErrorShape(await chat(gw.url, { model: 'groq/llama-guard', messages }), 403);
  assert.equal(up.requests.length, before);
});

test('the allow-lists apply to /proxy and its /v1/proxy alias when the body names a model', async () => {
  const before = up.requests.length;
  for (const path of ['/proxy/openai/chat/completions', '/v1/proxy/openai/chat/completions']) {
    const res = await request(gw.url, { method: 'POST', path, body: { model: 'gpt-4o-mini', messages } });
    assert.equal(assertErrorShape(res, 403).code, 'model_not_allowed');
  }
  assert.equal(up.requests.length, before);
  const ok = await request(gw.url, { method: 'POST', path: '/v1/proxy/openai/chat/completions', body: { model: 'gpt-4o', messages } });
  assert.equal(ok.status, 200, ok.text);
});
