// Observability: Prometheus metrics (/metrics on the telemetry listener), access logs and
// secret hygiene, X-Request-Id, OpenTelemetry traces (OTLP/HTTP JSON) and trace propagation.
import { describe } from 'node:test';
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startGateway, runGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, closedPort, USAGE, TOOL_CALLS } from './fakes/openai_upstream.mjs';
import { startOtlpReceiver } from './fakes/otlp_receiver.mjs';
import { request, chat, chatStream, eventually } from './helpers/http.mjs';
import { scrapeMetrics } from './helpers/prom.mjs';
import { METRICS, DURATION_BUCKETS, findPromtool, PROMTOOL_MISSING } from './helpers/telemetry_contract.mjs';

const hex = (bytes) => randomBytes(bytes).toString('hex');
const messages = [{ role: 'user', content: 'Hi' }];
const CHAT = '/v1/chat/completions';

// Reads a whole stream; asserts it ended cleanly.
async function streamAll(base, body, opts) {
  const s = await chatStream(base, body, opts);
  assert.equal(s.status, 200);
  const events = await s.sse.rest();
  assert.equal(s.sse.error, null);
  assert.ok(s.sse.ended, 'stream did not end cleanly');
  return { ...s, events };
}

// ---------------------------------------------------------------------------------------
describe('metrics', () => {
  let up, gw, m, version;
  const slow = { started: null, inFlightDuringHold: null };

  before(async () => {
    up = await startFakeOpenAI();
    gw = await startGateway({
      TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
      OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-metrics',
      // keyless providers on the same fake, so an unfiltered /v1/models only reaches it
      OLLAMA_API_URL: up.url, LLAMACPP_API_URL: up.url, VLLM_API_URL: up.url,
      LOG_LEVEL: 'info',
    });
    version = runGateway(['--version']);

    // The traffic. Every expectation below is derived from exactly this list.
    assert.equal((await chat(gw.url, { model: 'openai/gpt-4o', messages })).status, 200);
    await streamAll(gw.url, { model: 'openai/gpt-4o', messages });
    assert.equal((await chat(gw.url, { model: 'openai/tools', messages })).status, 200);
    await streamAll(gw.url, { model: 'openai/tools', messages });
    assert.equal((await chat(gw.url, { model: 'openai/tools-mixed', messages })).status, 200);
    await streamAll(gw.url, { model: 'openai/tools-mixed', messages });
    assert.equal((await chat(gw.url, { model: 'nosuchprovider/some-model', messages })).status, 400);
    assert.equal((await chat(gw.url, { model: 'openai/error-500', messages })).status, 500);
    assert.equal((await request(gw.url, { path: '/v1/models', headers: { authorization: 'Bearer k' } })).status, 200);
    assert.equal((await request(gw.url, { path: '/v1/models?provider=openai', headers: { authorization: 'Bearer k' } })).status, 200);
    assert.equal((await request(gw.url, { path: '/proxy/openai/files/abc' })).status, 200);
    assert.equal((await request(gw.url, { path: '/no/such/route' })).status, 404);
    for (let i = 0; i < 3; i++) assert.equal((await request(gw.url, { path: '/health' })).status, 200);

    // A request held upstream for >= 300 ms: checks the in-flight gauge while it is
    // held, and that durations are in milliseconds.
    const tag = `slow-${hex(4)}`;
    const pending = chat(gw.url, { model: 'openai/slow-headers', messages, test_tag: tag });
    const rec = await up.waitForRequest((r) => r.body?.test_tag === tag);
    slow.started = Date.now();
    slow.inFlightDuringHold = (await scrapeMetrics(gw.metricsUrl)).get('llm_requests_in_flight', {});
    await new Promise((r) => setTimeout(r, 300 - (Date.now() - slow.started)));
    rec.release();
    assert.equal((await pending).status, 200);

    // Counters may be updated just after the response is written: wait until the last
    // response (13 counted requests in total, /health excluded) is visible.
    m = await eventually(async () => {
      const s = await scrapeMetrics(gw.metricsUrl);
      return s.sum('llm_responses_total') >= 13 && s.get('llm_requests_in_flight', {}) === 0 ? s : null;
    }, { what: 'llm_responses_total to reach 13 and llm_requests_in_flight to drop to 0' })
      .catch(async (e) => { m = await scrapeMetrics(gw.metricsUrl); throw new Error(`${e.message}\n${m.text}`); });
  });
  after(async () => { await gw?.kill(); await up?.close(); });

  const openaiChat = { provider: 'openai', request_method: 'POST', request_path: CHAT };

  test('GET /metrics: 200, Prometheus text 0.0.4, on the telemetry listener only', async () => {
    const res = await request(gw.metricsUrl, { path: '/metrics' });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/plain;\s*version=0\.0\.4/);
    assert.equal(gw.metricsHost, '127.0.0.1', 'TELEMETRY_METRICS_HOST should default to SERVER_HOST');
    assert.notEqual(gw.metricsPort, gw.port);
    assert.equal((await request(gw.url, { path: '/metrics' })).status, 404, '/metrics must not be served on the API port');
    assert.equal((await request(gw.metricsUrl, { path: '/v1/models' })).status, 404, 'the telemetry port serves /metrics only');
  });

  test('every contract metric family is declared with its TYPE', () => {
    for (const [name, { type }] of Object.entries(METRICS)) {
      if (name === 'llm_trace_spans_dropped_total') continue; // may only exist with tracing on
      assert.equal(m.types[name], type, `# TYPE ${name} ${type} missing (got ${m.types[name]})`);
    }
    for (const s of m.samples) {
      const base = s.name.replace(/_(bucket|sum|count)$/, '');
      const fam = METRICS[s.name] ?? (METRICS[base]?.type === 'histogram' ? METRICS[base] : undefined);
      if (!fam) continue; // not ours (e.g. extra gateway metrics)
      const allowed = new Set([...fam.labels, ...(s.name.endsWith('_bucket') ? ['le'] : [])]);
      assert.deepEqual(Object.keys(s.labels).sort(), [...allowed].sort(), `label set of ${s.line}`);
    }
  });

  test('token counters: exact sums of the usage the fake reported, model without provider prefix', () => {
    for (const model of ['gpt-4o', 'tools', 'tools-mixed']) {
      const l = { provider: 'openai', model };
      assert.equal(m.get('llm_usage_prompt_tokens_total', l), 2 * USAGE.prompt_tokens, `prompt tokens ${model}`);
      assert.equal(m.get('llm_usage_completion_tokens_total', l), 2 * USAGE.completion_tokens, `completion tokens ${model}`);
      assert.equal(m.get('llm_usage_total_tokens_total', l), 2 * USAGE.total_tokens, `total tokens ${model}`);
    }
    const l = { provider: 'openai', model: 'slow-headers' };
    assert.equal(m.get('llm_usage_prompt_tokens_total', l), USAGE.prompt_tokens);
    assert.equal(m.get('llm_usage_completion_tokens_total', l), USAGE.completion_tokens);
    assert.equal(m.get('llm_usage_total_tokens_total', l), USAGE.total_tokens);
    // 7 successful completions, nothing else reports usage
    assert.equal(m.sum('llm_usage_prompt_tokens_total'), 7 * USAGE.prompt_tokens);
    assert.equal(m.sum('llm_usage_completion_tokens_total'), 7 * USAGE.completion_tokens);
    assert.equal(m.sum('llm_usage_total_tokens_total'), 7 * USAGE.total_tokens);
    assert.equal(m.find('llm_usage_total_tokens_total').filter((s) => s.labels.model.includes('/')).length, 0, 'model label must not carry the provider prefix');
  });

  test('llm_requests_total / llm_responses_total per label set; /health not counted', () => {
    assert.equal(m.get('llm_requests_total', openaiChat), 8);
    assert.equal(m.get('llm_requests_total', { provider: 'unknown', request_method: 'POST', request_path: CHAT }), 1);
    assert.equal(m.get('llm_requests_total', { provider: 'all', request_method: 'GET', request_path: '/v1/models' }), 1);
    assert.equal(m.get('llm_requests_total', { provider: 'openai', request_method: 'GET', request_path: '/v1/models' }), 1);
    assert.equal(m.get('llm_requests_total', { provider: 'openai', request_method: 'GET', request_path: '/proxy' }), 1);
    assert.equal(m.sum('llm_requests_total', { request_path: 'other' }), 1, 'unknown route -> request_path="other"');
    assert.equal(m.sum('llm_requests_total'), 13, `total requests (no /health):\n${m.find('llm_requests_total').map((s) => s.line).join('\n')}`);
    assert.equal(m.find('llm_requests_total').filter((s) => s.labels.request_path === '/health').length, 0);

    assert.equal(m.get('llm_responses_total', { ...openaiChat, status_code: '200' }), 7);
    assert.equal(m.get('llm_responses_total', { ...openaiChat, status_code: '500' }), 1);
    assert.equal(m.get('llm_responses_total', { provider: 'unknown', request_method: 'POST', request_path: CHAT, status_code: '400' }), 1);
    assert.equal(m.get('llm_responses_total', { provider: 'all', request_method: 'GET', request_path: '/v1/models', status_code: '200' }), 1);
    assert.equal(m.get('llm_responses_total', { provider: 'openai', request_method: 'GET', request_path: '/v1/models', status_code: '200' }), 1);
    assert.equal(m.get('llm_responses_total', { provider: 'openai', request_method: 'GET', request_path: '/proxy', status_code: '200' }), 1);
    assert.equal(m.sum('llm_responses_total', { request_path: 'other', status_code: '404' }), 1);
    assert.equal(m.sum('llm_responses_total'), 13);
  });

  test('tool call counters: by model response, classified by name prefix', () => {
    const t = (model, tool_type, tool_name) => m.get('llm_tool_calls_total', { provider: 'openai', model, tool_type, tool_name });
    assert.equal(t('tools', 'standard_tool_use', 'get_weather'), 2);
    assert.equal(t('tools', 'standard_tool_use', 'get_time'), 2);
    assert.equal(t('tools-mixed', 'mcp', 'mcp_search_docs'), 2);
    assert.equal(t('tools-mixed', 'a2a', 'a2a_delegate_task'), 2);
    assert.equal(t('tools-mixed', 'standard_tool_use', 'lookup_order'), 2);
    assert.equal(m.sum('llm_tool_calls_total'), 10, m.find('llm_tool_calls_total').map((s) => s.line).join('\n'));
    // the gateway executes no tools itself (yet)
    assert.equal(m.sum('llm_tool_calls_success_total'), 0);
    assert.equal(m.sum('llm_tool_calls_failure_total'), 0);
    assert.equal(m.sum('llm_tool_call_duration_count'), 0);
  });

  test('histograms: contract buckets, cumulative, _count = +Inf bucket = requests', () => {
    const expectLe = [...DURATION_BUCKETS, Infinity];
    const seriesKeys = new Set();
    for (const s of m.samples) {
      const base = s.name.replace(/_(bucket|sum|count)$/, '');
      if (METRICS[base]?.type !== 'histogram' || s.name === base) continue;
      const { le, ...rest } = s.labels;
      seriesKeys.add(JSON.stringify([base, rest]));
    }
    assert.ok(seriesKeys.size > 0, 'no histogram series at all');
    for (const k of seriesKeys) {
      const [base, labels] = JSON.parse(k);
      const h = m.histogram(base, labels);
      assert.deepEqual(h.buckets.map(([le]) => le), expectLe, `buckets of ${k}`);
      for (let i = 1; i < h.buckets.length; i++) assert.ok(h.buckets[i][1] >= h.buckets[i - 1][1], `buckets of ${k} not cumulative`);
      assert.equal(h.count, h.buckets.at(-1)[1], `${k}: _count != +Inf bucket`);
      assert.ok(Number.isFinite(h.sum) && h.sum >= 0, `${k}: _sum ${h.sum}`);
    }
    // request duration _count per label set equals llm_requests_total for that label set
    for (const s of m.find('llm_requests_total')) {
      assert.equal(m.histogram('llm_request_duration', s.labels)?.count, s.value, `llm_request_duration_count for ${JSON.stringify(s.labels)}`);
    }
    assert.equal(m.sum('llm_request_duration_count'), 13);
  });

  test('llm_request_duration is in milliseconds (a request held 300 ms upstream)', () => {
    const h = m.histogram('llm_request_duration', openaiChat);
    const le = (x) => h.buckets.find(([b]) => b === x)[1];
    assert.ok(h.sum >= 300, `_sum ${h.sum} < 300: not milliseconds?`);
    assert.ok(h.sum < 60_000, `_sum ${h.sum}: implausibly large`);
    assert.equal(le(250), h.count - 1, 'exactly one openai chat request (the held one) is slower than 250 ms');
    assert.equal(le(10000), h.count);
  });

  test('time to first token: one observation per streaming request', () => {
    for (const model of ['gpt-4o', 'tools', 'tools-mixed']) {
      assert.equal(m.histogram('llm_time_to_first_token', { provider: 'openai', model })?.count, 1, `TTFT count for ${model}`);
    }
    assert.equal(m.sum('llm_time_to_first_token_count'), 3, 'only the 3 streaming requests observe TTFT');
  });

  test('gauges and connection counter', () => {
    assert.equal(slow.inFlightDuringHold, 1, 'llm_requests_in_flight while one request was held upstream');
    assert.equal(m.get('llm_requests_in_flight', {}), 0);
    const opened = m.get('llm_upstream_connections_opened_total', {});
    assert.ok(opened >= 1, `llm_upstream_connections_opened_total = ${opened}`);
    assert.equal(opened, up.connections, 'every upstream connection the fake accepted was counted once');
    const idle = m.get('llm_upstream_idle_connections', {});
    assert.ok(Number.isInteger(idle) && idle >= 0 && idle <= opened, `llm_upstream_idle_connections = ${idle}`);
  });

  test('llm_build_info{version} = 1, version as in --version', async () => {
    const info = m.find('llm_build_info');
    assert.equal(info.length, 1, info.map((s) => s.line).join('\n'));
    assert.equal(info[0].value, 1);
    assert.ok(info[0].labels.version, 'empty version label');
    const v = await version;
    assert.ok(v.stdout.includes(info[0].labels.version), `--version output ${JSON.stringify(v.stdout)} lacks ${info[0].labels.version}`);
  });

  test('promtool check metrics accepts the scraped exposition', (t) => {
    const promtool = findPromtool();
    assert.ok(promtool, PROMTOOL_MISSING);
    const r = spawnSync(promtool, ['check', 'metrics'], { input: m.text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check metrics exit ${r.status}:\n${r.stdout}${r.stderr}`);
  });

  test('TELEMETRY_ENABLED (alias) and TELEMETRY_METRICS_HOST', async () => {
    const g = await startGateway({ TELEMETRY_ENABLED: 'true', TELEMETRY_METRICS_PORT: '0', TELEMETRY_METRICS_HOST: '127.0.0.1', SERVER_HOST: '0.0.0.0' });
    try {
      assert.equal(g.metricsHost, '127.0.0.1');
      const s = await scrapeMetrics(g.metricsUrl);
      assert.equal(s.sum('llm_requests_total'), 0);
      assert.equal(s.types.llm_requests_total, 'counter');
    } finally { await g.kill(); }
  });
});

// ---------------------------------------------------------------------------------------
describe('logs and X-Request-Id', () => {
  const SECRET_KEY = `sk-secret-${hex(12)}`;
  const GROQ_KEY = `gsk-secret-${hex(12)}`;
  const CLIENT_SECRET = `client-secret-${hex(12)}`;
  const CANARY = `canary-message-${hex(12)}`;
  const auth = { authorization: `Bearer ${CLIENT_SECRET}` };
  const body = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: `please repeat ${CANARY}` }], ...extra });
  let up, gw;

  before(async () => {
    up = await startFakeOpenAI();
    gw = await startGateway({
      ENVIRONMENT: 'production', LOG_LEVEL: 'debug',
      OPENAI_API_URL: up.url, OPENAI_API_KEY: SECRET_KEY,
      GROQ_API_URL: up.url, GROQ_API_KEY: GROQ_KEY,
    });
  });
  after(async () => { await gw?.kill(); await up?.close(); });

  // The access-log line (msg "request") for a request id, parsed.
  const accessLines = (logs, id) => logs.split('\n').filter((l) => l.includes(id)).map((l) => { try { return JSON.parse(l); } catch { return null; } })
    .filter((j) => j && j.msg === 'request' && j.request_id === id);
  const accessLine = async (id) => {
    await gw.waitForLog(new RegExp(`"msg":"request".*"request_id":"${id}"|"request_id":"${id}".*"msg":"request"`));
    const lines = accessLines(gw.stderr(), id);
    assert.equal(lines.length, 1, `expected exactly one access-log line on stderr for ${id}`);
    return lines[0];
  };

  test('production JSON access log; no secrets or message contents at LOG_LEVEL=debug', async () => {
    const ids = { chat: `req-chat-${hex(6)}`, stream: `req-stream-${hex(6)}`, bad: `req-bad-${hex(6)}`, upErr: `req-uperr-${hex(6)}`, proxy: `req-proxy-${hex(6)}`, models: `req-models-${hex(6)}` };
    assert.equal((await request(gw.url, { path: '/health', headers: { 'x-request-id': `req-health-${hex(6)}` } })).status, 200);
    const r1 = await chat(gw.url, body('openai/gpt-4o'), { headers: { ...auth, 'x-request-id': ids.chat } });
    assert.equal(r1.status, 200);
    await streamAll(gw.url, body('groq/gpt-4o'), { headers: { ...auth, 'x-request-id': ids.stream } });
    assert.equal((await chat(gw.url, body('nosuchprovider/x'), { headers: { ...auth, 'x-request-id': ids.bad } })).status, 400);
    assert.equal((await chat(gw.url, body('openai/error-400'), { headers: { ...auth, 'x-request-id': ids.upErr } })).status, 400);
    assert.equal((await request(gw.url, { method: 'POST', path: '/proxy/openai/embeddings', body: { input: CANARY }, headers: { ...auth, 'x-request-id': ids.proxy } })).status, 200);
    assert.equal((await request(gw.url, { path: '/v1/models', headers: { ...auth, 'x-request-id': ids.models } })).status, 200);

    const a = await accessLine(ids.chat);
    assert.equal(a.level, 'info');
    assert.ok(a.ts !== undefined, 'ts missing');
    assert.equal(a.method, 'POST');
    assert.equal(a.path, CHAT);
    assert.equal(a.status, 200);
    assert.equal(typeof a.duration_ms, 'number');
    assert.ok(a.duration_ms >= 0);
    assert.equal(a.provider, 'openai');
    assert.match(String(a.model), /(^|\/)gpt-4o$/);
    assert.equal(a.stream, false);
    assert.equal(a.prompt_tokens, USAGE.prompt_tokens);
    assert.equal(a.completion_tokens, USAGE.completion_tokens);

    const s = await accessLine(ids.stream);
    assert.equal(s.stream, true);
    assert.equal(s.provider, 'groq');
    assert.equal(s.status, 200);
    assert.equal(s.prompt_tokens, USAGE.prompt_tokens);
    assert.equal(s.completion_tokens, USAGE.completion_tokens);

    assert.equal((await accessLine(ids.bad)).status, 400);
    assert.equal((await accessLine(ids.upErr)).status, 400);
    const p = await accessLine(ids.proxy);
    assert.equal(p.method, 'POST');
    assert.equal(p.path, '/proxy/openai/embeddings');
    assert.equal((await accessLine(ids.models)).path, '/v1/models');

    // Everything the gateway wrote so far, on both streams (stop first so nothing is pending).
    await gw.stop();
    const all = gw.logs();
    for (const [what, secret] of [['upstream API key', SECRET_KEY], ['second upstream API key', GROQ_KEY], ['client Authorization value', CLIENT_SECRET], ['message content', CANARY]]) {
      assert.ok(!all.includes(secret), `${what} appears in the logs:\n${all.split('\n').filter((l) => l.includes(secret)).join('\n')}`);
    }
    const bearer = /Bearer\s+(?!\[?redacted|\*)[A-Za-z0-9._~+/=-]{6,}/i; // "Bearer ***" / "Bearer [REDACTED]" are fine
    assert.ok(!bearer.test(all), `an Authorization value appears in the logs:\n${all.split('\n').filter((l) => bearer.test(l)).join('\n')}`);
    // production: every line on stderr is one JSON object; access log not on stdout; /health not logged
    for (const l of gw.stderr().split('\n').filter(Boolean)) assert.doesNotThrow(() => JSON.parse(l), `not JSON: ${l}`);
    assert.ok(!gw.stdout().includes('"msg":"request"'), 'access log written to stdout');
    const accessAll = gw.stderr().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((j) => j.msg === 'request');
    assert.equal(accessAll.length, 6, `one access line per request, /health excluded:\n${accessAll.map((j) => JSON.stringify(j)).join('\n')}`);
    assert.ok(!accessAll.some((j) => j.path === '/health'), '/health was access-logged');
  });

  test('development access-log format', async () => {
    const id = `req-dev-${hex(6)}`;
    const g = await startGateway({ ENVIRONMENT: 'development', LOG_LEVEL: 'info', OPENAI_API_URL: up.url, OPENAI_API_KEY: SECRET_KEY });
    try {
      assert.equal((await chat(g.url, body('openai/gpt-4o'), { headers: { ...auth, 'x-request-id': id } })).status, 200);
      const [line] = await g.waitForLog(new RegExp(`^.*\\binfo\\b.*\\brequest\\b.*request_id=${id}.*$`, 'm'));
      assert.match(line, /\bmethod=POST\b/);
      assert.match(line, /\bpath=\/v1\/chat\/completions\b/);
      assert.match(line, /\bstatus=200\b/);
      assert.match(line, /\bprovider=openai\b/);
      assert.match(line, /\bduration_ms=\d/);
      await g.stop();
      for (const secret of [SECRET_KEY, CLIENT_SECRET, CANARY]) assert.ok(!g.logs().includes(secret), `${secret} logged in development mode`);
    } finally { await g.kill(); }
  });

  test('LOG_MESSAGE_CONTENT=true logs request bodies at debug level, still no keys', async () => {
    const g = await startGateway({ ENVIRONMENT: 'production', LOG_LEVEL: 'debug', LOG_MESSAGE_CONTENT: 'true', OPENAI_API_URL: up.url, OPENAI_API_KEY: SECRET_KEY });
    try {
      assert.equal((await chat(g.url, body('openai/gpt-4o'), { headers: auth })).status, 200);
      const [line] = await g.waitForLog(new RegExp(`^.*${CANARY}.*$`, 'm'));
      assert.equal(JSON.parse(line).level, 'debug', `message content logged at a level other than debug: ${line}`);
      await g.stop();
      for (const secret of [SECRET_KEY, CLIENT_SECRET]) assert.ok(!g.logs().includes(secret), `${secret} logged with LOG_MESSAGE_CONTENT=true`);
    } finally { await g.kill(); }
  });

  test('LOG_LEVEL=warn: no access log, and no message content even with LOG_MESSAGE_CONTENT=true', async () => {
    const id = `req-warn-${hex(6)}`;
    const g = await startGateway({ ENVIRONMENT: 'production', LOG_LEVEL: 'warn', LOG_MESSAGE_CONTENT: 'true', OPENAI_API_URL: up.url, OPENAI_API_KEY: SECRET_KEY }, { quiet: true });
    try {
      const res = await chat(g.url, body('openai/gpt-4o'), { headers: { ...auth, 'x-request-id': id } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-request-id'], id);
      await g.stop(); // flushes everything it would have logged
      const logs = g.logs();
      assert.ok(!logs.includes(id), `request logged at LOG_LEVEL=warn:\n${logs}`);
      assert.ok(!logs.includes(CANARY), 'message content logged at LOG_LEVEL=warn');
      assert.ok(!/"level":"(info|debug)"/.test(logs), `info/debug lines at LOG_LEVEL=warn:\n${logs}`);
    } finally { await g.kill(); }
  });

  describe('X-Request-Id', () => {
    let g;
    before(async () => { g = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-rid' }); });
    after(async () => { await g?.kill(); });
    const upstreamGot = (tag) => up.waitForRequest((r) => r.body?.test_tag === tag);

    test('a client id is kept: response header and upstream request carry it', async () => {
      const id = `client-id-${hex(8)}`;
      const tag = hex(6);
      const res = await chat(g.url, { model: 'openai/gpt-4o', messages, test_tag: tag }, { headers: { 'x-request-id': id } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-request-id'], id);
      assert.equal((await upstreamGot(tag)).headers['x-request-id'], id);
    });

    test('without one, a 32-hex id is generated, unique, returned and sent upstream', async () => {
      const ids = [];
      for (let i = 0; i < 2; i++) {
        const tag = hex(6);
        const res = await chat(g.url, { model: 'openai/gpt-4o', messages, test_tag: tag });
        assert.equal(res.status, 200);
        const id = res.headers['x-request-id'];
        assert.match(String(id), /^[0-9a-f]{32}$/);
        assert.equal((await upstreamGot(tag)).headers['x-request-id'], id);
        ids.push(id);
      }
      assert.notEqual(ids[0], ids[1]);
      await g.waitForLog(new RegExp(`request_id=${ids[1]}`));
    });

    test('streaming and error responses carry X-Request-Id too', async () => {
      const id = `stream-id-${hex(8)}`;
      const s = await streamAll(g.url, { model: 'openai/gpt-4o', messages }, { headers: { 'x-request-id': id } });
      assert.equal(s.headers['x-request-id'], id);
      const bad = await chat(g.url, { model: 'nosuchprovider/x', messages });
      assert.equal(bad.status, 400);
      assert.match(String(bad.headers['x-request-id']), /^[0-9a-f]{32}$/);
      const proxied = await request(g.url, { path: '/proxy/openai/files/x', headers: { 'x-request-id': `proxy-id-${id}` } });
      assert.equal(proxied.headers['x-request-id'], `proxy-id-${id}`);
      assert.equal(proxied.json.headers['x-request-id'], `proxy-id-${id}`, 'proxy upstream did not receive X-Request-Id');
    });

    test('ids of 128 chars are kept, longer ones replaced by a generated one', async () => {
      const ok = 'a'.repeat(120) + hex(4);
      assert.equal(ok.length, 128);
      const r1 = await chat(g.url, { model: 'openai/gpt-4o', messages }, { headers: { 'x-request-id': ok } });
      assert.equal(r1.headers['x-request-id'], ok);
      const tooLong = ok + 'b';
      const tag = hex(6);
      const r2 = await chat(g.url, { model: 'openai/gpt-4o', messages, test_tag: tag }, { headers: { 'x-request-id': tooLong } });
      assert.equal(r2.status, 200);
      assert.match(String(r2.headers['x-request-id']), /^[0-9a-f]{32}$/);
      assert.equal((await upstreamGot(tag)).headers['x-request-id'], r2.headers['x-request-id']);
    });
  });
});

// ---------------------------------------------------------------------------------------
describe('traces', () => {
  const FLUSH = '100ms';
  let up, otlp, gw;
  before(async () => {
    up = await startFakeOpenAI();
    otlp = await startOtlpReceiver();
    gw = await startGateway({
      TELEMETRY_TRACING_ENABLE: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: 'igw-node-test',
      TELEMETRY_TRACE_FLUSH_INTERVAL: FLUSH,
      OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-trace',
    });
  });
  after(async () => { await gw?.kill(); await up?.close(); await otlp?.close(); });

  const HEX32 = /^[0-9a-f]{32}$/;
  const HEX16 = /^[0-9a-f]{16}$/;
  const upstreamGot = (tag) => up.waitForRequest((r) => r.body?.test_tag === tag);
  // Server span of the request with this id, and its CLIENT child.
  const spansOf = (id, { client = true } = {}) => otlp.waitFor((spans) => {
    const server = spans.find((s) => s.kind === 2 && s.attrs['inference_gateway.request_id'] === id);
    if (!server) return null;
    if (!client) return { server };
    const child = spans.find((s) => s.kind === 3 && s.traceId === server.traceId && s.parentSpanId === server.spanId);
    return child ? { server, client: child } : null;
  }, { what: `server${client ? ' + client' : ''} span of request ${id}` });

  const assertTimes = (s) => {
    assert.equal(typeof s.startTimeUnixNano, 'string', `${s.name}: startTimeUnixNano must be a string`);
    assert.equal(typeof s.endTimeUnixNano, 'string', `${s.name}: endTimeUnixNano must be a string`);
    const start = BigInt(s.startTimeUnixNano);
    const end = BigInt(s.endTimeUnixNano);
    assert.ok(end >= start, `${s.name}: ends before it starts`);
    const now = BigInt(Date.now()) * 1_000_000n;
    assert.ok(start > now - 120_000_000_000n && start <= now, `${s.name}: start time ${start} is not recent (now ${now})`);
    return [start, end];
  };

  test('server span with a client child for the upstream call', async () => {
    const id = `trace-req-${hex(6)}`;
    const tag = hex(6);
    const res = await chat(gw.url, { model: 'openai/gpt-4o', messages, test_tag: tag }, { headers: { 'x-request-id': id } });
    assert.equal(res.status, 200);
    const { server, client } = await spansOf(id);

    assert.match(server.traceId, HEX32);
    assert.notEqual(server.traceId, '0'.repeat(32));
    assert.match(server.spanId, HEX16);
    assert.ok(!server.parentSpanId, `root server span has parentSpanId ${server.parentSpanId}`);
    assert.equal(server.name, 'POST /v1/chat/completions');
    assert.equal(server.kind, 2);
    assert.equal(server.attrs['http.request.method'], 'POST');
    assert.equal(server.attrs['url.path'], CHAT);
    assert.equal(server.attrs['http.response.status_code'], 200);
    assert.equal(server.attrs['gen_ai.provider.name'], 'openai');
    assert.equal(server.attrs['inference_gateway.request_id'], id);
    assert.equal(server.status.code, 1);
    assert.equal(server.resource['service.name'], 'igw-node-test');

    assert.match(client.spanId, HEX16);
    assert.notEqual(client.spanId, server.spanId);
    assert.equal(client.traceId, server.traceId);
    assert.equal(client.parentSpanId, server.spanId);
    assert.equal(client.kind, 3);
    assert.equal(client.name, 'chat gpt-4o');
    assert.equal(client.attrs['gen_ai.provider.name'], 'openai');
    assert.equal(client.attrs['gen_ai.request.model'], 'gpt-4o');
    assert.equal(client.attrs['gen_ai.usage.input_tokens'], USAGE.prompt_tokens);
    assert.equal(client.attrs['gen_ai.usage.output_tokens'], USAGE.completion_tokens);
    assert.equal(client.attrs['http.response.status_code'], 200);
    assert.equal(client.status.code, 1);

    const [ss, se] = assertTimes(server);
    const [cs, ce] = assertTimes(client);
    assert.ok(cs >= ss && ce <= se, 'client span is not within its server span');

    // The upstream request continues the same trace, with the CLIENT span as parent.
    assert.equal((await upstreamGot(tag)).headers.traceparent, `00-${server.traceId}-${client.spanId}-01`);
  });

  test('export requests: POST /v1/traces, application/json, ExportTraceServiceRequest shape', () => {
    assert.ok(otlp.requests.length > 0);
    for (const r of otlp.requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.path, '/v1/traces');
      assert.match(String(r.headers['content-type']), /^application\/json\b/);
      assert.ok(r.body && Array.isArray(r.body.resourceSpans), `not an ExportTraceServiceRequest: ${r.rawBody.slice(0, 300)}`);
      for (const rs of r.body.resourceSpans) {
        assert.ok(Array.isArray(rs.resource?.attributes));
        for (const ss of rs.scopeSpans) {
          assert.ok(Array.isArray(ss.spans));
          for (const s of ss.spans) {
            for (const a of s.attributes ?? []) {
              const kinds = Object.keys(a.value ?? {});
              assert.equal(kinds.length, 1, `attribute ${a.key} value ${JSON.stringify(a.value)}`);
              assert.ok(['stringValue', 'intValue', 'boolValue', 'doubleValue'].includes(kinds[0]), `attribute ${a.key}: ${kinds[0]}`);
            }
            assert.ok([1, 2].includes(s.status?.code ?? 1) || s.status?.code === 0, `status ${JSON.stringify(s.status)}`);
          }
        }
      }
    }
  });

  test('streaming request: client span has the token counts of the usage chunk', async () => {
    const id = `trace-stream-${hex(6)}`;
    await streamAll(gw.url, { model: 'openai/gpt-4o', messages }, { headers: { 'x-request-id': id } });
    const { server, client } = await spansOf(id);
    assert.equal(server.attrs['http.response.status_code'], 200);
    assert.equal(client.name, 'chat gpt-4o');
    assert.equal(client.attrs['gen_ai.usage.input_tokens'], USAGE.prompt_tokens);
    assert.equal(client.attrs['gen_ai.usage.output_tokens'], USAGE.completion_tokens);
  });

  test('incoming traceparent: the server span joins the trace, upstream gets the client span as parent', async () => {
    const traceId = hex(16);
    const parent = hex(8);
    const id = `trace-prop-${hex(6)}`;
    const tag = hex(6);
    const res = await chat(gw.url, { model: 'openai/gpt-4o', messages, test_tag: tag }, { headers: { 'x-request-id': id, traceparent: `00-${traceId}-${parent}-01` } });
    assert.equal(res.status, 200);
    const { server, client } = await spansOf(id);
    assert.equal(server.traceId, traceId);
    assert.equal(server.parentSpanId, parent);
    assert.notEqual(server.spanId, parent);
    assert.equal(client.traceId, traceId);
    assert.equal(client.parentSpanId, server.spanId);
    const rec = await upstreamGot(tag);
    assert.equal(rec.headers.traceparent, `00-${traceId}-${client.spanId}-01`);
    assert.ok(!String(rec.headers.traceparent).includes(parent), 'the client\'s own span id was forwarded upstream');
  });

  test('an invalid traceparent starts a new trace', async () => {
    const id = `trace-bad-${hex(6)}`;
    const bad = `00-${'0'.repeat(32)}-${hex(8)}-01`;
    assert.equal((await chat(gw.url, { model: 'openai/gpt-4o', messages }, { headers: { 'x-request-id': id, traceparent: bad } })).status, 200);
    const { server } = await spansOf(id);
    assert.match(server.traceId, HEX32);
    assert.notEqual(server.traceId, '0'.repeat(32));
    assert.ok(!server.parentSpanId, `parentSpanId ${server.parentSpanId} taken from an invalid traceparent`);
  });

  test('upstream error: spans carry the status, error status code 2', async () => {
    const id = `trace-err-${hex(6)}`;
    assert.equal((await chat(gw.url, { model: 'openai/error-500', messages }, { headers: { 'x-request-id': id } })).status, 500);
    const { server, client } = await spansOf(id);
    assert.equal(client.attrs['http.response.status_code'], 500);
    assert.equal(client.status.code, 2);
    assert.equal(server.attrs['http.response.status_code'], 500);
    assert.equal(server.status.code, 2);
  });

  test('requests without an upstream call (400 unknown provider) still get a server span', async () => {
    const id = `trace-400-${hex(6)}`;
    assert.equal((await chat(gw.url, { model: 'nosuchprovider/x', messages }, { headers: { 'x-request-id': id } })).status, 400);
    const { server } = await spansOf(id, { client: false });
    assert.equal(server.name, 'POST /v1/chat/completions');
    assert.equal(server.attrs['http.response.status_code'], 400);
    assert.ok(!otlp.spans().some((s) => s.traceId === server.traceId && s.kind === 3), 'a CLIENT span for a request never sent upstream');
  });

  test('TELEMETRY_TRACE_SAMPLE_RATIO=0 records no new traces but honours a sampled client traceparent', async () => {
    const o = await startOtlpReceiver();
    // One worker: one span buffer, so export order is completion order.
    const g = await startGateway({ SERVER_THREADS: '1', TELEMETRY_TRACING_ENABLE: 'true', TELEMETRY_TRACE_SAMPLE_RATIO: '0', OTEL_EXPORTER_OTLP_ENDPOINT: o.url, TELEMETRY_TRACE_FLUSH_INTERVAL: FLUSH, OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-x' });
    try {
      const unsampled = `trace-unsampled-${hex(6)}`;
      const sampled = `trace-sampled-${hex(6)}`;
      const tag = hex(6);
      assert.equal((await chat(g.url, { model: 'openai/gpt-4o', messages, test_tag: tag }, { headers: { 'x-request-id': unsampled } })).status, 200);
      // The provider is told the trace is not sampled.
      const rec = await upstreamGot(tag);
      assert.match(rec.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      const parent = `00-${hex(16)}-${hex(8)}-01`;
      assert.equal((await chat(g.url, { model: 'openai/gpt-4o', messages }, { headers: { 'x-request-id': sampled, traceparent: parent } })).status, 200);
      // Spans are exported in completion order: once the later request's span is in, the earlier
      // one would have been too.
      await o.waitForSpan((s) => s.attrs['inference_gateway.request_id'] === sampled);
      assert.ok(!o.spans().some((s) => s.attrs['inference_gateway.request_id'] === unsampled), 'unsampled request was exported');
    } finally { await g.kill(); await o.close(); }
  });

  test('TELEMETRY_TRACING_ENABLED (alias); service.name defaults to inference-gateway', async () => {
    const o = await startOtlpReceiver();
    const g = await startGateway({ TELEMETRY_TRACING_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: o.url, TELEMETRY_TRACE_FLUSH_INTERVAL: FLUSH, OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-x' });
    try {
      const id = `trace-alias-${hex(6)}`;
      assert.equal((await chat(g.url, { model: 'openai/gpt-4o', messages }, { headers: { 'x-request-id': id } })).status, 200);
      const server = await o.waitForSpan((s) => s.attrs['inference_gateway.request_id'] === id);
      assert.equal(server.resource['service.name'], 'inference-gateway');
    } finally { await g.kill(); await o.close(); }
  });

  test('collector down: requests still succeed, dropped spans counted in llm_trace_spans_dropped_total', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const flushMs = 100;
    const g = await startGateway({
      TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
      TELEMETRY_TRACING_ENABLE: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: dead, TELEMETRY_TRACE_FLUSH_INTERVAL: `${flushMs}ms`,
      OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-x',
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await chat(g.url, { model: 'openai/gpt-4o', messages });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json.object, 'chat.completion');
      }
      await streamAll(g.url, { model: 'openai/gpt-4o', messages });
      // Bounded: many flush intervals (and export attempts) for the failed exports to be counted.
      let last;
      await eventually(async () => {
        last = await scrapeMetrics(g.metricsUrl);
        return (last.get('llm_trace_spans_dropped_total', {}) ?? 0) > 0;
      }, { timeoutMs: Math.max(15_000, 100 * flushMs), what: 'llm_trace_spans_dropped_total > 0' })
        .catch((e) => { throw new Error(`${e.message}\n${last?.text.split('\n').filter((l) => /dropped/.test(l)).join('\n') || '(no *dropped* lines on /metrics)'}`); });
      assert.equal(last.types.llm_trace_spans_dropped_total, 'counter');
      // and the gateway still serves
      assert.equal((await chat(g.url, { model: 'openai/gpt-4o', messages })).status, 200);
    } finally { await g.kill(); }
  });
});

// ---------------------------------------------------------------------------------------
// The gateway reads token usage (and tool-call names) out of answers only when something uses
// them: metrics, traces, the access log, limits. Each consumer alone, with the access log off,
// still gets every count.
describe('token usage with the access log off', () => {
  let up;
  before(async () => { up = await startFakeOpenAI(); });
  after(async () => { await up?.close(); });

  test('metrics alone (LOG_LEVEL=error) count the tokens and tool calls of plain and streamed answers', async () => {
    const g = await startGateway({
      LOG_LEVEL: 'error', TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
      OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-quiet-metrics',
    }, { quiet: true });
    try {
      assert.equal((await chat(g.url, { model: 'openai/tools', messages })).status, 200);
      await streamAll(g.url, { model: 'openai/tools', messages });
      const l = { provider: 'openai', model: 'tools' };
      const m = await eventually(async () => {
        const s = await scrapeMetrics(g.metricsUrl);
        return s.sum('llm_responses_total') >= 2 ? s : null;
      }, { what: 'two responses counted' });
      assert.equal(m.get('llm_usage_prompt_tokens_total', l), 2 * USAGE.prompt_tokens);
      assert.equal(m.get('llm_usage_completion_tokens_total', l), 2 * USAGE.completion_tokens);
      assert.equal(m.get('llm_usage_total_tokens_total', l), 2 * USAGE.total_tokens);
      assert.equal(m.get('llm_tool_calls_total', { ...l, tool_type: 'standard_tool_use', tool_name: TOOL_CALLS[0].name }), 2);
    } finally { await g.kill(); }
  });

  test('traces alone (LOG_LEVEL=error) carry the usage of the answer', async () => {
    const o = await startOtlpReceiver();
    const g = await startGateway({
      LOG_LEVEL: 'error', TELEMETRY_TRACING_ENABLE: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: o.url,
      TELEMETRY_TRACE_FLUSH_INTERVAL: '100ms', OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-quiet-trace',
    }, { quiet: true });
    try {
      const id = `quiet-trace-${hex(6)}`;
      assert.equal((await chat(g.url, { model: 'openai/gpt-4o', messages }, { headers: { 'x-request-id': id } })).status, 200);
      const client = await o.waitForSpan((s) => s.kind === 3 && s.attrs['gen_ai.usage.input_tokens'] !== undefined &&
        o.spans().some((p) => p.spanId === s.parentSpanId && p.attrs['inference_gateway.request_id'] === id));
      assert.equal(client.attrs['gen_ai.usage.input_tokens'], USAGE.prompt_tokens);
      assert.equal(client.attrs['gen_ai.usage.output_tokens'], USAGE.completion_tokens);
    } finally { await g.kill(); await o.close(); }
  });
});
