// GET /v1/models: merge over providers, failures left out, ?provider filter.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, closedPort } from './fakes/openai_upstream.mjs';
import { request, assertErrorShape } from './helpers/http.mjs';

let openai, groq, broken, hanging, gw;
before(async () => {
  openai = await startFakeOpenAI({ models: ['gpt-4o', 'gpt-4o-mini'] });
  groq = await startFakeOpenAI({ models: ['llama-3.3-70b-versatile'] });
  broken = await startFakeOpenAI({ models: ['never-listed'], modelsBehavior: 'error' });
  hanging = await startFakeOpenAI({ models: ['never-listed-either'], modelsBehavior: 'hang' });
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  gw = await startGateway({
    OPENAI_API_URL: openai.url, OPENAI_API_KEY: 'sk-openai',
    GROQ_API_URL: groq.url, GROQ_API_KEY: 'gsk-groq',
    MISTRAL_API_URL: broken.url, MISTRAL_API_KEY: 'mistral-key',
    DEEPSEEK_API_URL: hanging.url, DEEPSEEK_API_KEY: 'ds-key',
    // keyless providers pointed at a closed port so the result is deterministic
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
    CLIENT_RESPONSE_HEADER_TIMEOUT: '1s',
  });
});
after(async () => {
  await gw?.kill();
  for (const f of [openai, groq, broken, hanging]) await f?.close();
});

test('lists models of every working provider, prefixed, leaving failing ones out', async () => {
  const res = await request(gw.url, { path: '/v1/models', headers: { authorization: 'Bearer client-key' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.object, 'list');
  const ids = res.json.data.map((m) => m.id).sort();
  assert.deepEqual(ids, ['groq/llama-3.3-70b-versatile', 'openai/gpt-4o', 'openai/gpt-4o-mini']);
  for (const m of res.json.data) {
    assert.equal(m.object, 'model');
    assert.equal(typeof m.created, 'number');
    assert.equal(typeof m.owned_by, 'string');
    assert.equal(m.served_by, m.id.split('/')[0]);
  }
  // Upstream model endpoints were called with the provider credentials.
  const rec = await openai.waitForRequest((r) => r.path === '/v1/models');
  assert.equal(rec.method, 'GET');
  assert.equal(rec.headers.authorization, 'Bearer sk-openai');
  assert.equal((await groq.waitForRequest((r) => r.path === '/v1/models')).headers.authorization, 'Bearer gsk-groq');
});

test('?provider= limits the listing to one provider', async () => {
  const res = await request(gw.url, { path: '/v1/models?provider=groq' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.data.map((m) => m.id), ['groq/llama-3.3-70b-versatile']);
  assert.equal(res.json.data[0].served_by, 'groq');
});

test('?provider= with an unknown provider -> 400', async () => {
  assertErrorShape(await request(gw.url, { path: '/v1/models?provider=nosuchprovider' }), 400);
});
