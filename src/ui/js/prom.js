// Prometheus text format (0.0.4) -> Map(name -> [{labels, value}]), and quantiles from
// histogram buckets, for the dashboard's charts.

function parseLabels(text) {
  const labels = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

export function parsePrometheus(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    if (Number.isNaN(value)) continue;
    if (!out.has(m[1])) out.set(m[1], []);
    out.get(m[1]).push({ labels: m[2] ? parseLabels(m[2]) : {}, value });
  }
  return out;
}

// q-quantile from cumulative buckets (Map le -> count), interpolated within the bucket like
// PromQL's histogram_quantile; null without observations.
export function histogramQuantile(q, buckets) {
  const sorted = [...buckets.entries()]
    .map(([le, count]) => [le === '+Inf' ? Infinity : Number(le), count])
    .sort((a, b) => a[0] - b[0]);
  if (!sorted.length) return null;
  const total = sorted[sorted.length - 1][1];
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      const inBucket = count - prevCount;
      return inBucket > 0 ? prevLe + (le - prevLe) * ((rank - prevCount) / inBucket) : le;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
