// GET /v1/models?include=context_window,pricing,modalities (issue #18), as the Go gateway and its
// CLI ask for it: fields from the built-in metadata file and the price table (MODEL_PRICES_PATH
// over it), null when unknown, 400 for an unknown key.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI } from './fakes/openai_upstream.mjs';
import { request, assertErrorShape } from './helpers/http.mjs';

let openai, gw, tmp;
before(async () => {
  openai = await startFakeOpenAI({ models: ['gpt-4o-2024-08-06', 'text-embedding-3-small', 'ft:my-own-model'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-models-'));
  fs.writeFileSync(path.join(tmp, 'prices.yaml'), 'openai/ft:my-own-model: {input: 7, output: 9}\n');
  gw = await startGateway({ OPENAI_API_URL: openai.url, OPENAI_API_KEY: 'sk-openai', MODEL_PRICES_PATH: path.join(tmp, 'prices.yaml') });
});
after(async () => {
  await gw?.kill();
  await openai?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const list = async (query) => {
  const res = await request(gw.url, { path: `/v1/models?provider=openai${query}` });
  assert.equal(res.status, 200, res.text);
  return res.json;
};
const byId = (body) => Object.fromEntries(body.data.map((m) => [m.id, m]));

test('include=context_window,pricing,modalities: known models get all three, with the tables\' sources', async () => {
  const body = await list('&include=context_window,pricing,modalities');
  const m = byId(body);
  // A dated snapshot takes its model's entry.
  assert.equal(m['openai/gpt-4o-2024-08-06'].context_window, 128000);
  assert.equal(m['openai/gpt-4o-2024-08-06'].max_output_tokens, 16384);
  assert.deepEqual(m['openai/gpt-4o-2024-08-06'].modalities, { input: ['text', 'image'], output: ['text'] });
  assert.deepEqual(m['openai/gpt-4o-2024-08-06'].pricing, { input: 2.5, output: 10, cached_input: 1.25, reasoning: 10, currency: 'USD', per_tokens: 1000000 });
  assert.deepEqual(m['openai/text-embedding-3-small'].modalities, { input: ['text'], output: ['embedding'] });
  assert.equal(m['openai/text-embedding-3-small'].max_output_tokens, null);
  // Unknown to the metadata file: null, not absent; priced by MODEL_PRICES_PATH.
  assert.equal(m['openai/ft:my-own-model'].context_window, null);
  assert.equal(m['openai/ft:my-own-model'].modalities, null);
  assert.equal(m['openai/ft:my-own-model'].pricing.input, 7);
  assert.match(body.sources.metadata.source, /platform\.openai\.com/);
  assert.match(body.sources.metadata.updated, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(body.sources.pricing.updated, /^\d{4}-\d{2}-\d{2}$/);
});

test('only what was asked for is added; without include the listing is unchanged', async () => {
  const priced = byId(await list('&include=pricing'));
  assert.ok('pricing' in priced['openai/gpt-4o-2024-08-06']);
  assert.ok(!('context_window' in priced['openai/gpt-4o-2024-08-06']));
  assert.ok(!('modalities' in priced['openai/gpt-4o-2024-08-06']));
  const plain = await list('');
  assert.deepEqual(Object.keys(plain.data[0]).sort(), ['created', 'id', 'object', 'owned_by', 'served_by']);
  assert.equal(plain.sources, undefined);
  // Spaces and empty items are tolerated, as a hand-typed URL has them.
  const spaced = byId(await list('&include=%20modalities%20,,'));
  assert.ok('modalities' in spaced['openai/gpt-4o-2024-08-06']);
});

test('an unknown include key is a 400 that lists the valid ones, before any provider is asked', async () => {
  const before = openai.requests.length;
  const res = await request(gw.url, { path: '/v1/models?include=context_window,price' });
  const e = assertErrorShape(res, 400);
  assert.match(e.message, /unknown include 'price'/);
  assert.match(e.message, /context_window, pricing, modalities/);
  assert.equal(openai.requests.length, before);
});
