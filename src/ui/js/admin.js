// Keys & spend: the admin API's key list, and teams / limits / spend where the gateway has
// those endpoints (each section says when it does not).
import { getJson, ApiError } from './api.js';
import { table } from './dashboard.js';

const $ = (id) => document.getElementById(id);

function note(text) {
  const p = document.createElement('p');
  p.className = 'muted';
  p.textContent = text;
  return p;
}

function why(err, what) {
  if (err instanceof ApiError) {
    if (err.status === 404) return note(`${what}: not available on this gateway.`);
    if (err.status === 401 || err.status === 403) return note(`${what}: ${err.message}`);
  }
  return note(`${what} could not be loaded: ${err.message}`);
}

const date = (s) => (typeof s === 'number' ? new Date(s * 1000).toISOString().slice(0, 16).replace('T', ' ')
  : typeof s === 'string' ? s.slice(0, 16).replace('T', ' ') : '—');

async function loadKeys() {
  const box = $('keys');
  try {
    const keys = (await getJson('/admin/keys')).data || [];
    if (!keys.length) {
      box.replaceChildren(note('No API keys yet (POST /admin/keys creates one).'));
      return;
    }
    const rows = keys.map((k) => [k.name || k.id, k.prefix ? `${k.prefix}…` : '', k.team || '',
      (k.models || []).join(', ') || 'all', k.revoked ? 'revoked' : 'active', date(k.last_used_at)]);
    const t = table(['Name', 'Key', 'Team', 'Models', 'State', 'Last used'], rows);
    t.id = 'keys-table';
    box.replaceChildren(t);
  } catch (err) {
    box.replaceChildren(why(err, 'API keys'));
  }
}

// Any list the endpoint returns, as a table of its scalar fields.
function genericTable(items) {
  const cols = [...new Set(items.flatMap((i) => Object.keys(i).filter((k) => typeof i[k] !== 'object' || i[k] === null)))].slice(0, 7);
  return table(cols, items.map((i) => cols.map((c) => (i[c] === null || i[c] === undefined ? '' : String(i[c])))));
}

const usd = (v) => (typeof v === 'number' ? `$${v.toFixed(v < 1 ? 4 : 2)}` : '');
const tokens = (t) => (t && typeof t === 'object' ? String(t.total ?? '') : t ?? '');

// GET /admin/spend?group_by=team: {total: {usd, requests, tokens}, groups: [{group, ...}]}.
function spendTable(j) {
  const box = document.createDocumentFragment();
  if (j.total) {
    box.append(note(`All: ${usd(j.total.usd)} · ${j.total.requests ?? 0} requests · ${tokens(j.total.tokens)} tokens`));
  }
  if (Array.isArray(j.groups) && j.groups.length) {
    const t = table(['Team', 'Requests', 'Tokens', 'Cost'],
      j.groups.map((g) => [g.group || '(none)', String(g.requests ?? ''), tokens(g.tokens), usd(g.usd)]), [1, 2, 3]);
    t.id = 'spend-table';
    box.append(t);
  }
  return box;
}

// One section: a heading, then the endpoint's answer or why there is none (404: the gateway
// does not have that endpoint; 401/403: this credential may not see it).
async function section(parts, what, path, render) {
  const h = document.createElement('h3');
  h.textContent = what;
  parts.push(h);
  try {
    parts.push(render(await getJson(path)));
  } catch (err) {
    parts.push(why(err, what));
  }
}

async function loadSpend() {
  const box = $('spend');
  const parts = [];
  await section(parts, 'Teams', '/admin/teams', (j) => {
    const items = Array.isArray(j) ? j : Array.isArray(j.data) ? j.data : [j];
    return items.length ? genericTable(items) : note('No teams yet (POST /admin/teams creates one).');
  });
  await section(parts, 'Spend by team', '/admin/spend?group_by=team', (j) => (j.total || j.groups ? spendTable(j) : genericTable([j])));
  await section(parts, 'This credential', '/v1/key', (j) => genericTable([j]));
  box.replaceChildren(...parts);
}

export function showAdmin() {
  loadKeys();
  loadSpend();
}
