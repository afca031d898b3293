// Entry point: session (is auth on?), sign-in, tabs. Everything the UI shows comes from the
// gateway's own endpoints, called with the user's credential.
import { credential, setCredential, clearCredential, authEvents, request, errorMessage } from './api.js';
import { initPlayground, loadModels } from './playground.js';
import { showDashboard, hideDashboard } from './dashboard.js';
import { showAdmin } from './admin.js';
import { beginSignIn, completeSignIn } from './oidc.js';

const $ = (id) => document.getElementById(id);
let session = { auth_enabled: false, oidc: null, metrics: false };
let started = false;

const TABS = ['playground', 'dashboard', 'admin'];

function selectTab(name, focus = false) {
  if (!TABS.includes(name)) name = 'playground';
  for (const t of TABS) {
    const tab = $(`tab-${t}`);
    const on = t === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`view-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (window.location.hash !== `#${name}`) window.history.replaceState(null, '', `#${name}`);
  if (name === 'dashboard') showDashboard(session);
  else hideDashboard();
  if (name === 'admin') showAdmin();
}

function initTabs() {
  TABS.forEach((t, i) => {
    const tab = $(`tab-${t}`);
    tab.addEventListener('click', () => selectTab(t));
    tab.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (step) selectTab(TABS[(i + step + TABS.length) % TABS.length], true);
    });
  });
}

function showIdentity() {
  const c = credential();
  $('sign-out').hidden = !session.auth_enabled || !c;
  if (!session.auth_enabled) $('identity').textContent = 'authentication off';
  else if (!c) $('identity').textContent = 'signed out';
  else if (c.split('.').length === 3) $('identity').textContent = 'signed in (SSO)';
  else $('identity').textContent = `signed in (key ${c.slice(0, 10)}…)`;
}

function askForCredential(message = '') {
  const dialog = $('sign-in');
  $('sign-in-error').textContent = message;
  $('sign-in-oidc').hidden = !session.oidc;
  if (!dialog.open) dialog.showModal();
  $('api-key').focus();
}

async function signInWithKey() {
  const key = $('api-key').value.trim();
  if (!key) {
    $('sign-in-error').textContent = 'Enter a gateway API key.';
    return;
  }
  setCredential(key, $('remember').checked);
  // Checked against a route every credential may use (and that the metrics do not count).
  const res = await request('/ui/api/providers').catch(() => null);
  if (res && res.status === 401) {
    clearCredential();
    const { message } = errorMessage(await res.text(), 401);
    $('sign-in-error').textContent = `The gateway refused this key: ${message}`;
    return;
  }
  $('api-key').value = '';
  $('sign-in').close();
  start();
}

function start() {
  showIdentity();
  loadModels();
  const tab = window.location.hash.slice(1);
  if (!started) {
    started = true;
    selectTab(tab);
  } else if (tab === 'dashboard' || tab === 'admin') {
    selectTab(tab);  // reload what the new credential may see
  }
}

async function main() {
  initTabs();
  initPlayground();
  try {
    const res = await fetch('/ui/session');
    if (res.ok) session = await res.json();
  } catch { /* the gateway is down: the playground says so when it lists models */ }

  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    signInWithKey();
  });
  $('sign-in').addEventListener('cancel', (e) => e.preventDefault());  // no way around it
  $('sign-in-oidc').addEventListener('click', () => {
    beginSignIn(session.oidc).catch((err) => { $('sign-in-error').textContent = err.message; });
  });
  $('sign-out').addEventListener('click', () => {
    clearCredential();
    showIdentity();
    askForCredential();
  });
  authEvents.addEventListener('unauthorized', () => {
    if (!session.auth_enabled) return;
    clearCredential();
    showIdentity();
    askForCredential('The gateway asked for a credential (missing, expired or revoked).');
  });

  if (session.auth_enabled && session.oidc) {
    try {
      const token = await completeSignIn(session.oidc);
      if (token) setCredential(token, false);
    } catch (err) {
      askForCredential(err.message);
      return;
    }
  }
  if (session.auth_enabled && !credential()) {
    showIdentity();
    askForCredential();
    return;
  }
  start();
}

main();
