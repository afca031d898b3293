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

async function loadSpend() {
  const box = $('spend');
  const parts = [];
  for (const [path, what] of [['/admin/teams', 'Teams'], ['/admin/spend', 'Spend']]) {
    const h = document.createElement('h3');
    h.textContent = what;
    parts.push(h);
    try {
      const j = await getJson(path);
      const items = Array.isArray(j) ? j : Array.isArray(j.data) ? j.data : [j];
      parts.push(items.length ? genericTable(items) : note(`No ${what.toLowerCase()} yet.`));
    } catch (err) {
      parts.push(why(err, what));
    }
  }
  box.replaceChildren(...parts);
}

export function showAdmin() {
  loadKeys();
  loadSpend();
}
