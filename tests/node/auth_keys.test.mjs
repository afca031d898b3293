// Gateway-issued API keys (issue #12), black box: the real gateway binary with AUTH_ENABLED=true, a
// static admin key (AUTH_ADMIN_KEY) and a real SQLite file (DATABASE_URL=sqlite://...), the official
// `openai` and `@anthropic-ai/sdk` clients, fake OpenAI and Anthropic providers that record what
// they receive.
//
// Covers the admin API (/admin/keys: create, list, get, patch, rotate, delete, errors), using keys
// in the three accepted headers, per-key model allowlists, expiry, hashing at rest, keys kept out
// of logs and away from providers, persistence across a restart, and the start-up check that auth
// needs AUTH_OIDC_ISSUER or AUTH_ADMIN_KEY.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, runGateway } from './helpers/gateway.mjs';
import { request, assertErrorShape, eventually } from './helpers/http.mjs';
import { startFakeOpenAI, closedPort, CONTENT } from './fakes/openai_upstream.mjs';
import * as ant from './fakes/anthropic_upstream.mjs';

const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;
const OPENAI_KEY = 'sk-provider-secret';
const ANTHROPIC_KEY = 'sk-ant-provider-secret';
const CLAUDE = 'anthropic/claude-3-haiku-20240307';
const messages = [{ role: 'user', content: 'Hello?' }];
const KEY_RE = /^sk-igw-[A-Za-z0-9_-]{32,}$/;

let tmp, dbUrl, upOai, upAnt, gw, env;
const oldLogs = []; // logs of gateways already stopped
const secrets = new Set(); // every gateway key ever issued, and the admin key

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-auth-keys-'));
  dbUrl = `sqlite://${tmp}/gateway.db`;
  upOai = await startFakeOpenAI({ models: ['gpt-4o', 'gpt-4o-mini'] });
  upAnt = await ant.startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  env = {
    AUTH_ENABLED: 'true',
    AUTH_ADMIN_KEY: ADMIN_KEY,
    DATABASE_URL: dbUrl,
    OPENAI_API_URL: upOai.url, OPENAI_API_KEY: OPENAI_KEY,
    ANTHROPIC_API_URL: upAnt.url, ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
    LOG_LEVEL: 'debug',
  };
  secrets.add(ADMIN_KEY);
  gw = await startGateway(env);
});

after(async () => {
  await gw?.kill();
  await upOai?.close();
  await upAnt?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const admin = (method, p, body, cred = ADMIN_KEY) => request(gw.url, {
  method, path: p, body, headers: cred ? { authorization: `Bearer ${cred}` } : {},
});

async function createKey(fields = {}) {
  const res = await admin('POST', '/admin/keys', { name: 'test', ...fields });
  assert.equal(res.status, 201, res.text);
  assert.match(res.json.key, KEY_RE);
  secrets.add(res.json.key);
  return res.json;
}

const chatWith = (key, model = 'openai/gpt-4o', headerName = 'authorization') => request(gw.url, {
  method: 'POST', path: '/v1/chat/completions', body: { model, messages },
  headers: { [headerName]: headerName === 'authorization' ? `Bearer ${key}` : key },
});

const openai = (key) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, timeout: 30_000 });

function hasKeyField(v) {
  if (Array.isArray(v)) return v.some(hasKeyField);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k === 'key' || hasKeyField(x));
  return false;
}

function assert401(res, what) {
  assert.equal(res.status, 401, `${what}: expected 401, got ${res.status}: ${res.text}`);
  assert.match(res.headers['www-authenticate'] ?? '', /^Bearer\b/, `${what}: WWW-Authenticate`);
  const e = assertErrorShape(res, 401);
  for (const s of secrets) assert.ok(!res.text.includes(s), `${what}: the body repeats a key`);
  return e;
}

// -------------------------------------------------------------------------------------------------
// admin API

test('POST /admin/keys -> 201 with a sk-igw- key, an id and the fields echoed', async () => {
  const fields = { name: 'ci-runner', team: 'platform', models: ['openai/*'], expires_at: null, metadata: { owner: 'alice', cost_center: 42 } };
  const rec = await createKey(fields);
  assert.match(rec.id, /^key_/);
  assert.equal(rec.name, fields.name);
  assert.equal(rec.team, fields.team);
  assert.deepEqual(rec.models, fields.models);
  assert.equal(rec.expires_at, null);
  assert.deepEqual(rec.metadata, fields.metadata);
  assert.equal(rec.revoked, false);
  assert.equal(rec.last_used_at, null);
  assert.ok(rec.created_at !== undefined && rec.created_at !== null, 'created_at');
  assert.equal(typeof rec.prefix, 'string');
  assert.ok(rec.prefix.startsWith('sk-igw-') && rec.key.startsWith(rec.prefix) && rec.prefix.length < rec.key.length - 16,
    `prefix ${rec.prefix} is a short display prefix of the key`);
  const other = await createKey({ name: 'second' });
  assert.notEqual(other.id, rec.id);
  assert.notEqual(other.key, rec.key);
});

test('GET /admin/keys lists records without any "key" field; GET /admin/keys/{id} returns one; 404 for unknown ids', async () => {
  const rec = await createKey({ name: 'listed', team: 'search', metadata: { a: 'b' } });
  const list = await admin('GET', '/admin/keys');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.object, 'list');
  assert.ok(Array.isArray(list.json.data));
  const found = list.json.data.find((r) => r.id === rec.id);
  assert.ok(found, 'the new key is listed');
  assert.equal(found.name, 'listed');
  assert.equal(found.team, 'search');
  assert.equal(found.prefix, rec.prefix);
  assert.ok(!hasKeyField(list.json), 'no "key" field in the list');
  for (const s of secrets) assert.ok(!list.text.includes(s), 'the list contains a full key');

  const one = await admin('GET', `/admin/keys/${rec.id}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.id, rec.id);
  assert.equal(one.json.name, 'listed');
  assert.deepEqual(one.json.metadata, { a: 'b' });
  assert.equal(one.json.revoked, false);
  assert.ok(!hasKeyField(one.json));
  assert.ok(!one.text.includes(rec.key));

  for (const [method, p] of [['GET', '/admin/keys/key_doesnotexist'], ['PATCH', '/admin/keys/key_doesnotexist'], ['DELETE', '/admin/keys/key_doesnotexist'], ['POST', '/admin/keys/key_doesnotexist/rotate']]) {
    const res = await admin(method, p, method === 'PATCH' ? { name: 'x' } : undefined);
    assertErrorShape(res, 404);
  }
});

test('PATCH /admin/keys/{id} changes each field; GET shows the change', async () => {
  const rec = await createKey({ name: 'before', team: 't1', models: [], metadata: {} });
  const expires = Math.floor(Date.now() / 1000) + 86_400;
  const changes = [
    { name: 'after' },
    { team: 't2' },
    { models: ['openai/gpt-4o', 'anthropic/*'] },
    { expires_at: expires },
    { metadata: { env: 'prod', n: 1 } },
  ];
  for (const change of changes) {
    const res = await admin('PATCH', `/admin/keys/${rec.id}`, change);
    assert.equal(res.status, 200, `${JSON.stringify(change)}: ${res.text}`);
    const [[field, value]] = Object.entries(change);
    assert.deepEqual(res.json[field], value, `${field} in the PATCH response`);
    assert.ok(!hasKeyField(res.json));
  }
  const got = await admin('GET', `/admin/keys/${rec.id}`);
  assert.equal(got.json.name, 'after');
  assert.equal(got.json.team, 't2');
  assert.deepEqual(got.json.models, ['openai/gpt-4o', 'anthropic/*']);
  assert.equal(got.json.expires_at, expires);
  assert.deepEqual(got.json.metadata, { env: 'prod', n: 1 });
  const res = await chatWith(rec.key, 'openai/gpt-4o');
  assert.equal(res.status, 200, `the patched key still works: ${res.text}`);
});

test('bad JSON and wrong field types -> 400 naming the field', async () => {
  const raw = await request(gw.url, { method: 'POST', path: '/admin/keys', body: '{"name": "x",', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assertErrorShape(raw, 400);
  const notObject = await admin('POST', '/admin/keys', ['name']);
  assertErrorShape(notObject, 400);
  const cases = [
    ['models', { models: 'openai/*' }],
    ['models', { models: [1, 2] }],
    ['name', { name: 7 }],
    ['team', { team: ['a'] }],
    ['expires_at', { expires_at: 'tomorrow' }],
    ['metadata', { metadata: 'x' }],
  ];
  const before = (await admin('GET', '/admin/keys')).json.data.length;
  for (const [field, body] of cases) {
    const res = await admin('POST', '/admin/keys', { name: 'typed', ...body });
    const e = assertErrorShape(res, 400);
    assert.ok(e.message.includes(field), `POST ${JSON.stringify(body)}: message should name ${field}: ${e.message}`);
  }
  assert.equal((await admin('GET', '/admin/keys')).json.data.length, before, 'no key was created by a bad request');
  const rec = await createKey({ name: 'patch-target', models: ['openai/*'] });
  const bad = await admin('PATCH', `/admin/keys/${rec.id}`, { models: { 'openai/*': true } });
  const e = assertErrorShape(bad, 400);
  assert.ok(e.message.includes('models'), e.message);
  const unchanged = await admin('GET', `/admin/keys/${rec.id}`);
  assert.deepEqual(unchanged.json.models, ['openai/*']);
  const rawPatch = await request(gw.url, { method: 'PATCH', path: `/admin/keys/${rec.id}`, body: 'not json', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assertErrorShape(rawPatch, 400);
});

test('/admin/keys: 401 without a credential or with a wrong one, 403 for a gateway key', async () => {
  assert401(await admin('GET', '/admin/keys', undefined, null), 'no credential');
  assert401(await admin('GET', '/admin/keys', undefined, `${ADMIN_KEY}x`), 'wrong admin key');
  assert401(await admin('POST', '/admin/keys', { name: 'x' }, null), 'no credential, POST');
  const rec = await createKey({ name: 'not-admin' });
  for (const [method, p, body] of [['GET', '/admin/keys'], ['POST', '/admin/keys', { name: 'escalate' }], ['GET', `/admin/keys/${rec.id}`], ['DELETE', `/admin/keys/${rec.id}`], ['POST', `/admin/keys/${rec.id}/rotate`]]) {
    const res = await admin(method, p, body, rec.key);
    assertErrorShape(res, 403);
  }
  const still = await chatWith(rec.key);
  assert.equal(still.status, 200, 'the 403 DELETE did not revoke the key');
});

test('rotate: a new key that works; the old key gets 401 at once', async () => {
  const rec = await createKey({ name: 'rotating', team: 'r' });
  assert.equal((await chatWith(rec.key)).status, 200);
  const res = await admin('POST', `/admin/keys/${rec.id}/rotate`);
  assert.equal(res.status, 200, res.text);
  assert.match(res.json.key, KEY_RE);
  secrets.add(res.json.key);
  assert.notEqual(res.json.key, rec.key);
  assert.equal(res.json.id, rec.id);
  assert.equal(res.json.name, 'rotating');
  const r = await openai(res.json.key).chat.completions.create({ model: 'openai/gpt-4o', messages });
  assert.equal(r.choices[0].message.content, CONTENT);
  assert401(await chatWith(rec.key), 'old key after rotate');
});

test('delete revokes: the key gets 401; DELETE again is idempotent', async () => {
  const rec = await createKey({ name: 'doomed' });
  assert.equal((await chatWith(rec.key)).status, 200);
  const del = await admin('DELETE', `/admin/keys/${rec.id}`);
  assert.equal(del.status, 200, del.text);
  assert.equal(del.json.id, rec.id);
  assert.equal(del.json.revoked, true);
  assert.ok(!hasKeyField(del.json));
  const before = upOai.requests.length;
  assert401(await chatWith(rec.key), 'revoked key');
  assert.equal(upOai.requests.length, before, 'a revoked key reaches no provider');
  await assert.rejects(openai(rec.key).chat.completions.create({ model: 'openai/gpt-4o', messages }), OpenAI.AuthenticationError);
  const again = await admin('DELETE', `/admin/keys/${rec.id}`);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.revoked, true);
  const got = await admin('GET', `/admin/keys/${rec.id}`);
  assert.equal(got.json.revoked, true);
});

// -------------------------------------------------------------------------------------------------
// using a key

test('the openai SDK with a gateway key: chat completion and streaming; the provider sees only its own key', async () => {
  const { key } = await createKey({ name: 'sdk' });
  const client = openai(key);
  const r = await client.chat.completions.create({ model: 'openai/gpt-4o', messages });
  assert.equal(r.choices[0].message.content, CONTENT);
  assert.equal(upOai.requests.at(-1).headers.authorization, `Bearer ${OPENAI_KEY}`);
  const stream = await client.chat.completions.create({ model: 'openai/gpt-4o', messages, stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  assert.equal(text, CONTENT);
  const list = await client.models.list();
  assert.ok(list.data.some((m) => m.id === 'openai/gpt-4o'));
});

test('@anthropic-ai/sdk with a gateway key (x-api-key) on /v1/messages to an Anthropic model', async () => {
  const { key } = await createKey({ name: 'claude-code' });
  const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0, timeout: 30_000 });
  const msg = await client.messages.create({ model: CLAUDE, max_tokens: 64, messages });
  assert.equal(msg.type, 'message');
  assert.equal(msg.content[0].text, ant.TEXT);
  const rec = upAnt.requests.at(-1);
  assert.equal(rec.headers['x-api-key'], ANTHROPIC_KEY);
  assert.ok(!JSON.stringify(rec.headers).includes(key), 'the gateway key reached Anthropic');
  // Streaming too.
  const stream = client.messages.stream({ model: CLAUDE, max_tokens: 64, messages });
  const final = await stream.finalMessage();
  assert.equal(final.content[0].text, ant.TEXT);
});

test('x-goog-api-key and x-api-key headers are accepted on /v1/chat/completions', async () => {
  const { key } = await createKey({ name: 'headers' });
  for (const h of ['x-goog-api-key', 'x-api-key']) {
    const res = await chatWith(key, 'openai/gpt-4o', h);
    assert.equal(res.status, 200, `${h}: ${res.text}`);
    assert.equal(res.json.choices[0].message.content, CONTENT);
    assert.equal(upOai.requests.at(-1).headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.equal(upOai.requests.at(-1).headers[h], undefined, `${h} forwarded to the provider`);
  }
  assert401(await chatWith('sk-igw-' + 'A'.repeat(43), 'openai/gpt-4o', 'x-goog-api-key'), 'unknown key in x-goog-api-key');
});

test('allowed models: ["openai/*"] allows openai models only; 403 model_not_allowed_for_key otherwise', async () => {
  const { key } = await createKey({ name: 'openai-only', models: ['openai/*'] });
  for (const model of ['openai/gpt-4o', 'openai/gpt-4o-mini']) {
    const res = await chatWith(key, model);
    assert.equal(res.status, 200, `${model}: ${res.text}`);
  }
  const beforeAnt = upAnt.requests.length;
  const res = await chatWith(key, CLAUDE);
  const e = assertErrorShape(res, 403);
  assert.equal(e.code, 'model_not_allowed_for_key', res.text);
  const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0, timeout: 30_000 });
  await assert.rejects(client.messages.create({ model: CLAUDE, max_tokens: 16, messages }), (err) => {
    assert.ok(err instanceof Anthropic.PermissionDeniedError, `got ${err?.constructor?.name}: ${err?.message}`);
    return true;
  });
  assert.equal(upAnt.requests.length, beforeAnt, 'Anthropic saw no request');
});

test('allowed models: an exact pattern ["openai/gpt-4o-mini"]; a PATCH of models takes effect', async () => {
  const rec = await createKey({ name: 'mini-only', models: ['openai/gpt-4o-mini'] });
  const ok = await openai(rec.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages });
  assert.equal(ok.choices[0].message.content, CONTENT);
  const before = upOai.requests.length;
  await assert.rejects(openai(rec.key).chat.completions.create({ model: 'openai/gpt-4o', messages }), (err) => {
    assert.ok(err instanceof OpenAI.PermissionDeniedError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.code, 'model_not_allowed_for_key');
    return true;
  });
  assert.equal(upOai.requests.length, before, 'the provider saw no request');
  const patched = await admin('PATCH', `/admin/keys/${rec.id}`, { models: ['*'] });
  assert.equal(patched.status, 200, patched.text);
  // Other replicas apply it within AUTH_KEY_REFRESH_INTERVAL (2 s); this one may be as quick.
  await eventually(async () => (await chatWith(rec.key, 'openai/gpt-4o')).status === 200, { timeoutMs: 5_000, what: 'the widened allowlist' });
});

test('expires_at in the past -> 401; in the future -> works; patched into the past -> 401', async () => {
  const t = Math.floor(Date.now() / 1000);
  const past = await createKey({ name: 'expired', expires_at: t - 3600 });
  assert.equal(past.expires_at, t - 3600);
  assert401(await chatWith(past.key), 'expired key');
  const future = await createKey({ name: 'future', expires_at: t + 3600 });
  assert.equal((await chatWith(future.key)).status, 200);
  const res = await admin('PATCH', `/admin/keys/${future.id}`, { expires_at: t - 60 });
  assert.equal(res.status, 200, res.text);
  await eventually(async () => (await chatWith(future.key)).status === 401, { timeoutMs: 5_000, what: 'the key to expire after PATCH' });
});

test('keys are stored hashed: the SQLite files hold the key record but not the key', async () => {
  const rec = await createKey({ name: 'hashed-at-rest', team: 'storage-check-team' });
  assert.equal((await chatWith(rec.key)).status, 200);
  const files = fs.readdirSync(tmp).filter((f) => f.startsWith('gateway.db'));
  assert.ok(files.includes('gateway.db'), `database file: ${files}`);
  const bytes = Buffer.concat(files.map((f) => fs.readFileSync(path.join(tmp, f))));
  assert.ok(bytes.includes(rec.id), 'the record was written to the file we read');
  assert.ok(bytes.includes('storage-check-team'));
  for (const s of secrets) {
    if (!s.startsWith('sk-igw-')) continue;
    assert.ok(!bytes.includes(s), 'a full key is stored in the database');
    assert.ok(!bytes.includes(s.slice(12)), 'the secret part of a key is stored in the database');
  }
});

// -------------------------------------------------------------------------------------------------
// persistence and logs (the gateway is restarted here)

test('restart on the same DATABASE_URL: keys still work, revoked ones stay revoked', async () => {
  const live = await createKey({ name: 'survivor', models: ['openai/*'] });
  const dead = await createKey({ name: 'revoked-before-restart' });
  assert.equal((await admin('DELETE', `/admin/keys/${dead.id}`)).status, 200);
  await gw.stop();
  oldLogs.push(gw.logs());
  gw = await startGateway(env);
  const r = await openai(live.key).chat.completions.create({ model: 'openai/gpt-4o', messages });
  assert.equal(r.choices[0].message.content, CONTENT);
  assert.equal((await chatWith(live.key, CLAUDE)).status, 403, 'the allowlist survived the restart');
  assert401(await chatWith(dead.key), 'revoked key after restart');
  const got = await admin('GET', `/admin/keys/${live.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.json.name, 'survivor');
});

test('no key reached a provider; no key or admin key appears in any gateway log (LOG_LEVEL=debug)', async () => {
  assert.ok(upOai.requests.length > 0 && upAnt.requests.length > 0);
  for (const rec of [...upOai.requests, ...upAnt.requests]) {
    const seen = JSON.stringify(rec.headers) + (rec.rawBody ?? '');
    for (const s of secrets) assert.ok(!seen.includes(s), `a gateway key reached a provider (${rec.path})`);
  }
  for (const rec of upOai.requests) assert.equal(rec.headers.authorization, `Bearer ${OPENAI_KEY}`);
  for (const rec of upAnt.requests) assert.equal(rec.headers['x-api-key'], ANTHROPIC_KEY);
  assert.ok(secrets.size > 10);
  for (const logs of [...oldLogs, gw.logs()]) {
    assert.ok(logs.length > 0);
    for (const s of secrets) {
      assert.ok(!logs.includes(s), 'a key appears in the gateway log');
      if (s.startsWith('sk-igw-')) assert.ok(!logs.includes(s.slice(12)), 'the secret part of a key appears in the gateway log');
    }
  }
});

// -------------------------------------------------------------------------------------------------
// start-up configuration

test('AUTH_ENABLED=true without AUTH_OIDC_ISSUER or AUTH_ADMIN_KEY: exit non-zero, stderr names both', async () => {
  for (const flag of ['AUTH_ENABLED', 'AUTH_ENABLE']) {
    const r = await runGateway([], { [flag]: 'true', DATABASE_URL: `sqlite://${tmp}/unused.db`, OPENAI_API_KEY: OPENAI_KEY });
    assert.equal(r.listened, false, `${flag}: the gateway started listening:\n${r.logs}`);
    assert.ok(r.code !== 0 && r.code !== null, `${flag}: exit code ${r.code} signal ${r.signal}`);
    assert.match(r.stderr, /AUTH_OIDC_ISSUER/, `${flag}: stderr: ${r.stderr}`);
    assert.match(r.stderr, /AUTH_ADMIN_KEY/, `${flag}: stderr: ${r.stderr}`);
  }
  const r = await runGateway([], { AUTH_ENABLED: 'true', AUTH_OIDC_ISSUER: 'http://127.0.0.1:9', DATABASE_URL: `sqlite://${tmp}/unused.db` });
  assert.equal(r.listened, false, r.logs);
  assert.ok(r.code !== 0 && r.code !== null, `exit code ${r.code}`);
  assert.match(r.stderr, /AUTH_OIDC_CLIENT_ID/, r.stderr);
});

test('team metrics: requests and tokens of authenticated callers by team, the caller in the access log', async () => {
  const { scrapeMetrics } = await import('./helpers/prom.mjs');
  const mdir = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-auth-team-'));
  const g = await startGateway({
    ...env, DATABASE_URL: `sqlite://${mdir}/gateway.db`, LOG_LEVEL: 'info', ENVIRONMENT: 'production',
    TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
  });
  try {
    const create = await request(g.url, {
      method: 'POST', path: '/admin/keys', body: { name: 'svc', team: 'payments' },
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(create.status, 201, create.text);
    secrets.add(create.json.key);
    for (let i = 0; i < 3; i++) {
      const res = await request(g.url, {
        method: 'POST', path: '/v1/chat/completions', body: { model: 'openai/gpt-4o', messages },
        headers: { authorization: `Bearer ${create.json.key}` },
      });
      assert.equal(res.status, 200, res.text);
    }
    // Recorded when each request completes, just after its answer: poll until all three are in.
    const m = await eventually(async () => {
      const s = await scrapeMetrics(g.metricsUrl);
      return s.get('llm_team_requests_total', { team: 'payments' }) === 3 ? s : null;
    }, { what: 'llm_team_requests_total{team="payments"} == 3' });
    // The fake answers with usage; the team's tokens are the sum of input and output.
    const tokens = m.get('llm_team_tokens_total', { team: 'payments' });
    assert.ok(tokens > 0, `team tokens: ${tokens}`);
    assert.equal(m.sum('llm_usage_prompt_tokens_total') + m.sum('llm_usage_completion_tokens_total'), tokens);
    // The admin key has no team: no series for it.
    assert.equal(m.find('llm_team_requests_total').length, 1);
    // The access-log line is written right after the metrics, when each request completes.
    const chatLines = () => g.logs().split('\n')
      .filter((l) => l.includes('"msg":"request"') && l.includes('"path":"/v1/chat/completions"'));
    const lines = await eventually(() => (chatLines().length >= 3 ? chatLines() : null),
      { what: 'three access-log lines for /v1/chat/completions' });
    for (const l of lines) {
      const rec = JSON.parse(l);
      assert.equal(rec.caller, create.json.id);
      assert.equal(rec.team, 'payments');
    }
    assert.ok(!g.logs().includes(create.json.key));
  } finally {
    await g.kill();
    fs.rmSync(mdir, { recursive: true, force: true });
  }
});
