// The web UI at /ui, driven in headless Chromium (playwright-core + Debian's chromium) against the
// real gateway: pick a model and see a streamed Markdown answer, an MCP tool call shown in the
// chat, two models side by side, the dashboard's providers, tools and metrics, and the sign-in
// with a gateway key when authentication is on. No console errors anywhere. Screenshots go to
// tests/node/artifacts/ui-*.png (gitignored).
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startGateway } from './helpers/gateway.mjs';
import { startEverything } from './helpers/servers.mjs';
import { startToolLlm } from './fakes/tool_llm.mjs';
import { closedPort } from './fakes/openai_upstream.mjs';
import { startPkceIdp } from './fakes/pkce_idp.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;

// An OpenAI-compatible model that answers in Markdown (a heading, bold, a list and a code
// block), streamed in small pieces, echoing the question.
const answerFor = (q) => `## Answer\n\nYou asked: **${q}**\n\n- one\n- two\n\n\`\`\`js\nconsole.log("hi from the fake");\n\`\`\`\n`;
async function startMarkdownLlm() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const p = req.url.split('?')[0];
      if (req.method === 'GET' && p.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-ui', object: 'model' }, { id: 'gpt-ui-mini', object: 'model' }] }));
        return;
      }
      const body = JSON.parse(raw || '{}');
      requests.push({ headers: req.headers, body });
      const q = body.messages.filter((m) => m.role === 'user').at(-1).content;
      const text = `[${body.model}]\n\n${answerFor(q)}`;
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 7, completion_tokens: 20, total_tokens: 27 } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta, extra = {}) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
      let out = chunk({ role: 'assistant', content: '' });
      for (let i = 0; i < text.length; i += 7) out += chunk({ content: text.slice(i, i + 7) });
      out += `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 7, completion_tokens: 20, total_tokens: 27 } })}\n\n`;
      res.end(`${out}data: [DONE]\n\n`);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

let browser, md, tools, everything, idp, gw, authGw, tmp;
const CLIENT_ID = 'gateway-ui';

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-ui-'));
  [md, tools, everything, idp] = await Promise.all([startMarkdownLlm(), startToolLlm(), startEverything(),
    startPkceIdp({ clientId: CLIENT_ID, subject: 'alice' })]);
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  const providers = {
    OPENAI_API_URL: md.url, OPENAI_API_KEY: 'sk-provider-openai',
    GROQ_API_URL: tools.url, GROQ_API_KEY: 'sk-provider-groq',
    MISTRAL_API_URL: dead, MISTRAL_API_KEY: 'sk-provider-mistral',
  };
  // A routing alias for the dashboard: the live deployment first, the dead one as fallback.
  fs.writeFileSync(path.join(tmp, 'routing.yaml'), 'models:\n  ui-pool:\n    strategy: fallback\n' +
    '    deployments:\n      - {provider: openai, model: gpt-ui, priority: 1}\n      - {provider: mistral, model: down, priority: 2}\n');
  [gw, authGw, browser] = await Promise.all([
    startGateway({
      ...providers,
      ROUTING_ENABLED: 'true', ROUTING_CONFIG_PATH: path.join(tmp, 'routing.yaml'),
      MCP_ENABLE: 'true', MCP_EXPOSE: 'true', MCP_SERVERS: `everything=${everything.url}`,
      TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
    }),
    startGateway({
      ...providers,
      AUTH_ENABLED: 'true', AUTH_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: `sqlite://${tmp}/gateway.db`,
      AUTH_OIDC_ISSUER: idp.issuer, AUTH_OIDC_CLIENT_ID: CLIENT_ID,
      TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
    }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
  ]);
  await gw.waitForLog(/mcp server ready/);
});

after(async () => {
  await browser?.close();
  await Promise.all([gw?.stop(), authGw?.stop()]);
  everything?.stop();
  await Promise.all([md?.close(), tools?.close(), idp?.close()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// A page that records console errors and uncaught exceptions; the test asserts none happened.
async function openPage(url, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // The Keys & spend tab probes /admin/teams, /admin/spend and /v1/key, which this gateway may
    // not have (yet): the browser logs their 404 itself. Any other failed load is a finding.
    const url = m.location()?.url || '';
    if (/Failed to load resource/.test(m.text()) && /\/(admin\/(teams|spend)|v1\/key)(\?|$)/.test(url)) return;
    problems.push(`console: ${m.text()} (${url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return { page, context, problems };
}

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `ui-${name}.png`) });

async function send(page, text) {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

test('the UI is served from the binary with strict headers; unknown files are 404', async () => {
  const index = await fetch(`${gw.url}/ui`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  const csp = index.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  const html = await index.text();
  assert.match(html, /<script type="module" src="\/ui\/js\/app.js">/);
  assert.doesNotMatch(html, /https?:\/\/(?!127)/, 'no external resources');

  const js = await fetch(`${gw.url}/ui/js/app.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.equal(js.headers.get('cache-control'), 'no-cache');
  const etag = js.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${gw.url}/ui/js/app.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);

  const css = await fetch(`${gw.url}/ui/style.css`);
  assert.match(css.headers.get('content-type'), /^text\/css/);
  for (const p of ['/ui/nope.js', '/ui/../README.md', '/ui/js/', '/ui/api/nothing']) {
    assert.equal((await fetch(`${gw.url}${p}`)).status, 404, p);
  }
  assert.equal((await fetch(`${gw.url}/ui/`, { method: 'POST' })).status, 405);
  // Without authentication the UI files need no credential; with it, neither (the page asks).
  assert.equal((await fetch(`${authGw.url}/ui/`)).status, 200);
  assert.equal((await fetch(`${authGw.url}/ui/api/providers`)).status, 401);
  const session = await (await fetch(`${authGw.url}/ui/session`)).json();
  assert.deepEqual(session, { auth_enabled: true, metrics: true, mcp_listing: false, a2a_listing: false,
    oidc: { issuer: idp.issuer, client_id: CLIENT_ID } });
  // The dashboard's metrics: any credential may not read them, an admin one may.
  const made = await (await fetch(`${authGw.url}/admin/keys`, {
    method: 'POST', headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'not-an-admin' }),
  })).json();
  const metricsWith = (key) => fetch(`${authGw.url}/ui/api/metrics`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal((await metricsWith(made.key)).status, 403);
  const prom = await metricsWith(ADMIN_KEY);
  assert.equal(prom.status, 200);
  assert.match(await prom.text(), /^llm_build_info\{/m);
  assert.equal((await fetch(`${authGw.url}/ui/api/providers`, { headers: { Authorization: `Bearer ${made.key}` } })).status, 200);
  assert.equal((await fetch(`${gw.url}/ui/api/metrics`)).status, 200, 'no auth: open like the API');
  // The page may fetch from the issuer (discovery, token) and nowhere else.
  assert.match((await fetch(`${authGw.url}/ui/`)).headers.get('content-security-policy'),
    new RegExp(`connect-src 'self' ${idp.issuer};`));
});

test('playground: pick a model, send with Enter, the answer streams in as Markdown', async () => {
  const { page, context, problems } = await openPage(`${gw.url}/ui/`);
  const model = page.getByLabel('Model', { exact: true });
  await model.selectOption('openai/gpt-ui');
  await page.getByLabel('System prompt').fill('Answer in Markdown.');
  // Shift+Enter breaks the line instead of sending.
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('first line');
  await box.press('Shift+Enter');
  await box.pressSequentially('second line');
  assert.equal(await box.inputValue(), 'first line\nsecond line');
  await box.fill('What is the gateway?');
  await box.press('Enter');

  const answer = page.locator('.msg.assistant').last();
  await answer.locator('pre code').waitFor();
  await answer.locator('.meta').waitFor();  // the stream is over
  assert.equal(await answer.locator('h4').textContent(), 'Answer');
  assert.equal(await answer.locator('strong').textContent(), 'What is the gateway?');
  assert.equal(await answer.locator('li').count(), 2);
  assert.equal(await answer.locator('pre code').textContent(), 'console.log("hi from the fake");');
  assert.match(await answer.locator('.meta').textContent(), /7 in \/ 20 out tokens/);
  // The gateway got the system prompt and the tool-events opt-in; the provider only its key.
  const sent = md.requests.at(-1);
  assert.equal(sent.body.messages[0].content, 'Answer in Markdown.');
  assert.equal(sent.body.stream, true);
  assert.equal(sent.headers.authorization, 'Bearer sk-provider-openai');

  // Copy as curl: the current request, no credential in it.
  await page.getByRole('button', { name: 'curl' }).click();
  const curl = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(curl, /curl '.*\/v1\/chat\/completions'/);
  assert.match(curl, /"model": "openai\/gpt-ui"/);
  assert.match(curl, /\$GATEWAY_API_KEY/);
  await page.getByRole('button', { name: 'Python' }).click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /from openai import OpenAI/);
  await page.getByRole('button', { name: 'TypeScript' }).click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /import OpenAI from 'openai'/);

  await shot(page, 'playground');
  assert.deepEqual(problems, []);
  await context.close();
});

test('playground: an MCP tool call run by the gateway is shown with its input, output and timing', async () => {
  const { page, context, problems } = await openPage(`${gw.url}/ui/`);
  await page.getByLabel('Model', { exact: true }).selectOption('groq/tool-model');
  await send(page, 'CALL mcp_get-sum {"a":20,"b":22}');
  const tool = page.locator('details.tool[data-tool="mcp_get-sum"]');
  await tool.waitFor();
  await tool.locator('.status.ok').waitFor();
  assert.match(await tool.locator('.status').textContent(), /done · [\d.]+ ms/);
  await tool.locator('summary').click();
  assert.match(await tool.locator('pre').first().textContent(), /"a": 20/);
  assert.match(await tool.locator('pre').nth(1).textContent(), /\b42\b/);
  const answer = page.locator('.msg.assistant').last();
  await answer.locator('.meta').waitFor();
  assert.match(await answer.textContent(), /DONE: /);
  assert.match(await answer.locator('.meta').textContent(), /1 tool call/);
  await shot(page, 'tool-call');
  assert.deepEqual(problems, []);
  await context.close();
});

test('playground: two models side by side answer the same prompt; the Messages API works too', async () => {
  const { page, context, problems } = await openPage(`${gw.url}/ui/`);
  await page.getByLabel('Model', { exact: true }).selectOption('openai/gpt-ui');
  await page.getByLabel('Compare with a second model').check();
  await page.getByLabel('Second model', { exact: true }).selectOption('openai/gpt-ui-mini');
  await page.getByLabel('API', { exact: true }).selectOption('messages');
  await send(page, 'Compare me');
  const cols = page.locator('.column');
  assert.equal(await cols.count(), 2);
  for (const [i, m] of [[0, 'openai/gpt-ui'], [1, 'openai/gpt-ui-mini']]) {
    const a = cols.nth(i).locator('.msg.assistant');
    await a.locator('.meta').waitFor();
    assert.match(await a.textContent(), new RegExp(`\\[${m.split('/')[1]}\\]\\s*Answer`));
  }
  await shot(page, 'compare');
  assert.deepEqual(problems, []);
  await context.close();
});

test('dashboard: providers configured and reachable, MCP tools, live metrics by provider', async () => {
  const { page, context, problems } = await openPage(`${gw.url}/ui/#dashboard`);
  const providers = page.locator('#providers-table');
  await providers.waitFor();
  const row = (name) => providers.locator('tr', { has: page.getByRole('cell', { name, exact: true }) });
  await row('OpenAI').getByText('reachable').waitFor();
  assert.match(await row('OpenAI').textContent(), /configured.*reachable.*2/);
  assert.match(await row('Groq').textContent(), /configured.*reachable.*1/);
  assert.match(await row('Mistral').textContent(), /configured.*no answer/);
  assert.match(await row('Cohere').textContent(), /not configured/);
  const routing = page.locator('#routing-table');
  await routing.waitFor();
  assert.match(await routing.locator('tr', { hasText: 'ui-pool' }).textContent(),
    /ui-pool\s*fallback\s*openai\/gpt-ui: closed\s*mistral\/down: closed/);

  const mcp = page.locator('#mcp');
  await mcp.getByText('everything ·').waitFor();
  for (const t of ['echo', 'get-sum']) await mcp.locator('.tag', { hasText: new RegExp(`^${t}$`) }).waitFor();
  assert.match(await page.locator('#a2a').textContent(), /A2A agents listing is off/);

  // The earlier tests' requests, by provider, from the gateway's own metrics.
  const byProvider = page.locator('#metrics-by-provider');
  await byProvider.waitFor();
  assert.match(await byProvider.locator('tr', { hasText: 'openai' }).textContent(), /openai\s*\d+/);
  // Live: traffic while the page watches shows up in the charts (requests and tokens per second,
  // errors by provider), polled from /ui/api/metrics. The dashboard's own polling is not counted.
  const rps = page.locator('#chart-rps svg');
  const burst = () => Promise.all([
    ...Array.from({ length: 6 }, () => fetch(`${gw.url}/v1/chat/completions`, { method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-ui', messages: [{ role: 'user', content: 'load' }] }) }).then((r) => r.text())),
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'mistral/down', messages: [{ role: 'user', content: 'x' }] }) }).then((r) => r.text()),
  ]);
  const samples = async () => Number(await page.locator('#chart-rps').getAttribute('data-samples') || 0);
  for (let round = 0; round < 4; round++) {
    const seen = await samples();
    await burst();
    await page.waitForFunction((n) => Number(document.querySelector('#chart-rps')?.dataset.samples || 0) > n, seen);
  }
  assert.ok(Number(await page.locator('#chart-rps').getAttribute('data-peak')) > 0, 'requests per second went up');
  assert.match(await page.locator('#chart-errors').textContent(), /mistral/);
  assert.match(await byProvider.locator('tr', { hasText: 'mistral' }).textContent(), /mistral\s*\d+\s*[1-9]/);
  await shot(page, 'dashboard');

  // Phone-sized window: still usable, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('tab', { name: 'Playground' }).click();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide on a 390px screen`);
  await page.getByRole('button', { name: 'Send' }).waitFor();
  // The settings beyond the model fold away; a button opens them.
  assert.equal(await page.getByLabel('System prompt').isVisible(), false);
  await page.getByRole('button', { name: 'More settings' }).click();
  await page.getByLabel('System prompt').waitFor();
  await page.getByRole('button', { name: 'Fewer settings' }).click();
  await send(page, 'From a phone');
  await page.locator('.msg.assistant .meta').waitFor();
  await shot(page, 'phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('auth: the UI asks for a gateway key, keeps it in sessionStorage and sends it on every call', async () => {
  // A key to list on the admin tab.
  const created = await fetch(`${authGw.url}/admin/keys`, {
    method: 'POST', headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'ui-test-key', team: 'platform' }),
  });
  assert.equal(created.status, 201);

  const { page, context, problems } = await openPage(`${authGw.url}/ui/`);
  const dialog = page.getByRole('dialog', { name: 'Sign in to the gateway' });
  await dialog.waitFor();
  await page.getByLabel('API key', { exact: true }).fill('sk-igw-not-a-real-key-000000000000000000');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await dialog.getByText('The gateway refused this key').waitFor();
  // The browser logs the refused request itself: expected here, not a UI error.
  problems.length = 0;

  await page.getByLabel('API key', { exact: true }).fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByLabel('Model', { exact: true }).locator('option[value="openai/gpt-ui"]').waitFor({ state: 'attached' });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('igw.credential')), ADMIN_KEY);
  assert.equal(await page.evaluate(() => localStorage.getItem('igw.credential')), null);
  assert.doesNotMatch(await page.content(), new RegExp(ADMIN_KEY), 'the key is not in the page');

  await page.getByLabel('Model', { exact: true }).selectOption('openai/gpt-ui');
  await send(page, 'Signed in?');
  await page.locator('.msg.assistant .meta').waitFor();
  assert.match(await page.locator('.msg.assistant').textContent(), /You asked: Signed in\?/);

  await page.getByRole('tab', { name: 'Keys & spend' }).click();
  const keys = page.locator('#keys-table');
  await keys.waitFor();
  assert.match(await keys.textContent(), /ui-test-key.*platform/);
  // Teams and spend: shown when the gateway has those endpoints, else a note saying it has not.
  await page.locator('#spend h3', { hasText: 'Spend by team' }).waitFor();
  await page.getByRole('tab', { name: 'Dashboard' }).click();
  await page.locator('#metrics-by-provider').waitFor();
  await shot(page, 'auth-admin');

  // Signing out forgets the key and asks again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('igw.credential')), null);
  assert.deepEqual(problems, []);
  await context.close();
});

test('auth: single sign-on with the OIDC issuer (authorization code + PKCE) gives a token the gateway accepts', async () => {
  const { page, context, problems } = await openPage(`${authGw.url}/ui/`);
  const dialog = page.getByRole('dialog', { name: 'Sign in to the gateway' });
  await dialog.waitFor();
  await page.getByRole('button', { name: 'Sign in with SSO' }).click();
  // To the issuer and back to /ui/ with a code, exchanged for an ID token.
  await page.getByText('signed in (SSO)').waitFor();
  assert.equal(new URL(page.url()).search, '', 'the code is gone from the address bar');
  const ex = idp.exchanges.at(-1);
  assert.equal(ex.ok, true);
  assert.equal(ex.redirect_uri, `${authGw.url}/ui/`);
  assert.ok(ex.code_verifier.length >= 43);
  const token = await page.evaluate(() => sessionStorage.getItem('igw.credential'));
  assert.equal(JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub, 'alice');

  await page.getByLabel('Model', { exact: true }).locator('option[value="openai/gpt-ui"]').waitFor({ state: 'attached' });
  await page.getByLabel('Model', { exact: true }).selectOption('openai/gpt-ui');
  await send(page, 'Signed in with SSO?');
  await page.locator('.msg.assistant .meta').waitFor();
  assert.match(await page.locator('.msg.assistant').textContent(), /You asked: Signed in with SSO\?/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('tool events are opt-in: X-Gateway-Tool-Events adds tool_call / tool_result comments to the stream', async () => {
  const stream = async (headers) => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'groq/tool-model', stream: true,
        messages: [{ role: 'user', content: 'CALL mcp_echo {"message":"über"}' }] }),
    });
    assert.equal(res.status, 200);
    return res.text();
  };
  const plain = await stream({});
  assert.match(plain, /^: running tools: mcp_echo$/m);
  assert.doesNotMatch(plain, /tool_call|tool_result/);

  const text = await stream({ 'X-Gateway-Tool-Events': 'true' });
  const events = [...text.matchAll(/^: (tool_call|tool_result) (.*)$/gm)].map((m) => [m[1], JSON.parse(m[2])]);
  assert.deepEqual(events.map(([k]) => k), ['tool_call', 'tool_result']);
  const [[, call], [, result]] = events;
  assert.equal(call.name, 'mcp_echo');
  assert.deepEqual(JSON.parse(call.arguments), { message: 'über' });
  assert.equal(result.id, call.id);
  assert.equal(result.ok, true);
  assert.equal(result.truncated, false);
  assert.match(result.output, /über/);
  assert.ok(result.duration_ms >= 0);
  assert.match(text, /data: \[DONE\]\s*$/);

  // A long output is cut for the page (on a character boundary); the model still got all of it.
  const long = 'é'.repeat(3000);  // 6000 bytes
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Gateway-Tool-Events': 'true' },
    body: JSON.stringify({ model: 'groq/tool-model', stream: true,
      messages: [{ role: 'user', content: `CALL mcp_echo {"message":"${long}"}` }] }),
  });
  const cut = JSON.parse(/^: tool_result (.*)$/m.exec(await res.text())[1]);
  assert.equal(cut.truncated, true);
  assert.ok(Buffer.byteLength(cut.output) <= 4096 && Buffer.byteLength(cut.output) > 4000);
  assert.doesNotMatch(cut.output, /\uFFFD/);
  const toolMessage = tools.requests.at(-1).body.messages.find((m) => m.role === 'tool');
  assert.ok(toolMessage.content.includes(long));
});

test('tool events reach Messages API clients too (the playground with "Messages" selected)', async () => {
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Gateway-Tool-Events': 'true' },
    body: JSON.stringify({ model: 'groq/tool-model', max_tokens: 100, stream: true,
      messages: [{ role: 'user', content: 'CALL mcp_get-sum {"a":1,"b":2}' }] }),
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  const result = JSON.parse(/^: tool_result (.*)$/m.exec(text)[1]);
  assert.equal(result.name, 'mcp_get-sum');
  assert.match(result.output, /\b3\b/);
  // Still a well-formed Messages stream around the comments.
  assert.match(text, /^event: message_start$/m);
  assert.match(text, /event: message_stop\ndata: .*\n\n$/);
});
