// Gateway keys across replicas (issue #12), black box: one real PostgreSQL server
// (helpers/postgres.mjs, Debian's postgresql-15 in a temp dir) shared by two gateway processes with
// the same DATABASE_URL and AUTH_ADMIN_KEY. A key created, revoked or rotated on replica A must
// take effect on replica B within AUTH_KEY_REFRESH_INTERVAL (500ms here) — polled with a deadline.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { request, assertErrorShape } from './helpers/http.mjs';
import { startFakeOpenAI, closedPort, CONTENT } from './fakes/openai_upstream.mjs';
import { startPostgres } from './helpers/postgres.mjs';

const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;
const OPENAI_KEY = 'sk-provider-secret';
const messages = [{ role: 'user', content: 'Hello?' }];

let pg, up, a, b;
const secrets = new Set([ADMIN_KEY]);

before(async () => {
  [pg, up] = await Promise.all([startPostgres(), startFakeOpenAI({ models: ['gpt-4o', 'gpt-4o-mini'] })]);
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  const env = {
    AUTH_ENABLED: 'true',
    AUTH_ADMIN_KEY: ADMIN_KEY,
    DATABASE_URL: pg.url,
    AUTH_KEY_REFRESH_INTERVAL: '500ms',
    OPENAI_API_URL: up.url, OPENAI_API_KEY: OPENAI_KEY,
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
    LOG_LEVEL: 'debug',
  };
  // One after the other: both may migrate the schema at start; the second must cope with the first.
  a = await startGateway(env);
  b = await startGateway(env);
});

after(async () => {
  await a?.kill();
  await b?.kill();
  await up?.close();
  await pg?.stop();
});

const admin = (g, method, p, body) => request(g.url, { method, path: p, body, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
const chat = (g, key, model = 'openai/gpt-4o') => request(g.url, {
  method: 'POST', path: '/v1/chat/completions', body: { model, messages }, headers: { authorization: `Bearer ${key}` },
});

// Polls until pred(status) holds; returns the elapsed milliseconds. Fails at the deadline.
async function pollStatus(g, key, pred, { deadlineMs = 10_000, what, model } = {}) {
  const start = Date.now();
  let last;
  while (Date.now() - start < deadlineMs) {
    last = await chat(g, key, model);
    if (pred(last.status)) return { elapsed: Date.now() - start, res: last };
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what}: not within ${deadlineMs} ms (last: ${last?.status} ${last?.text})`);
}

async function create(g, fields = {}) {
  const res = await admin(g, 'POST', '/admin/keys', { name: 'replica-test', ...fields });
  assert.equal(res.status, 201, res.text);
  secrets.add(res.json.key);
  return res.json;
}

test('a key created on replica A is accepted by replica B (within 10 s)', async () => {
  const rec = await create(a);
  assert.equal((await chat(a, rec.key)).status, 200, 'the replica that created it accepts it at once');
  const { res } = await pollStatus(b, rec.key, (s) => s === 200, { what: 'replica B accepting the new key' });
  assert.equal(res.json.choices[0].message.content, CONTENT);
  const viaSdk = await new OpenAI({ baseURL: `${b.url}/v1`, apiKey: rec.key, maxRetries: 0 }).chat.completions.create({ model: 'openai/gpt-4o', messages });
  assert.equal(viaSdk.choices[0].message.content, CONTENT);
  const got = await admin(b, 'GET', `/admin/keys/${rec.id}`);
  assert.equal(got.status, 200, got.text);
  assert.equal(got.json.name, 'replica-test');
});

test('revoked on replica A: replica B refuses it (401) in under 5 s', async () => {
  const rec = await create(a);
  await pollStatus(b, rec.key, (s) => s === 200, { what: 'replica B accepting the key' });
  const del = await admin(a, 'DELETE', `/admin/keys/${rec.id}`);
  assert.equal(del.status, 200, del.text);
  assert.equal(del.json.revoked, true);
  assert.equal((await chat(a, rec.key)).status, 401, 'the replica that revoked it refuses it at once');
  const { elapsed, res } = await pollStatus(b, rec.key, (s) => s !== 200, { what: 'replica B refusing the revoked key' });
  assert.equal(res.status, 401, res.text);
  assertErrorShape(res, 401);
  assert.ok(elapsed < 5_000, `revocation took ${elapsed} ms to reach replica B`);
});

test('rotated on replica B: the old key stops working on A, the new one works on A', async () => {
  const rec = await create(a);
  await pollStatus(b, rec.key, (s) => s === 200, { what: 'replica B accepting the key' });
  const rot = await admin(b, 'POST', `/admin/keys/${rec.id}/rotate`);
  assert.equal(rot.status, 200, rot.text);
  secrets.add(rot.json.key);
  assert.equal((await chat(b, rec.key)).status, 401, 'old key refused at once on the rotating replica');
  const { elapsed } = await pollStatus(a, rec.key, (s) => s === 401, { what: 'replica A refusing the old key' });
  assert.ok(elapsed < 5_000, `rotation took ${elapsed} ms to reach replica A`);
  await pollStatus(a, rot.json.key, (s) => s === 200, { what: 'replica A accepting the new key' });
});

test('a models change on A applies on B', async () => {
  const rec = await create(a, { models: ['openai/gpt-4o'] });
  await pollStatus(b, rec.key, (s) => s === 200, { what: 'replica B accepting the key' });
  assert.equal((await chat(b, rec.key, 'openai/gpt-4o-mini')).status, 403);
  const res = await admin(a, 'PATCH', `/admin/keys/${rec.id}`, { models: ['openai/gpt-4o-mini'] });
  assert.equal(res.status, 200, res.text);
  await pollStatus(b, rec.key, (s) => s === 200, { what: 'replica B allowing gpt-4o-mini', model: 'openai/gpt-4o-mini' });
  assert.equal((await chat(b, rec.key, 'openai/gpt-4o')).status, 403);
});

test('no key appears in either replica\'s log or reaches the provider', async () => {
  for (const rec of up.requests) {
    assert.equal(rec.headers.authorization, `Bearer ${OPENAI_KEY}`);
    for (const s of secrets) assert.ok(!JSON.stringify(rec.headers).includes(s));
  }
  for (const g of [a, b]) for (const s of secrets) assert.ok(!g.logs().includes(s), 'a key in a gateway log');
});
