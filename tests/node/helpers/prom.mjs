// Prometheus text exposition format (0.0.4): a small parser and query helpers.
//
//   const m = parseMetrics(text);
//   m.types['llm_requests_total']        -> 'counter'
//   m.samples                             -> [{ name, labels: {..}, value: Number, line }]
//   m.get('llm_requests_total', { provider: 'openai', request_method: 'POST', request_path: '/v1/chat/completions' })
//       -> value of the sample whose label set is EXACTLY that (undefined if absent)
//   m.sum('llm_requests_total', { provider: 'openai' })   -> sum over samples whose labels include these
//   m.find('llm_requests_total', partialLabels)           -> matching samples
//   m.family('llm_request_duration')                      -> samples of the family (incl. _bucket/_sum/_count)
//   const m = await scrapeMetrics(gw.metricsUrl)          -> also m.headers, m.status, m.text
import assert from 'node:assert/strict';
import { request } from './http.mjs';

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL = /[a-zA-Z_][a-zA-Z0-9_]*/y;

function parseValue(s) {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`bad sample value ${JSON.stringify(s)}`);
  return Number(s);
}

function parseSampleLine(line) {
  let i = 0;
  NAME.lastIndex = 0;
  const nm = NAME.exec(line);
  if (!nm) throw new Error(`bad metric name in line: ${line}`);
  const name = nm[0];
  i = NAME.lastIndex;
  const labels = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ') i++;
      if (line[i] === '}') { i++; break; }
      LABEL.lastIndex = i;
      const lm = LABEL.exec(line);
      if (!lm) throw new Error(`bad label name at ${i} in line: ${line}`);
      const key = lm[0];
      i = LABEL.lastIndex;
      if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`expected ="..." at ${i} in line: ${line}`);
      i += 2;
      let val = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`unterminated label value in line: ${line}`);
        if (c === '"') { i++; break; }
        if (c === '\\') {
          const e = line[i + 1];
          if (e === 'n') val += '\n';
          else if (e === '\\') val += '\\';
          else if (e === '"') val += '"';
          else throw new Error(`bad escape \\${e} in line: ${line}`);
          i += 2;
        } else { val += c; i++; }
      }
      if (key in labels) throw new Error(`duplicate label ${key} in line: ${line}`);
      labels[key] = val;
      while (line[i] === ' ') i++;
      if (line[i] === ',') { i++; continue; }
      if (line[i] === '}') { i++; break; }
      throw new Error(`expected , or } at ${i} in line: ${line}`);
    }
  }
  if (line[i] !== ' ' && line[i] !== '\t') throw new Error(`expected a space before the value in line: ${line}`);
  const rest = line.slice(i).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2) throw new Error(`bad value/timestamp in line: ${line}`);
  const value = parseValue(rest[0]);
  if (rest.length === 2 && !/^-?\d+$/.test(rest[1])) throw new Error(`bad timestamp in line: ${line}`);
  return { name, labels, value, line };
}

const sameLabels = (a, b) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
};
const hasLabels = (labels, partial) => Object.entries(partial).every(([k, v]) => labels[k] === v);

export function parseMetrics(text) {
  const samples = [];
  const types = {};
  const help = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (m && m[1] === 'TYPE') {
        if (m[2] in types) throw new Error(`second TYPE line for ${m[2]}`);
        types[m[2]] = (m[3] ?? '').trim();
      } else if (m) help[m[2]] = m[3] ?? '';
      continue;
    }
    samples.push(parseSampleLine(line));
  }
  const find = (name, partial = {}) => samples.filter((s) => s.name === name && hasLabels(s.labels, partial));
  return {
    text, samples, types, help, find,
    get(name, labels = {}) { return samples.find((s) => s.name === name && sameLabels(s.labels, labels))?.value; },
    sum(name, partial = {}) { return find(name, partial).reduce((a, s) => a + s.value, 0); },
    family(base) { return samples.filter((s) => [base, `${base}_bucket`, `${base}_sum`, `${base}_count`].includes(s.name)); },
    // Histogram series of `base` whose labels (minus le) are exactly `labels`:
    // { buckets: [[le, cumulativeCount]], sum, count } or undefined.
    histogram(base, labels = {}) {
      const buckets = samples
        .filter((s) => s.name === `${base}_bucket`)
        .filter((s) => { const { le, ...rest } = s.labels; return le !== undefined && sameLabels(rest, labels); })
        .map((s) => [parseValue(s.labels.le), s.value]);
      const sum = samples.find((s) => s.name === `${base}_sum` && sameLabels(s.labels, labels))?.value;
      const count = samples.find((s) => s.name === `${base}_count` && sameLabels(s.labels, labels))?.value;
      if (!buckets.length && sum === undefined && count === undefined) return undefined;
      return { buckets, sum, count };
    },
  };
}

export async function scrapeMetrics(metricsUrl) {
  const res = await request(metricsUrl, { path: '/metrics' });
  assert.equal(res.status, 200, `GET /metrics -> ${res.status}: ${res.text.slice(0, 500)}`);
  const m = parseMetrics(res.text);
  return Object.assign(m, { status: res.status, headers: res.headers });
}
