// A small SVG line chart: a few series over the same time window, null = no data (a gap).
const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#2f6fed', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a', '#0c8599'];

function svg(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function label(v) {
  if (v >= 1000) return `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k`;
  return v >= 10 || v === 0 ? String(Math.round(v)) : v.toFixed(1);
}

export function lineChart(container, series) {
  const W = 300;
  const H = 110;
  const left = 30;
  const top = 6;
  const bottom = 14;
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
  const max = niceMax(Math.max(0, ...all));
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const x = (i) => left + ((W - left - 4) * i) / (n - 1);
  const y = (v) => top + (H - top - bottom) * (1 - v / max);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img' });
  const last = series.map((s) => `${s.name} ${label([...s.values].reverse().find((v) => v !== null) ?? 0)}`);
  root.append(svg('title', {}));
  root.firstChild.textContent = last.join(', ');
  root.setAttribute('aria-label', last.join(', '));
  for (const frac of [0, 0.5, 1]) {
    const yy = y(max * frac);
    root.append(svg('line', { x1: left, x2: W - 4, y1: yy, y2: yy, class: 'axis', 'stroke-width': 0.5 }));
    const t = svg('text', { x: left - 3, y: yy + 3, 'text-anchor': 'end' });
    t.textContent = label(max * frac);
    root.append(t);
  }
  const since = svg('text', { x: left, y: H - 2 });
  since.textContent = `${n * 2} s`;
  root.append(since);
  series.forEach((s, k) => {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) {
      root.append(svg('path', {
        d, fill: 'none', stroke: COLORS[k % COLORS.length], 'stroke-width': 1.6,
        'vector-effect': 'non-scaling-stroke', 'stroke-linejoin': 'round',
      }));
    }
  });
  const legend = document.createElement('div');
  legend.className = 'legend';
  series.forEach((s, k) => {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = COLORS[k % COLORS.length];  // CSSOM: allowed by the CSP
    item.append(swatch, last[k]);
    legend.append(item);
  });
  container.replaceChildren(root, legend);
}
