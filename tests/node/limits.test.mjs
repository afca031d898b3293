// Limits and budgets (issue #13) with the embedded default: one gateway, counters in the
// process, keys, teams and the spend log in its SQLite file. The shared scenarios
// (helpers/limits_suite.mjs) run here as they do against two replicas on Redis and PostgreSQL
// (limits_replicas.test.mjs); this file adds the admin API, the spend log and /v1/key, the
// metrics, the official SDK's view of a refusal, and budgets surviving a restart.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { request, eventually } from './helpers/http.mjs';
import { scrapeMetrics } from './helpers/prom.mjs';
import { startFakeOpenAI, closedPort } from './fakes/openai_upstream.mjs';
import { loadSpec } from './helpers/openapi.mjs';
import { limitsScenarios, TEST_PRICES, REQUEST_COST_USD, chatAs, createKey } from './helpers/limits_suite.mjs';

const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;
let tmp, up, gw, env;

const admin = (method, p, body) => request(gw.url, {
  method, path: p, body, headers: { authorization: `Bearer ${ADMIN_KEY}` },
});

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-limits-'));
  fs.writeFileSync(path.join(tmp, 'prices.json'), JSON.stringify(TEST_PRICES));
  up = await startFakeOpenAI({ models: ['gpt-4o'] });
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  env = {
    AUTH_ENABLED: 'true', AUTH_ADMIN_KEY: ADMIN_KEY,
    DATABASE_URL: `sqlite://${tmp}/gateway.db`,
    MODEL_PRICES_PATH: path.join(tmp, 'prices.json'),
    SPEND_LOG_FLUSH_INTERVAL: '100ms',
    TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-provider',
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
  };
  gw = await startGateway(env);
});

after(async () => {
  await gw?.kill();
  await up?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

limitsScenarios(() => ({ urls: [gw.url], admin, upstream: up }));

test('admin API: teams are created, listed, patched and deleted; bad limits get a 400 that says what to fix', async () => {
  const created = await admin('POST', '/admin/teams', { id: 'ml-platform', name: 'ML', tpm: 1000, budget: { usd: 50, period: 'month' } });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json.limits, { tpm: 1000, budget: { usd: 50, period: 'month' } });
  const dup = await admin('POST', '/admin/teams', { id: 'ml-platform' });
  assert.equal(dup.status, 400);
  assert.match(dup.json.error.message, /already exists/);
  const patched = await admin('PATCH', '/admin/teams/ml-platform', { rpm: 10, tpm: null });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.json.limits, { rpm: 10, budget: { usd: 50, period: 'month' } });
  const list = await admin('GET', '/admin/teams');
  assert.ok(list.json.data.some((t) => t.id === 'ml-platform' && t.name === 'ML'));
  for (const [body, re] of [
    [{ id: 'x1', rpm: 0 }, /"rpm" must be a positive integer/],
    [{ id: 'x2', budget: { usd: -1 } }, /"budget" must be/],
    [{ id: 'x3', budget: { usd: 5, period: 'year' } }, /"day" \| "week" \| "month"/],
    [{ id: 'bad id!' }, /team "id" must be/],
    [{ id: 'x4', rps: 3 }, /unknown field 'rps'/],
  ]) {
    const r = await admin('POST', '/admin/teams', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.json.error.message, re);
  }
  const key = await admin('POST', '/admin/keys', { name: 'k', max_parallel: 'lots' });
  assert.equal(key.status, 400);
  assert.match(key.json.error.message, /"max_parallel" must be a positive integer/);
  const k = await createKey({ admin }, { rpm: 5, budget: { usd: 1, period: 'week' } });
  assert.deepEqual(k.limits, { rpm: 5, budget: { usd: 1, period: 'week' } });
  const kp = await admin('PATCH', `/admin/keys/${k.id}`, { budget: null, tpm: 300 });
  assert.deepEqual(kp.json.limits, { rpm: 5, tpm: 300 });
  const del = await admin('DELETE', '/admin/teams/ml-platform');
  assert.equal(del.status, 200);
  assert.equal((await admin('GET', '/admin/teams/ml-platform')).status, 404);
});

test('tpm: a request whose reservation (prompt estimate + max_tokens) does not fit is refused with the token headers', async () => {
  const key = await createKey({ admin }, { tpm: 400 });
  const first = await chatAs(gw.url, key.key, { max_tokens: 300 });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.headers['x-ratelimit-limit-tokens'], '400');
  // Settled at the real 17 tokens: a second request reserving ~330 still fits (17 + ~330)...
  const second = await chatAs(gw.url, key.key, { max_tokens: 300 });
  assert.equal(second.status, 200, second.text);
  // ...one reserving ~420 does not (the window holds 34 real tokens).
  const big = await chatAs(gw.url, key.key, { max_tokens: 390 });
  assert.equal(big.status, 429, big.text);
  assert.match(big.json.error.message, /allows 400 tokens per minute/);
  assert.equal(big.headers['x-ratelimit-limit-tokens'], '400');
  assert.ok(Number(big.headers['x-ratelimit-remaining-tokens']) <= 400 - 34);
});

test('the official openai SDK sees a 429 as RateLimitError and a spent budget as a 402 with the budget in the message', async () => {
  const key = await createKey({ admin }, { rpm: 1, budget: { usd: 0.05, period: 'month' } });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key.key, maxRetries: 0 });
  const ok = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
  assert.equal(ok.usage.total_tokens, 17);
  await assert.rejects(client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    (e) => e instanceof OpenAI.RateLimitError && e.status === 429 && /requests per minute/.test(e.message));
  const key2 = await createKey({ admin }, { budget: { usd: 0.05, period: 'month' } });
  const c2 = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key2.key, maxRetries: 0 });
  await c2.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
  await assert.rejects(c2.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    (e) => e.status === 402 && /budget of \$0\.0500 per month/.test(e.message) && e.code === 'budget_exceeded');
});

test('spend log: /admin/spend totals and groups, /v1/key shows the caller its own spend; metrics count spend and refusals', async () => {
  const t = await admin('POST', '/admin/teams', { id: 'spenders', rpm: 1000 });
  assert.equal(t.status, 201, t.text);
  const key = await createKey({ admin }, { team: 'spenders' });
  for (let i = 0; i < 3; i++) assert.equal((await chatAs(gw.url, key.key)).status, 200);
  const spend = await eventually(async () => {
    const r = await admin('GET', `/admin/spend?key=${key.id}`);
    return r.json?.total?.requests === 3 ? r : null;
  }, { what: 'three requests in the spend log' });
  assert.ok(Math.abs(spend.json.total.usd - 3 * REQUEST_COST_USD) < 1e-9, JSON.stringify(spend.json));
  assert.deepEqual(spend.json.total.tokens, { input: 33, output: 18, cached_input: 0, reasoning: 0, total: 51 });
  const byModel = await admin('GET', '/admin/spend?team=spenders&group_by=model');
  assert.deepEqual(byModel.json.groups.map((g) => [g.group, g.requests]), [['openai/gpt-4o', 3]]);
  const byDay = await admin('GET', `/admin/spend?key=${key.id}&group_by=day&from=2020-01-01`);
  assert.equal(byDay.json.groups[0].group, new Date().toISOString().slice(0, 10));
  const bad = await admin('GET', '/admin/spend?group_by=colour');
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /group_by must be key, team, model or day/);
  const info = await request(gw.url, { path: '/v1/key', headers: { authorization: `Bearer ${key.key}` } });
  assert.equal(info.status, 200, info.text);
  assert.equal(info.json.id, key.id);
  assert.equal(info.json.team, 'spenders');
  assert.equal(info.json.team_limits.rpm, 1000);
  assert.equal(info.json.spend_this_month.requests, 3);
  const m = await scrapeMetrics(gw.metricsUrl);
  assert.ok(Math.abs(m.get('llm_spend_usd_total', { team: 'spenders', provider: 'openai', model: 'gpt-4o' }) - 3 * REQUEST_COST_USD) < 1e-9);
  assert.ok(m.sum('llm_limit_rejections_total', { limit: 'requests' }) >= 70, 'the rpm scenario\'s refusals are counted');
});

test('a budget keeps its spend across a restart (the spend log is flushed on shutdown and read back)', async () => {
  const key = await createKey({ admin }, { budget: { usd: 0.07, period: 'day' } });
  assert.equal((await chatAs(gw.url, key.key)).status, 200);
  assert.equal((await chatAs(gw.url, key.key)).status, 200); // $0.046 spent; the next reserves ~$0.042
  const { code } = await gw.stop();
  assert.equal(code, 0);
  gw = await startGateway(env);
  const after = await chatAs(gw.url, key.key);
  assert.equal(after.status, 402, after.text);
  const info = await request(gw.url, { path: '/v1/key', headers: { authorization: `Bearer ${key.key}` } });
  assert.ok(Math.abs(info.json.limits.budget.spent_usd - 2 * REQUEST_COST_USD) < 1e-9, JSON.stringify(info.json.limits));
});

test('the limits endpoints answer as openapi.yaml describes them (teams, keys with limits, spend, /v1/key, 402, 429)', async () => {
  const spec = loadSpec();
  const check = (method, p, res) => spec.assertResponse(method, p, res);
  const t = await admin('POST', '/admin/teams', { id: 'spec-team', rpm: 5, budget: { usd: 1 } });
  check('POST', '/admin/teams', t);
  check('GET', '/admin/teams', await admin('GET', '/admin/teams'));
  check('PATCH', '/admin/teams/spec-team', await admin('PATCH', '/admin/teams/spec-team', { tpm: 1000 }));
  check('GET', '/admin/teams/nope', await admin('GET', '/admin/teams/nope'));
  check('POST', '/admin/teams', await admin('POST', '/admin/teams', { id: 'spec-team' }));
  const k = await admin('POST', '/admin/keys', { name: 'spec', team: 'spec-team', rpm: 1, budget: { usd: 0.01, period: 'day' } });
  check('POST', '/admin/keys', k);
  check('GET', '/admin/keys', await admin('GET', '/admin/keys'));
  const refused402 = await chatAs(gw.url, k.json.key);
  assert.equal(refused402.status, 402);
  check('POST', '/v1/chat/completions', refused402);
  const k2 = await admin('POST', '/admin/keys', { name: 'spec2', rpm: 1 });
  await chatAs(gw.url, k2.json.key);
  const refused429 = await chatAs(gw.url, k2.json.key);
  assert.equal(refused429.status, 429);
  check('POST', '/v1/chat/completions', refused429);
  check('GET', '/v1/key', await request(gw.url, { path: '/v1/key', headers: { authorization: `Bearer ${k.json.key}` } }));
  check('GET', '/admin/spend?group_by=team', await admin('GET', '/admin/spend?group_by=team'));
  check('GET', '/admin/spend', await admin('GET', '/admin/spend'));
  check('DELETE', '/admin/teams/spec-team', await admin('DELETE', '/admin/teams/spec-team'));
});

test('a stream cut half way by the provider is charged for what was streamed', async () => {
  const key = await createKey({ admin }, { budget: { usd: 10, period: 'day' } });
  const res = await chatAs(gw.url, key.key, { model: 'openai/reset-mid-stream', stream: true });
  assert.equal(res.status, 200);
  assert.match(res.text, /data: /, 'some chunks reached the client before the reset');
  const spend = await eventually(async () => {
    const r = await admin('GET', `/admin/spend?key=${key.id}`);
    return r.json?.total?.requests === 1 ? r : null;
  }, { what: 'the cut stream in the spend log' });
  assert.ok(spend.json.total.tokens.output > 0, JSON.stringify(spend.json.total));
  assert.ok(spend.json.total.usd > 0);
  const info = await request(gw.url, { path: '/v1/key', headers: { authorization: `Bearer ${key.key}` } });
  assert.ok(Math.abs(info.json.limits.budget.spent_usd - spend.json.total.usd) < 1e-9, 'the budget was charged the same');
  assert.equal(info.json.limits.budget.reserved_usd, 0);
});
