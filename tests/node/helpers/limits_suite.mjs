// The limits-and-budgets scenarios of issue #13, written once and run against two set-ups:
// one gateway with the embedded default (limits.test.mjs) and two replicas sharing Redis and
// PostgreSQL (limits_replicas.test.mjs). `ctx()` returns { urls: [gateway base URLs],
// admin(method, path, body), upstream } once the set-up's before() has run; requests are spread
// over every URL in turn, so with two replicas each scenario crosses both.
import assert from 'node:assert/strict';
import { test } from './test.mjs';
import { request, eventually } from './http.mjs';

// Prices the tests set through MODEL_PRICES_PATH (USD per million tokens): the fake upstream
// answers every completion with 11 prompt and 6 completion tokens, so one request costs
// 11 * $1000/M + 6 * $2000/M = $0.023, exactly 23,000,000 nano-dollars.
export const TEST_PRICES = {
  'openai/gpt-4o': { input: 1000, output: 2000, cached_input: 500 },
  'openai/reset-mid-stream': { input: 1000, output: 2000 },
};
export const REQUEST_COST_USD = 0.023;

export const messages = [{ role: 'user', content: 'Hello?' }];

export function chatAs(url, key, body = {}) {
  return request(url, {
    method: 'POST', path: '/v1/chat/completions',
    body: { model: 'openai/gpt-4o', messages, max_tokens: 10, ...body },
    headers: { authorization: `Bearer ${key}` },
  });
}

export async function createKey(c, fields) {
  const res = await c.admin('POST', '/admin/keys', { name: 'limits-test', ...fields });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

const count = (results, status) => results.filter((r) => r.status === status).length;

export function limitsScenarios(ctx) {
  test('rpm: a key allowed 50 requests per minute gets exactly 50 answers out of 120 concurrent requests', async () => {
    const c = ctx();
    const key = await createKey(c, { rpm: 50 });
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => chatAs(c.urls[i % c.urls.length], key.key)));
    assert.equal(count(results, 200), 50, JSON.stringify(results.filter((r) => r.status !== 200 && r.status !== 429).map((r) => r.text)));
    assert.equal(count(results, 429), 70);
    const refused = results.find((r) => r.status === 429);
    assert.equal(refused.json.error.code, 'rate_limit_exceeded');
    assert.match(refused.json.error.message, /allows 50 requests per minute/);
    assert.ok(Number(refused.headers['retry-after']) >= 1, 'Retry-After in whole seconds');
    assert.equal(refused.headers['x-ratelimit-limit-requests'], '50');
    assert.equal(refused.headers['x-ratelimit-remaining-requests'], '0');
    assert.match(refused.headers['x-ratelimit-reset-requests'], /^\d+(ms|s|m\d+s)$/);
    const ok = results.find((r) => r.status === 200);
    assert.equal(ok.headers['x-ratelimit-limit-requests'], '50', 'limit headers on answers too');
    assert.ok(Number(ok.headers['x-ratelimit-remaining-requests']) < 50);
  });

  test('max_parallel: 3 allowed in flight, 10 slow requests: exactly 3 reach the provider, 7 are refused at once', async () => {
    const c = ctx();
    const key = await createKey(c, { max_parallel: 3 });
    const before = c.upstream.requests.filter((r) => r.body?.model === 'slow-headers').length;
    const pending = Array.from({ length: 10 }, (_, i) => chatAs(c.urls[i % c.urls.length], key.key, { model: 'openai/slow-headers' }));
    const settled = pending.map((p) => p.then((r) => ({ r })));
    // The 7 refusals come back while the 3 admitted requests are still held by the provider.
    const refused = [];
    await eventually(async () => {
      const done = await Promise.all(settled.map((s) => Promise.race([s, Promise.resolve(null)])));
      refused.splice(0, refused.length, ...done.filter(Boolean).map((d) => d.r));
      return refused.length === 7;
    }, { what: '7 immediate refusals' });
    assert.ok(refused.every((r) => r.status === 429), refused.map((r) => r.status).join());
    assert.match(refused[0].json.error.message, /allows 3 requests in flight/);
    // The admitted ones may still be on their way to the provider when the refusals are back;
    // 10 requests less 7 refusals leave at most 3, so waiting for 3 is exact.
    const arrived = () => c.upstream.requests.filter((r) => r.body?.model === 'slow-headers').slice(before);
    await eventually(() => arrived().length >= 3, { what: 'the 3 admitted requests at the provider' });
    const held = arrived();
    assert.equal(held.length, 3, 'exactly 3 requests reached the provider');
    for (const h of held) h.release();
    const all = await Promise.all(pending);
    assert.equal(count(all, 200), 3);
    // Slots are free again once they finished.
    const again = await chatAs(c.urls[0], key.key);
    assert.equal(again.status, 200, again.text);
  });

  test('budget: requests hitting a small dollar budget concurrently never overspend it by more than one request', async () => {
    const c = ctx();
    const key = await createKey(c, { budget: { usd: 0.2, period: 'day' } });
    let answered = 0;
    let refusedOne;
    for (let wave = 0; wave < 6; wave++) {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => chatAs(c.urls[i % c.urls.length], key.key)));
      answered += count(results, 200);
      const r402 = results.find((r) => r.status === 402);
      if (r402) refusedOne = r402;
      assert.equal(count(results, 200) + count(results, 402), 12, results.map((r) => r.status).join());
    }
    assert.ok(refusedOne, 'the budget ran out');
    assert.equal(refusedOne.json.error.code, 'budget_exceeded');
    assert.match(refusedOne.json.error.message, /budget of \$0\.2000 per day/);
    assert.match(refusedOne.json.error.message, /resets at \d{4}-\d\d-\d\dT00:00:00Z/);
    assert.equal(refusedOne.headers['retry-after'], undefined, 'a spent budget is not a retry-in-a-second');
    const spent = answered * REQUEST_COST_USD;
    assert.ok(spent <= 0.2 + REQUEST_COST_USD + 1e-9, `spent ${spent} of a 0.2 budget`);
    assert.ok(answered >= 5, `only ${answered} answered: reservations must be released on settlement`);
    // The caller sees the same figures.
    const info = await request(c.urls[0], { path: '/v1/key', headers: { authorization: `Bearer ${key.key}` } });
    assert.equal(info.status, 200, info.text);
    assert.ok(Math.abs(info.json.limits.budget.spent_usd - spent) < 1e-6, JSON.stringify(info.json.limits));
    assert.ok(info.json.limits.budget.remaining_usd < REQUEST_COST_USD * 2);
    assert.equal(info.json.limits.budget.reserved_usd, 0);
  });

  test('team limits apply to every key of the team, together with each key\'s own', async () => {
    const c = ctx();
    const team = `team-${Math.random().toString(36).slice(2, 8)}`;
    const t = await c.admin('POST', '/admin/teams', { id: team, name: 'Research', rpm: 6 });
    assert.equal(t.status, 201, t.text);
    const a = await createKey(c, { team });
    const b = await createKey(c, { team, rpm: 2 });
    const results = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => chatAs(c.urls[i % c.urls.length], a.key)),
      ...Array.from({ length: 5 }, (_, i) => chatAs(c.urls[(i + 1) % c.urls.length], b.key)),
    ]);
    assert.equal(count(results, 200), 6, results.map((r) => r.status).join());
    assert.ok(count(results.slice(5), 200) <= 2, "key b's own rpm of 2 holds inside the team's 6");
    const teamRefusal = results.find((r) => r.status === 429 && /team/.test(r.json.error.message));
    assert.ok(teamRefusal, 'some refusals name the team');
    assert.match(teamRefusal.json.error.message, new RegExp(`team ${team} allows 6 requests per minute`));
  });
}
