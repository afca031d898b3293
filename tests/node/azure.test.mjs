// Azure OpenAI as a provider (issue #18): the model is the deployment, named in the URL with the
// api-version in the query, the key sent as `api-key` — chat, streaming, embeddings, legacy
// completions and /v1/models, with the official openai SDK as the client.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { request, assertErrorShape } from './helpers/http.mjs';
import { startFakeAzure, AZURE_KEY } from './fakes/azure_upstream.mjs';

let az, gw, gwVersion, gwNoKey;
before(async () => {
  az = await startFakeAzure({ deployments: { 'my-gpt4o': 'gpt-4o-2024-08-06', 'emb-small': 'text-embedding-3-small', 'instruct': 'gpt-35-turbo-instruct' } });
  gw = await startGateway({ AZURE_API_URL: az.url, AZURE_API_KEY: AZURE_KEY });
  gwVersion = await startGateway({ AZURE_API_URL: `${az.url}/`, AZURE_API_KEY: AZURE_KEY, AZURE_API_VERSION: '2025-04-01-preview' });
  gwNoKey = await startGateway({ AZURE_API_URL: az.url });
});
after(async () => {
  for (const g of [gw, gwVersion, gwNoKey]) await g?.kill();
  await az?.close();
});

const client = (g = gw) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'client-secret-never-forwarded', maxRetries: 0 });
const last = () => az.requests[az.requests.length - 1];

test('chat: the deployment in the URL, api-version in the query, the key as api-key, nothing of the client\'s', async () => {
  const res = await client().chat.completions.create({ model: 'azure/my-gpt4o', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.choices[0].message.content, 'Hello from my-gpt4o');
  assert.equal(res.model, 'gpt-4o-2024-08-06');
  assert.equal(res.usage.total_tokens, 12);
  // Azure's own fields come back as Azure sent them.
  assert.equal(res.prompt_filter_results[0].content_filter_results.hate.severity, 'safe');
  const rec = last();
  assert.equal(rec.path, '/openai/deployments/my-gpt4o/chat/completions');
  assert.deepEqual(rec.query, { 'api-version': '2024-10-21' });
  assert.equal(rec.headers['api-key'], AZURE_KEY);
  assert.equal(rec.headers.authorization, undefined);
  assert.ok(!rec.rawBody.includes('client-secret'));
  assert.equal(rec.body.model, 'my-gpt4o');
});

test('streaming: Azure\'s filter-results chunk and usage pass through; the SDK assembles the text', async () => {
  const stream = await client().chat.completions.create({ model: 'azure/my-gpt4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  let usage;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'Hello from my-gpt4o');
  assert.equal(chunks, 6);  // filter results, three words, finish, usage
  assert.equal(usage.completion_tokens, 3);
  assert.equal(last().body.stream_options.include_usage, true);  // asked for by the gateway
});

test('embeddings and legacy completions go to the deployment\'s own URLs', async () => {
  const e = await client().embeddings.create({ model: 'azure/emb-small', input: ['a', 'b'], encoding_format: 'float' });
  assert.deepEqual(e.data.map((d) => d.embedding), [[0.5, 0.25], [1.5, 0.25]]);
  assert.equal(last().path, '/openai/deployments/emb-small/embeddings');
  assert.equal(last().query['api-version'], '2024-10-21');
  const c = await client().completions.create({ model: 'azure/instruct', prompt: 'say' });
  assert.equal(c.choices[0].text, 'completed by instruct');
  assert.equal(last().path, '/openai/deployments/instruct/completions');
});

test('AZURE_API_VERSION is sent as configured (and a trailing slash on the URL is fine)', async () => {
  const res = await client(gwVersion).chat.completions.create({ model: 'azure/my-gpt4o', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.choices[0].message.content, 'Hello from my-gpt4o');
  assert.equal(last().path, '/openai/deployments/my-gpt4o/chat/completions');
  assert.deepEqual(last().query, { 'api-version': '2025-04-01-preview' });
});

test('a deployment name cannot leave its path segment', async () => {
  const res = await request(gw.url, { method: 'POST', path: '/v1/chat/completions', body: { model: 'azure/../../models', messages: [{ role: 'user', content: 'x' }] } });
  const e = assertErrorShape(res, 404);
  assert.match(e.message, /DeploymentNotFound|deployment for this resource does not exist/);
  assert.equal(last().path, '/openai/deployments/..%2F..%2Fmodels/chat/completions');
});

test('Azure\'s errors come back with its status and message', async () => {
  const res = await client().chat.completions.create({ model: 'azure/nope', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  assert.equal(res.status, 404);
  assert.match(res.message, /API deployment for this resource does not exist/);
});

test('without AZURE_API_KEY: 401 naming the variable, nothing sent', async () => {
  const before = az.requests.length;
  const res = await request(gwNoKey.url, { method: 'POST', path: '/v1/chat/completions', body: { model: 'azure/my-gpt4o', messages: [{ role: 'user', content: 'hi' }] } });
  const e = assertErrorShape(res, 401);
  assert.match(e.message, /AZURE_API_KEY/);
  assert.equal(az.requests.length, before);
});

test('/v1/models lists the resource\'s models under azure/', async () => {
  const res = await request(gw.url, { path: '/v1/models?provider=azure' });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.data.map((m) => m.id), ['azure/gpt-4o-2024-08-06', 'azure/text-embedding-3-small']);
  const rec = az.requests.find((r) => r.path === '/openai/models');
  assert.equal(rec.query['api-version'], '2024-10-21');
  assert.equal(rec.headers['api-key'], AZURE_KEY);
  const all = await request(gw.url, { path: '/v1/models' });
  assert.ok(all.json.data.some((m) => m.id === 'azure/gpt-4o-2024-08-06'));
});
