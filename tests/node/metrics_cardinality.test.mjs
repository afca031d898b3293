// Bounded metric cardinality (docs/metrics.md): clients choose model names (and methods, paths),
// which must not make /metrics grow without bound. Each metric keeps at most
// TELEMETRY_MAX_SERIES_PER_METRIC (default 1000) label sets; later ones are counted in one
// series labelled "__other__", so totals stay exact. Label values are cut to
// TELEMETRY_MAX_LABEL_LENGTH (default 128) bytes.
import { describe } from 'node:test';
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startGateway, runGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, USAGE } from './fakes/openai_upstream.mjs';
import { request, eventually } from './helpers/http.mjs';
import { scrapeMetrics } from './helpers/prom.mjs';
import { findPromtool, PROMTOOL_MISSING } from './helpers/telemetry_contract.mjs';

const MAX_SERIES = 1000; // the defaults under test
const MAX_LABEL = 128;
const NAMES = 3000;
const CONCURRENCY = 16;
const messages = [{ role: 'user', content: 'Hi' }];
const TOKEN_METRICS = ['llm_usage_prompt_tokens_total', 'llm_usage_completion_tokens_total', 'llm_usage_total_tokens_total'];

// Runs fn(i) for i in [0, n) with at most `limit` in flight.
async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => { while (next < n) await fn(next++); };
  await Promise.all(Array.from({ length: limit }, worker));
}

describe('metric cardinality is bounded', () => {
  let up, gw, m, scrapeMs, rawScrape;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const tag = randomBytes(4).toString('hex');
  // ~100-byte names: unbounded, 3,000 of them would make the token metrics alone ~1.5 MB.
  const modelName = (i) => `m-${tag}-${String(i).padStart(5, '0')}-${'x'.repeat(80)}`;
  const huge = `huge-${'h'.repeat(1 << 20)}`; // a 1 MB model name
  const methods = Array.from({ length: 20 }, (_, i) => `M${tag.toUpperCase()}${i}`);
  const post = (model) => request(gw.url, {
    method: 'POST', path: '/v1/chat/completions', agent,
    headers: { authorization: 'Bearer client-key' }, body: { model: `openai/${model}`, messages },
  });

  before(async () => {
    up = await startFakeOpenAI();
    gw = await startGateway({
      TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
      OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-cardinality', LOG_LEVEL: 'warn',
    }, { quiet: true });

    // The 1 MB name first, so that it is admitted as a series of its own (cut to the cap).
    assert.equal((await post(huge)).status, 200);
    // Control characters (JSON escapes, C0 and C1) in a model name. (Bytes that are not UTF-8
    // are refused before they could become a label: see the last test.)
    const raw = Buffer.from('{"model":"openai/bad-\\u0001\\u001b[2J\\u0085-end","messages":[{"role":"user","content":"Hi"}]}');
    const r = await request(gw.url, { method: 'POST', path: '/v1/chat/completions', agent, body: raw,
      headers: { authorization: 'Bearer client-key', 'content-type': 'application/json' } });
    assert.equal(r.status, 200, r.text);
    await pool(NAMES, CONCURRENCY, async (i) => {
      const r = await post(modelName(i));
      assert.equal(r.status, 200, `request ${i}: ${r.text.slice(0, 300)}`);
    });
    // Any token is a valid HTTP method: each one must not become a request_method series.
    for (const method of methods) {
      const r = await request(gw.url, { method, path: '/v1/chat/completions', agent });
      assert.equal(r.status, 405, `${method}: ${r.text}`);
    }
    const total = NAMES + 2 + methods.length;
    m = await eventually(async () => {
      const s = await scrapeMetrics(gw.metricsUrl);
      return s.sum('llm_responses_total') >= total ? s : null;
    }, { what: `llm_responses_total to reach ${total}` });
    const t0 = Date.now();
    rawScrape = await new Promise((resolve, reject) => {
      http.get(`${gw.metricsUrl}/metrics`, (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => resolve(Buffer.concat(parts)));
      }).on('error', reject);
    });
    scrapeMs = Date.now() - t0;
  });
  after(async () => { agent.destroy(); await gw?.kill(); await up?.close(); });

  test('distinct model label values stay at the cap + one "__other__" series', () => {
    for (const name of TOKEN_METRICS) {
      const series = m.find(name);
      const models = new Set(series.map((s) => s.labels.model));
      assert.ok(models.size <= MAX_SERIES + 1, `${name}: ${models.size} model label values`);
      assert.ok(series.length <= MAX_SERIES + 1, `${name}: ${series.length} series`);
      const other = m.get(name, { provider: '__other__', model: '__other__' });
      assert.ok(other > 0, `${name}: no folded series {provider="__other__",model="__other__"}`);
    }
  });

  test('totals stay exact: the folded series carries what was not given its own', () => {
    const requests = NAMES + 2;
    assert.equal(m.sum('llm_usage_prompt_tokens_total'), requests * USAGE.prompt_tokens);
    assert.equal(m.sum('llm_usage_completion_tokens_total'), requests * USAGE.completion_tokens);
    assert.equal(m.sum('llm_usage_total_tokens_total'), requests * USAGE.total_tokens);
    assert.equal(m.sum('llm_requests_total'), requests + methods.length);
  });

  test('the scrape stays small and quick', () => {
    // Per token metric: at most 1001 lines of name (~35) + labels (~30 + a 128-byte model).
    const bound = TOKEN_METRICS.length * (MAX_SERIES + 1) * 220 + 64 * 1024;
    assert.ok(m.text.length < bound, `/metrics is ${m.text.length} bytes (bound ${bound})`);
    assert.ok(scrapeMs < 2000, `scrape took ${scrapeMs} ms`);
  });

  test('no label value is longer than TELEMETRY_MAX_LABEL_LENGTH; the 1 MB name is cut', () => {
    for (const s of m.samples) {
      for (const [k, v] of Object.entries(s.labels)) {
        assert.ok(Buffer.byteLength(v) <= MAX_LABEL, `${s.name} ${k} is ${Buffer.byteLength(v)} bytes`);
      }
    }
    const cut = m.find('llm_usage_total_tokens_total').find((s) => s.labels.model.startsWith('huge-'));
    assert.ok(cut, 'the 1 MB model name should have a series of its own, cut to the cap');
    assert.equal(cut.labels.model, huge.slice(0, MAX_LABEL));
    assert.equal(cut.value, USAGE.total_tokens);
  });

  test('request methods outside the standard ones are labelled "other"', () => {
    const seen = new Set(m.find('llm_requests_total').map((s) => s.labels.request_method));
    for (const method of methods) assert.ok(!seen.has(method), `request_method="${method}" has a series`);
    assert.equal(m.sum('llm_requests_total', { request_method: 'other' }), methods.length);
  });

  test('the exposition is valid UTF-8 with no control characters in label values', () => {
    let text;
    assert.doesNotThrow(() => { text = new TextDecoder('utf-8', { fatal: true }).decode(rawScrape); }, 'not UTF-8');
    const bad = text.split('\n').filter((l) => /[\u0000-\u001f\u007f-\u009f]/.test(l));
    assert.deepEqual(bad.map((l) => JSON.stringify(l).slice(0, 300)), []);
    assert.ok(m.find('llm_usage_total_tokens_total').some((s) => s.labels.model.startsWith('bad-') && s.labels.model.endsWith('-end')),
      'the model name with control characters keeps a (cleaned) series of its own');
  });

  test('promtool check metrics accepts the exposition', () => {
    const promtool = findPromtool();
    assert.ok(promtool, PROMTOOL_MISSING);
    const r = spawnSync(promtool, ['check', 'metrics'], { input: m.text, encoding: 'utf8', maxBuffer: 64 << 20 });
    // Lint warnings (e.g. about units) are reported with exit 3; a parse error is exit 1.
    assert.equal(r.status, 0, `promtool check metrics exit ${r.status}:\n${(r.stdout + r.stderr).slice(0, 2000)}`);
  });
});

describe('metric limits are configurable', () => {
  let up, gw;
  before(async () => { up = await startFakeOpenAI(); });
  after(async () => { await gw?.kill(); await up?.close(); });

  test('TELEMETRY_MAX_SERIES_PER_METRIC and TELEMETRY_MAX_LABEL_LENGTH apply', async () => {
    gw = await startGateway({
      TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0', OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk',
      TELEMETRY_MAX_SERIES_PER_METRIC: '3', TELEMETRY_MAX_LABEL_LENGTH: '16', LOG_LEVEL: 'info',
    });
    for (let i = 0; i < 6; i++) {
      const r = await request(gw.url, { method: 'POST', path: '/v1/chat/completions', body: { model: `openai/model-number-${i}-long-enough`, messages } });
      assert.equal(r.status, 200);
    }
    const m = await eventually(async () => {
      const s = await scrapeMetrics(gw.metricsUrl);
      return s.sum('llm_usage_total_tokens_total') >= 6 * USAGE.total_tokens ? s : null;
    }, { what: 'six requests counted' });
    const series = m.find('llm_usage_total_tokens_total');
    assert.equal(series.length, 4, series.map((s) => JSON.stringify(s.labels)).join('\n'));
    assert.equal(m.get('llm_usage_total_tokens_total', { provider: '__other__', model: '__other__' }), 3 * USAGE.total_tokens);
    for (const s of series) assert.ok(Buffer.byteLength(s.labels.model) <= 16, s.labels.model);
  });

  test('0 is refused at start-up: it does not mean "unlimited"', async () => {
    for (const name of ['TELEMETRY_MAX_SERIES_PER_METRIC', 'TELEMETRY_MAX_LABEL_LENGTH']) {
      const r = await runGateway([], { TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0', [name]: '0' });
      assert.equal(r.listened, false, `${name}=0 was accepted`);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`configuration error: ${name}: 0 is too small`));
    }
  });
});

test('a model name that is not UTF-8 is refused with a 400 that says so (it never becomes a label)', async () => {
  const up = await startFakeOpenAI();
  const gw = await startGateway({
    TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0', OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-x',
  }, { quiet: true });
  try {
    const raw = Buffer.concat([Buffer.from('{"model":"openai/bad-'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]),
      Buffer.from('-end","messages":[{"role":"user","content":"Hi"}]}')]);
    const r = await request(gw.url, { method: 'POST', path: '/v1/chat/completions', body: raw,
      headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400, r.text);
    assert.match(JSON.parse(r.text).error.message, /not valid UTF-8/);
    const s = await scrapeMetrics(gw.metricsUrl);
    assert.ok(!s.samples.some((x) => (x.labels.model || '').startsWith('bad-')), 'a series for the refused name');
  } finally {
    await gw.kill();
    await up.close();
  }
});
