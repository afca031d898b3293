// The spend rollup in PostgreSQL (schema version 4, issue #13). Budgets and GET /admin/spend read
// per-second totals that a trigger keeps from the spend log. A database written by replicas of the
// previous version is upgraded with every one of its rows counted; rows that replicas still on that
// version write during a rolling upgrade are counted by the trigger, a row they repeat (a journal
// drain done twice, ON CONFLICT DO NOTHING) is not counted twice; and the gateway's own requests
// are counted. A real PostgreSQL (initdb into a temporary directory) and psql for the old writer.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway } from './helpers/gateway.mjs';
import { request, eventually } from './helpers/http.mjs';
import { startPostgres, PG_BIN } from './helpers/postgres.mjs';
import { startFakeOpenAI, closedPort } from './fakes/openai_upstream.mjs';
import { TEST_PRICES, REQUEST_COST_USD, chatAs } from './helpers/limits_suite.mjs';

const run = promisify(execFile);
const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;
let tmp, up, pg, env, gw;

const admin = (method, p, body) => request(gw.url, {
  method, path: p, body, headers: { authorization: `Bearer ${ADMIN_KEY}` },
});
const psql = async (sql) => (await run(path.join(PG_BIN, 'psql'), [pg.url, '-v', 'ON_ERROR_STOP=1', '-Atc', sql])).stdout.trim();

// Rows as a replica of schema version 3 writes them: one an hour from 2025-12-01 00:00 UTC,
// alternating between two keys, $0.001 * n each.
const oldRows = (from, to) => `INSERT INTO spend_log (id, request_id, ts_ms, key_id, team, caller, provider, model,
    prompt_tokens, completion_tokens, cost_nano, status, latency_ms)
  SELECT 'old-' || n, 'req-' || n, 1764547200000 + n * 3600000, CASE WHEN n % 2 = 0 THEN 'key_a' ELSE 'key_b' END,
    'team-x', '', 'openai', 'gpt-4o', 10, 5, 1000000 * n, 200, 7
  FROM generate_series(${from}, ${to}) AS n ON CONFLICT DO NOTHING`;
const usd = (from, to, step = 1) => {
  let sum = 0;
  for (let n = from; n <= to; n += step) sum += n;
  return sum / 1000;
};

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-rollup-pg-'));
  fs.writeFileSync(path.join(tmp, 'prices.json'), JSON.stringify(TEST_PRICES));
  [up, pg] = await Promise.all([startFakeOpenAI({ models: ['gpt-4o'] }), startPostgres()]);
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  env = {
    AUTH_ENABLED: 'true', AUTH_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: pg.url,
    MODEL_PRICES_PATH: path.join(tmp, 'prices.json'), SPEND_LOG_FLUSH_INTERVAL: '100ms',
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-provider',
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
  };
});

after(async () => {
  await gw?.kill();
  await up?.close();
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a version 3 database is upgraded with every row counted; old writers and the gateway are counted once', async () => {
  // The schema as the previous version left it, holding 40 rows over two days.
  gw = await startGateway(env);
  assert.equal((await gw.stop()).code, 0);
  gw = null;
  await psql(`DROP TRIGGER spend_log_rollup ON spend_log; DROP FUNCTION igw_spend_rollup();
    DROP TABLE spend_rollup; DROP TABLE spend_journal_mark; DELETE FROM schema_migrations WHERE version = 4`);
  await psql(oldRows(0, 39));

  gw = await startGateway(env);
  assert.equal(await psql('SELECT MAX(version) FROM schema_migrations'), '4');
  const days = await admin('GET', '/admin/spend?from=2025-12-01&to=2025-12-03&group_by=day');
  assert.equal(days.status, 200, days.text);
  assert.deepEqual(days.json.groups.map((g) => [g.group, g.requests]), [['2025-12-01', 24], ['2025-12-02', 16]]);
  assert.ok(Math.abs(days.json.total.usd - usd(0, 39)) < 1e-9, JSON.stringify(days.json.total));
  assert.deepEqual(days.json.total.tokens, { input: 400, output: 200, cached_input: 0, reasoning: 0, total: 600 });
  const a = await admin('GET', '/admin/spend?key=key_a&from=1764547200&to=1764561600'); // the first 4 hours
  assert.equal(a.json.total.requests, 2);
  assert.ok(Math.abs(a.json.total.usd - usd(0, 2, 2)) < 1e-9);

  // A replica still on version 3 writes ten more rows, repeating five it already wrote (35-39).
  await psql(`${oldRows(35, 49)}`);
  const all = await admin('GET', '/admin/spend?from=2025-12-01&to=2025-12-04&group_by=key');
  assert.deepEqual(all.json.groups.map((g) => [g.group, g.requests]), [['key_a', 25], ['key_b', 25]]);
  assert.ok(Math.abs(all.json.total.usd - usd(0, 49)) < 1e-9, JSON.stringify(all.json.total));

  // The gateway's own requests, through its writer.
  const key = await admin('POST', '/admin/keys', { name: 'rollup' });
  assert.equal(key.status, 201, key.text);
  for (let i = 0; i < 3; i++) assert.equal((await chatAs(gw.url, key.json.key)).status, 200);
  const mine = await eventually(async () => {
    const r = await admin('GET', `/admin/spend?key=${key.json.id}`);
    return r.json?.total?.requests === 3 ? r : null;
  }, { what: 'three requests in the spend rollup' });
  assert.ok(Math.abs(mine.json.total.usd - 3 * REQUEST_COST_USD) < 1e-9, JSON.stringify(mine.json.total));
  const info = await request(gw.url, { path: '/v1/key', headers: { authorization: `Bearer ${key.json.key}` } });
  assert.equal(info.json.spend_this_month.requests, 3);

  // The log holds every row once, and the rollup counts each once.
  assert.equal(await psql('SELECT COUNT(*) FROM spend_log'), '53');
  assert.equal(await psql('SELECT SUM(requests) FROM spend_rollup'), '53');
  assert.equal(await psql('SELECT SUM(cost_nano) FROM spend_rollup'), await psql('SELECT SUM(cost_nano) FROM spend_log'));
});
