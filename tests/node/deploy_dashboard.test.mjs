// deploy/: the Grafana dashboard only queries metrics (and labels) the gateway exports,
// its PromQL parses, and the Prometheus scrape config is valid.
import { test } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { METRICS, seriesNames, labelsOf, findPromtool, PROMTOOL_MISSING } from './helpers/telemetry_contract.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DASHBOARD = path.join(root, 'deploy/grafana/inference-gateway-dashboard.json');
const PROM_CONFIG = path.join(root, 'deploy/prometheus/prometheus.yml');
const DS_UID = '${DS_PROMETHEUS}';
// Labels Prometheus attaches to every scraped series.
const TARGET_LABELS = ['job', 'instance'];

// PromQL functions and aggregation operators a dashboard may call.
const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'avg', 'avg_over_time', 'bottomk', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min',
  'count', 'count_over_time', 'count_values', 'day_of_month', 'day_of_week', 'delta', 'deriv', 'exp', 'floor', 'group',
  'histogram_quantile', 'histogram_count', 'histogram_sum', 'histogram_fraction', 'holt_winters', 'idelta', 'increase', 'irate', 'label_join', 'label_replace',
  'last_over_time', 'ln', 'log10', 'log2', 'max', 'max_over_time', 'min', 'min_over_time', 'predict_linear', 'quantile',
  'quantile_over_time', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sqrt', 'stddev', 'stddev_over_time',
  'stdvar', 'sum', 'sum_over_time', 'time', 'timestamp', 'topk', 'vector',
]);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'atan2']);

// Grafana's built-in and dashboard variables -> something PromQL accepts.
const substituteVars = (expr) => expr
  .replace(/\$__rate_interval|\$__interval|\$\{__rate_interval\}|\$\{__interval\}/g, '1m')
  .replace(/\$__range|\$\{__range\}/g, '1h')
  .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '.*');

// Metric names, label names per selector, and grouping labels in one PromQL expression.
export function analysePromQL(expr) {
  let s = substituteVars(expr);
  const matchers = []; // { metric, labels: [] }
  const grouping = [];
  // label matchers {a="x", b=~"y"}: take the names, remember the metric they follow
  s = s.replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g, (_, metric, body) => {
    const inner = body.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
    const labels = [...inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((m) => m[1]);
    matchers.push({ metric, labels });
    return metric ? ` ${metric} ` : ' ';
  });
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' '); // range / subquery selectors
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, kw, body) => {
    grouping.push(...body.split(',').map((x) => x.trim()).filter(Boolean));
    return ' ';
  });
  const metrics = [];
  const functions = [];
  for (const m of s.matchAll(/(?<![a-zA-Z0-9_:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, id, call] = m;
    if (call) functions.push(id);
    else if (!KEYWORDS.has(id.toLowerCase())) metrics.push(id);
  }
  return { metrics: [...new Set(metrics)], functions, matchers, grouping };
}

function loadDashboard() {
  const text = fs.readFileSync(DASHBOARD, 'utf8');
  return JSON.parse(text);
}

// All panels, including those nested in (collapsed) rows.
function allPanels(d) {
  const out = [];
  const walk = (list) => { for (const p of list ?? []) { out.push(p); walk(p.panels); } };
  walk(d.panels);
  return out;
}
const queryPanels = (d) => allPanels(d).filter((p) => p.type !== 'row');
const allExprs = (d) => queryPanels(d).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })))
  .concat((d.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => ({ panel: `variable ${v.name}`, refId: '-', expr: null, variable: v })));

test('dashboard: valid JSON, schemaVersion ~39, Prometheus data source variable ${DS_PROMETHEUS}', () => {
  const d = loadDashboard();
  assert.equal(typeof d.title, 'string');
  assert.ok(d.schemaVersion >= 36 && d.schemaVersion <= 41, `schemaVersion ${d.schemaVersion}`);
  const dsVar = d.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
  assert.ok(dsVar, 'no DS_PROMETHEUS variable');
  assert.equal(dsVar.type, 'datasource');
  assert.equal(dsVar.query, 'prometheus');
  const ids = allPanels(d).map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
  for (const p of queryPanels(d)) {
    assert.deepEqual(p.datasource, { type: 'prometheus', uid: DS_UID }, `panel "${p.title}" data source`);
    assert.ok(Array.isArray(p.targets) && p.targets.length > 0, `panel "${p.title}" has no queries`);
    for (const t of p.targets) {
      assert.equal(t.datasource?.uid ?? DS_UID, DS_UID, `panel "${p.title}" ${t.refId} data source`);
      assert.equal(typeof t.expr, 'string', `panel "${p.title}" ${t.refId}: no expr`);
      assert.ok(t.expr.trim().length > 0);
    }
    const g = p.gridPos;
    assert.ok(g && g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `panel "${p.title}" gridPos ${JSON.stringify(g)}`);
  }
});

test('dashboard: every PromQL expr selects only contract metrics, with their labels', () => {
  const d = loadDashboard();
  const known = seriesNames();
  const problems = [];
  const exprs = allExprs(d).map((e) => (e.variable ? { ...e, expr: String(e.variable.query?.query ?? e.variable.query ?? e.variable.definition) } : e));
  for (const { panel, refId, expr } of exprs) {
    let src = expr;
    // label_values(metric, label) in variable queries
    const lv = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(src.trim());
    if (lv) {
      if (!known.has(lv[1])) problems.push(`${panel}: unknown metric ${lv[1]}`);
      else if (!labelsOf(lv[1]).has(lv[2])) problems.push(`${panel}: ${lv[1]} has no label ${lv[2]}`);
      continue;
    }
    const a = analysePromQL(src);
    if (a.metrics.length === 0) problems.push(`${panel} ${refId}: selects no metric: ${expr}`);
    for (const m of a.metrics) if (!known.has(m)) problems.push(`${panel} ${refId}: unknown metric "${m}" in ${expr}`);
    for (const f of a.functions) if (!FUNCTIONS.has(f)) problems.push(`${panel} ${refId}: unknown function "${f}" in ${expr}`);
    for (const { metric, labels } of a.matchers) {
      if (!metric || !known.has(metric)) continue;
      const allowed = new Set([...labelsOf(metric), ...TARGET_LABELS]);
      for (const l of labels) if (!allowed.has(l)) problems.push(`${panel} ${refId}: ${metric} has no label "${l}"`);
    }
    const usable = new Set([...TARGET_LABELS, ...a.metrics.filter((m) => known.has(m)).flatMap((m) => [...labelsOf(m)])]);
    for (const l of a.grouping) if (!usable.has(l)) problems.push(`${panel} ${refId}: groups by "${l}", which none of ${a.metrics.join(', ')} has`);
    if (a.functions.includes('histogram_quantile')) {
      if (!a.metrics.every((m) => m.endsWith('_bucket'))) problems.push(`${panel} ${refId}: histogram_quantile over a non-bucket series: ${expr}`);
      if (!a.grouping.includes('le')) problems.push(`${panel} ${refId}: histogram_quantile without "le" in the aggregation: ${expr}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('dashboard: has the promised panels', () => {
  const exprs = allExprs(loadDashboard()).filter((e) => e.expr).map((e) => e.expr.replace(/\s+/g, ' '));
  const has = (re, what) => assert.ok(exprs.some((e) => re.test(e)), `no query for ${what}`);
  has(/sum by \(provider\) \(rate\(llm_requests_total/, 'request rate by provider');
  has(/100 \* .*llm_responses_total\{[^}]*status_code=~"5\.\."/, 'error rate %');
  for (const q of ['0.5', '0.95', '0.99']) has(new RegExp(`histogram_quantile\\(${q.replace('.', '\\.')}, .*llm_request_duration_bucket`), `p${q.slice(2).padEnd(2, '0')} latency`);
  has(/histogram_quantile\(0\.95, .*llm_time_to_first_token_bucket/, 'time to first token p95');
  has(/by \(provider, model\) .*llm_usage_prompt_tokens_total/, 'prompt tokens by provider/model');
  has(/by \(provider, model\) .*llm_usage_completion_tokens_total/, 'completion tokens by provider/model');
  has(/by \(tool_type\) .*llm_tool_calls_total/, 'tool calls by type');
  has(/llm_tool_calls_success_total.*llm_tool_calls_failure_total/, 'tool call success rate');
  has(/llm_requests_in_flight/, 'in-flight requests');
  has(/llm_upstream_idle_connections/, 'idle upstream connections');
});

test('dashboard: promtool parses every PromQL expr (as recording rules)', () => {
  const promtool = findPromtool();
  assert.ok(promtool, PROMTOOL_MISSING);
  const d = loadDashboard();
  const rules = allExprs(d).filter((e) => e.expr).map((e, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(substituteVars(e.expr))}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-dash-'));
  try {
    const file = path.join(dir, 'rules.yml');
    fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('')}`);
    const r = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check rules:\n${r.stdout}${r.stderr}`);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('analysePromQL catches a misspelt metric and label (self-test)', () => {
  const a = analysePromQL('histogram_quantile(0.95, sum by (le, provdier) (rate(llm_request_durations_bucket{provider=~"$provider", modle="x"}[$__rate_interval])))');
  assert.deepEqual(a.metrics, ['llm_request_durations_bucket']);
  assert.ok(!seriesNames().has('llm_request_durations_bucket'));
  assert.deepEqual(a.matchers[0].labels, ['provider', 'modle']);
  assert.deepEqual(a.grouping, ['le', 'provdier']);
  assert.deepEqual(analysePromQL('sum(llm_requests_in_flight) / 100 * 1e3 + sum(rate(llm_requests_total[5m] offset 1h))').metrics, ['llm_requests_in_flight', 'llm_requests_total']);
  assert.ok(Object.keys(METRICS).length > 10);
});

test('prometheus.yml: promtool check config, scrapes :9464/metrics every 5s', () => {
  const text = fs.readFileSync(PROM_CONFIG, 'utf8');
  assert.match(text, /^\s*scrape_interval:\s*5s\s*$/m);
  assert.match(text, /targets:\s*\[[^\]]*:9464["']?\s*\]/);
  assert.match(text, /job_name:\s*["']?inference-gateway/);
  const promtool = findPromtool();
  assert.ok(promtool, PROMTOOL_MISSING);
  const r = spawnSync(promtool, ['check', 'config', PROM_CONFIG], { encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool check config:\n${r.stdout}${r.stderr}`);
});
