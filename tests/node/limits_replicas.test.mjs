// Limits and budgets across replicas (issue #13): two gateway processes sharing a real Redis
// (Debian's redis-server) for the counters and a real PostgreSQL (initdb into a temporary
// directory) for keys, teams and the spend log. The shared scenarios (helpers/limits_suite.mjs)
// alternate their requests between the two replicas; this file adds a replica killed with
// SIGKILL mid-load, and Redis going away under fail-closed and fail-open gateways.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway } from './helpers/gateway.mjs';
import { request, eventually } from './helpers/http.mjs';
import { startPostgres } from './helpers/postgres.mjs';
import { startRedis } from './helpers/redis.mjs';
import { startFakeOpenAI, closedPort } from './fakes/openai_upstream.mjs';
import { limitsScenarios, TEST_PRICES, REQUEST_COST_USD, chatAs, createKey } from './helpers/limits_suite.mjs';

const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;
let tmp, up, pg, redis, env, gws = [];

const admin = (method, p, body, url = gws[0].url) => request(url, {
  method, path: p, body, headers: { authorization: `Bearer ${ADMIN_KEY}` },
});

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-limits-rep-'));
  fs.writeFileSync(path.join(tmp, 'prices.json'), JSON.stringify(TEST_PRICES));
  [up, pg, redis] = await Promise.all([startFakeOpenAI({ models: ['gpt-4o'] }), startPostgres(), startRedis()]);
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  env = {
    AUTH_ENABLED: 'true', AUTH_ADMIN_KEY: ADMIN_KEY,
    DATABASE_URL: pg.url, REDIS_URL: redis.url,
    MODEL_PRICES_PATH: path.join(tmp, 'prices.json'),
    SPEND_LOG_FLUSH_INTERVAL: '100ms', AUTH_KEY_REFRESH_INTERVAL: '100ms',
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-provider',
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
  };
  gws = await Promise.all([startGateway(env), startGateway(env)]);
});

after(async () => {
  for (const g of gws) await g?.kill();
  await up?.close();
  await redis?.stop();
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// A key made on replica 0 works on replica 1 once that one has reloaded its keys.
async function sharedKey(fields) {
  const key = await createKey({ admin }, fields);
  await eventually(async () => (await request(gws[1].url, { path: '/v1/key', headers: { authorization: `Bearer ${key.key}` } })).status === 200,
    { what: 'the key on the second replica' });
  return key;
}

limitsScenarios(() => ({
  urls: gws.map((g) => g.url),
  upstream: up,
  admin: async (method, p, body) => {
    const r = await admin(method, p, body);
    if (method === 'POST' && p === '/admin/keys' && r.status === 201) {
      await eventually(async () => (await request(gws[1].url, { path: '/v1/key', headers: { authorization: `Bearer ${r.json.key}` } })).status === 200,
        { what: 'the key on the second replica' });
    }
    if (method === 'POST' && p === '/admin/teams') {
      // Team limits reach the other replica with its next key reload.
      const probe = await createKey({ admin }, { team: body.id });
      await eventually(async () => {
        const i = await request(gws[1].url, { path: '/v1/key', headers: { authorization: `Bearer ${probe.key}` } });
        return i.status === 200 && i.json.team_limits?.rpm === body.rpm;
      }, { what: 'the team on the second replica' });
    }
    return r;
  },
}));

test('a replica killed with SIGKILL mid-load loses no spend of the requests it answered', async () => {
  const key = await sharedKey({ budget: { usd: 1000, period: 'month' } });
  let answered = 0;
  let failed = 0;
  const victim = gws[1];
  // Requests the provider holds on the victim: they are certainly in flight when it dies, however
  // fast the machine answers the rest of the load.
  const slowBefore = up.requests.filter((r) => r.body?.model === 'slow-headers').length;
  const held = Array.from({ length: 8 }, () => chatAs(victim.url, key.key, { model: 'openai/slow-headers' })
    .then((r) => { if (r.status === 200) answered++; else failed++; }, () => { failed++; }));
  const heldAtProvider = () => up.requests.filter((r) => r.body?.model === 'slow-headers').slice(slowBefore);
  let killed;
  const load = Array.from({ length: 160 }, async (_, i) => {
    const g = gws[i % 2];
    try {
      const r = await chatAs(g.url, key.key);
      if (r.status === 200) answered++;
      else failed++;
    } catch { failed++; }
    if (i === 60) {
      killed = eventually(() => heldAtProvider().length === 8, { what: 'the held requests at the provider' })
        .then(() => victim.kill());
    }
  });
  await Promise.all(load);
  await killed;
  await Promise.all(held);
  for (const h of heldAtProvider()) h.release();
  gws[1] = await startGateway(env);
  assert.ok(failed >= 8, `the requests in flight on the victim were cut by the kill (${failed} failed)`);
  // The victim may have died holding the journal's drain lock, which then lives out its 30 s.
  const spend = await eventually(async () => {
    const r = await admin('GET', `/admin/spend?key=${key.id}`);
    return r.json?.total?.requests >= answered ? r : null;
  }, { what: `${answered} answered requests in the spend log`, timeoutMs: 45_000 });
  // Every answered request is in the log; requests settled but cut before their answer reached
  // the client may be too (charged, as they were served by the provider).
  assert.ok(spend.json.total.requests <= answered + failed);
  assert.ok(spend.json.total.usd >= answered * REQUEST_COST_USD - 1e-9, JSON.stringify(spend.json.total));
  const info = await request(gws[1].url, { path: '/v1/key', headers: { authorization: `Bearer ${key.key}` } });
  assert.ok(info.json.limits.budget.spent_usd >= answered * REQUEST_COST_USD - 1e-9, JSON.stringify(info.json.limits));
});

test('Redis unreachable: a fail-closed gateway answers 503, a fail-open one serves without limits; both recover', async () => {
  const key = await sharedKey({ rpm: 1000 });
  const open = await startGateway({ ...env, LIMITS_FAIL_OPEN: 'true' });
  try {
    assert.equal((await chatAs(gws[0].url, key.key)).status, 200);
    await redis.kill();
    const closed = await chatAs(gws[0].url, key.key);
    assert.equal(closed.status, 503, closed.text);
    assert.equal(closed.json.error.code, 'limits_unavailable');
    assert.match(closed.json.error.message, /limits cannot be checked right now/);
    const served = await chatAs(open.url, key.key);
    assert.equal(served.status, 200, served.text);
    // A key without limits never needs Redis.
    const free = await createKey({ admin }, {});
    assert.equal((await chatAs(gws[0].url, free.key)).status, 200);
    await redis.restart();
    await eventually(async () => (await chatAs(gws[0].url, key.key)).status === 200, { what: 'recovery after Redis is back', timeoutMs: 15_000 });
  } finally {
    await open.kill();
  }
});
