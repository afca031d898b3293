// The dashboard: providers (configured, reachable), MCP tools and A2A agents from the listing
// endpoints, and live charts computed from the gateway's own Prometheus metrics.
import { getJson, getText, ApiError } from './api.js';
import { parsePrometheus, histogramQuantile } from './prom.js';
import { lineChart } from './chart.js';

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function badge(text, kind) {
  return el('span', `badge ${kind}`, text);
}

export function table(headers, rows, numeric = []) {
  const t = el('table', 'list');
  const tr = el('tr');
  headers.forEach((h) => tr.append(el('th', '', h)));
  t.appendChild(el('thead')).append(tr);
  const body = t.appendChild(el('tbody'));
  for (const row of rows) {
    const r = el('tr');
    row.forEach((cell, i) => {
      const td = el('td', numeric.includes(i) ? 'num' : '');
      if (cell instanceof Node) td.append(cell);
      else td.textContent = cell ?? '';
      r.append(td);
    });
    body.append(r);
  }
  return t;
}

function note(text) {
  return el('p', 'muted', text);
}

function problem(err, what) {
  if (err instanceof ApiError && err.status === 403) return note(`${what}: ${err.message}`);
  return note(`${what} could not be loaded: ${err.message}`);
}

// Routing aliases (ROUTING_ENABLED): each deployment with its circuit state.
function routingTable(aliases) {
  const tone = { closed: 'ok', open: 'bad', half_open: 'off' };
  const rows = aliases.map((a) => {
    const cell = el('span');
    for (const d of a.deployments) {
      const b = badge(`${d.provider}/${d.model}: ${d.state.replace('_', ' ')}`, tone[d.state] || 'off');
      b.title = d.latency_ms == null ? `${d.in_flight} in flight` : `${d.in_flight} in flight, ${d.latency_ms} ms to first token`;
      cell.append(b, ' ');
    }
    return [a.alias, a.strategy.replace('_', ' '), cell];
  });
  const t = table(['Alias', 'Strategy', 'Deployments'], rows);
  t.id = 'routing-table';
  return t;
}

async function loadProviders() {
  const box = $('providers');
  let list;
  let aliases = [];
  try {
    const answer = await getJson('/ui/api/providers');
    list = answer.data;
    aliases = answer.routing || [];
  } catch (err) {
    box.replaceChildren(problem(err, 'Providers'));
    return;
  }
  // Reachable: the provider answered its model listing (the gateway leaves out those that fail).
  const counts = new Map();
  await Promise.all(list.filter((p) => p.listed).map(async (p) => {
    try {
      const j = await getJson(`/v1/models?provider=${encodeURIComponent(p.id)}`);
      counts.set(p.id, (j.data || []).length);
    } catch {
      counts.set(p.id, -1);
    }
  }));
  // Listed: has a key, or needs none and its URL was set. Keyless providers (Ollama, vLLM, ...)
  // at their default URL are usable but nobody configured them: shown last, not checked.
  const rank = (p) => (p.listed ? 0 : p.configured ? 1 : 2);
  const rows = [...list].sort((a, b) => rank(a) - rank(b)).map((p) => {
    let state;
    let reach;
    if (p.listed) {
      state = badge('configured', 'ok');
      reach = (counts.get(p.id) ?? -1) > 0 ? badge('reachable', 'ok') : badge('no answer', 'bad');
    } else if (p.configured) {
      state = badge('default URL', 'off');
      reach = badge('not checked', 'off');
    } else {
      state = badge('not configured', 'off');
      reach = badge('—', 'off');
    }
    const n = counts.get(p.id);
    return [p.name || p.id, state, reach, n !== undefined && n >= 0 ? String(n) : ''];
  });
  const t = table(['Provider', 'Configured', 'Reachable', 'Models'], rows, [3]);
  t.id = 'providers-table';
  box.replaceChildren(t);
  if (aliases.length) box.append(el('h3', '', 'Routing aliases'), routingTable(aliases));
}

async function loadMcp(session) {
  const box = $('mcp');
  if (!session.mcp_listing) {
    box.replaceChildren(note('The MCP tools listing is off (MCP_ENABLE and MCP_EXPOSE).'));
    return;
  }
  let tools;
  try {
    tools = (await getJson('/v1/mcp/tools')).data || [];
  } catch (err) {
    box.replaceChildren(problem(err, 'MCP tools'));
    return;
  }
  if (!tools.length) {
    box.replaceChildren(note('No MCP tools (MCP_ENABLE, MCP_SERVERS) or the servers are still connecting.'));
    return;
  }
  const byServer = new Map();
  for (const t of tools) {
    if (!byServer.has(t.server)) byServer.set(t.server, []);
    byServer.get(t.server).push(t);
  }
  const nodes = [];
  for (const [server, list] of byServer) {
    const s = el('div', 'server');
    s.append(el('h3', '', `${server} · ${list.length} tool${list.length > 1 ? 's' : ''}`));
    const tags = el('div', 'tags');
    for (const t of list) {
      const tag = el('span', 'tag', t.name);
      tag.title = `${t.tool} (as the model sees it)${t.description ? `: ${t.description}` : ''}`;
      tags.append(tag);
    }
    s.append(tags);
    nodes.push(s);
  }
  box.replaceChildren(...nodes);
}

async function loadA2a(session) {
  const box = $('a2a');
  if (!session.a2a_listing) {
    box.replaceChildren(note('The A2A agents listing is off (A2A_ENABLE and A2A_EXPOSE).'));
    return;
  }
  let agents;
  try {
    agents = (await getJson('/v1/a2a/agents')).data || [];
  } catch (err) {
    box.replaceChildren(problem(err, 'A2A agents'));
    return;
  }
  if (!agents.length) {
    box.replaceChildren(note('No A2A agents (A2A_ENABLE, A2A_AGENTS).'));
    return;
  }
  const nodes = agents.map((a) => {
    const s = el('div', 'server');
    const h = el('h3', '', `${a.name || a.id || a.url} `);
    h.append(a.ready && a.healthy !== false ? badge('ready', 'ok') : badge(a.last_error ? 'unreachable' : 'connecting', 'bad'));
    s.append(h);
    if (a.description) s.append(el('p', 'muted small', a.description));
    const tags = el('div', 'tags');
    for (const sk of a.skills || []) {
      const tag = el('span', 'tag', sk.tool || sk.id);
      tag.title = [sk.name, sk.description].filter(Boolean).join(': ');
      tags.append(tag);
    }
    s.append(tags);
    return s;
  });
  box.replaceChildren(...nodes);
}

// --- live metrics -------------------------------------------------------------------------

const WINDOW = 60;  // points kept per chart
let samples = [];   // { t, rps, p50, p99, tps, errors: {provider: rate} }
let previous = null;
let timer = null;

function sum(series, filter = () => true) {
  return series.filter(filter).reduce((a, s) => a + s.value, 0);
}

function summarise(metrics) {
  const requests = metrics.get('llm_requests_total') || [];
  const responses = metrics.get('llm_responses_total') || [];
  const tokens = metrics.get('llm_usage_total_tokens_total') || [];
  const buckets = metrics.get('llm_request_duration_bucket') || [];
  const byLe = new Map();
  for (const b of buckets) byLe.set(b.labels.le, (byLe.get(b.labels.le) || 0) + b.value);
  const errors = {};
  for (const r of responses) {
    if (Number(r.labels.status_code) >= 400) errors[r.labels.provider] = (errors[r.labels.provider] || 0) + r.value;
  }
  return { requests: sum(requests), tokens: sum(tokens), byLe, errors };
}

function delta(now, before) {
  const m = new Map();
  for (const [le, v] of now) m.set(le, v - (before.get(le) || 0));
  return m;
}

function providerTable(metrics) {
  const rows = new Map();
  const row = (p) => {
    if (!rows.has(p)) rows.set(p, { requests: 0, errors: 0, tokens: 0, buckets: new Map() });
    return rows.get(p);
  };
  for (const s of metrics.get('llm_requests_total') || []) row(s.labels.provider).requests += s.value;
  for (const s of metrics.get('llm_responses_total') || []) {
    if (Number(s.labels.status_code) >= 400) row(s.labels.provider).errors += s.value;
  }
  for (const s of metrics.get('llm_usage_total_tokens_total') || []) row(s.labels.provider).tokens += s.value;
  for (const s of metrics.get('llm_request_duration_bucket') || []) {
    const b = row(s.labels.provider).buckets;
    b.set(s.labels.le, (b.get(s.labels.le) || 0) + s.value);
  }
  const fmt = (v) => (v === null ? '—' : v < 10 ? v.toFixed(1) : String(Math.round(v)));
  const list = [...rows.entries()].sort((a, b) => b[1].requests - a[1].requests).map(([p, r]) => [
    p, String(r.requests), String(r.errors), String(r.tokens),
    fmt(histogramQuantile(0.5, r.buckets)), fmt(histogramQuantile(0.99, r.buckets)),
  ]);
  if (!list.length) return note('No requests counted yet.');
  const t = table(['Provider', 'Requests', 'Errors', 'Tokens', 'p50 ms', 'p99 ms'], list, [1, 2, 3, 4, 5]);
  t.id = 'metrics-by-provider';
  return t;
}

async function pollMetrics() {
  let text;
  try {
    text = await getText('/ui/api/metrics');
  } catch (err) {
    $('metrics-note').textContent = `— ${err.message}`;
    stopMetrics();
    return;
  }
  const metrics = parsePrometheus(text);
  const now = { t: performance.now(), ...summarise(metrics) };
  $('metrics-note').textContent = '— live, every 2 s';
  if (previous) {
    const dt = (now.t - previous.t) / 1000;
    const buckets = delta(now.byLe, previous.byLe);
    const errors = {};
    for (const p of new Set([...Object.keys(now.errors), ...Object.keys(previous.errors)])) {
      errors[p] = Math.max(0, ((now.errors[p] || 0) - (previous.errors[p] || 0)) / dt);
    }
    samples.push({
      rps: Math.max(0, (now.requests - previous.requests) / dt),
      tps: Math.max(0, (now.tokens - previous.tokens) / dt),
      p50: histogramQuantile(0.5, buckets),
      p99: histogramQuantile(0.99, buckets),
      errors,
    });
    if (samples.length > WINDOW) samples = samples.slice(-WINDOW);
  }
  previous = now;
  drawCharts();
  $('metrics-table').replaceChildren(providerTable(metrics));
}

function drawCharts() {
  // The x axis grows with the samples up to WINDOW (at least 12 points: half a minute).
  const width = Math.min(WINDOW, Math.max(12, samples.length));
  const pad = (values) => [...Array(Math.max(0, width - values.length)).fill(null), ...values];
  lineChart($('chart-rps'), [{ name: 'req/s', values: pad(samples.map((s) => s.rps)) }]);
  // How many samples and the highest rate so far (tests wait on these, people can ignore them).
  $('chart-rps').dataset.samples = String(samples.length);
  $('chart-rps').dataset.peak = String(Math.max(0, ...samples.map((s) => s.rps)));
  lineChart($('chart-latency'), [
    { name: 'p50', values: pad(samples.map((s) => s.p50)) },
    { name: 'p99', values: pad(samples.map((s) => s.p99)) },
  ]);
  lineChart($('chart-tokens'), [{ name: 'tokens/s', values: pad(samples.map((s) => s.tps)) }]);
  const providers = [...new Set(samples.flatMap((s) => Object.keys(s.errors)))];
  lineChart($('chart-errors'), providers.length
    ? providers.map((p) => ({ name: p, values: pad(samples.map((s) => s.errors[p] ?? 0)) }))
    : [{ name: 'errors/s', values: pad(samples.map(() => 0)) }]);
}

function stopMetrics() {
  if (timer) clearInterval(timer);
  timer = null;
}

function startMetrics() {
  stopMetrics();
  previous = null;
  samples = [];
  drawCharts();
  pollMetrics();
  timer = setInterval(pollMetrics, 2000);
}

// session: what /ui/session said (which listings are on).
export function showDashboard(session) {
  loadProviders();
  loadMcp(session);
  loadA2a(session);
  if (session.metrics) {
    startMetrics();
  } else {
    $('metrics-note').textContent = '— metrics are off (TELEMETRY_ENABLE=true turns them on)';
  }
}

export function hideDashboard() {
  stopMetrics();
}
