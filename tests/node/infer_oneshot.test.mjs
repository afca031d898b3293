// infer, the command-line client: one-shot commands against the real gateway and fake
// providers, with their exact output and exit codes.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startGateway } from './helpers/gateway.mjs';
import { runInfer, tempHome } from './helpers/infer.mjs';
import { startFakeOpenAI, closedPort, CONTENT } from './fakes/openai_upstream.mjs';

let openai, groq, gw, home, dead;
before(async () => {
  openai = await startFakeOpenAI({ models: ['gpt-4o', 'gpt-4o-mini'] });
  groq = await startFakeOpenAI({ models: ['llama-3.3-70b-versatile'] });
  dead = `http://127.0.0.1:${await closedPort()}`;
  gw = await startGateway({
    OPENAI_API_URL: openai.url, OPENAI_API_KEY: 'sk-openai',
    GROQ_API_URL: groq.url, GROQ_API_KEY: 'gsk-groq',
    // keyless providers at a closed port: deterministic "unreachable"
    OLLAMA_API_URL: `${dead}/v1`, LLAMACPP_API_URL: `${dead}/v1`, VLLM_API_URL: `${dead}/v1`,
  });
  home = await tempHome();
});
after(async () => {
  await gw?.kill();
  for (const f of [openai, groq]) await f?.close();
});

const withGateway = (extra = {}) => ({ ...home.env, INFER_GATEWAY_URL: gw.url, ...extra });
const lastChat = (up) => up.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1);

test('--help on the program and on every command exits 0; an unknown command is a usage error', async () => {
  const top = await runInfer(['--help']);
  assert.equal(top.code, 0, top.stderr);
  for (const cmd of ['init', 'status', 'models', 'ask', 'chat', 'keys', 'spend', 'completion']) {
    assert.match(top.stdout, new RegExp(`^  ${cmd} `, 'm'));
    const r = await runInfer([cmd, '--help']);
    assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: infer ${cmd}`));
  }
  const bad = await runInfer(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.equal(bad.stderr, "infer: unknown command 'frobnicate' (see `infer --help`)\n");
  const badOpt = await runInfer(['models', '--nope']);
  assert.equal(badOpt.code, 2);
  assert.equal(badOpt.stderr, 'infer: unknown option --nope (see `infer models --help`)\n');
});

test('models: one provider/model per line; --provider filters; an unknown provider exits 6', async () => {
  const all = await runInfer(['models'], { env: withGateway() });
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(all.stdout.split('\n').filter(Boolean).sort(),
    ['groq/llama-3.3-70b-versatile', 'openai/gpt-4o', 'openai/gpt-4o-mini']);
  const one = await runInfer(['models', '--provider', 'groq'], { env: withGateway() });
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'groq/llama-3.3-70b-versatile\n');
  const json = await runInfer(['models', '--provider', 'openai', '--json'], { env: withGateway() });
  assert.deepEqual(JSON.parse(json.stdout).data.map((m) => m.id), ['openai/gpt-4o', 'openai/gpt-4o-mini']);
  const unknown = await runInfer(['models', '--provider', 'nosuch'], { env: withGateway() });
  assert.equal(unknown.code, 6);
  assert.equal(unknown.stdout, '');
  assert.match(unknown.stderr, /^infer: unknown provider 'nosuch'; valid providers: anthropic, .* \(HTTP 400\): `infer models` lists the models you can use\n$/);
});

test('ask streams the answer; --system, --max-tokens and --temperature reach the provider', async () => {
  const r = await runInfer(['ask', '--model', 'openai/gpt-4o', '--system', 'be brief', '--max-tokens', '50',
    '--temperature', '0.5', 'What', 'is', 'a', 'monad?'], { env: withGateway() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${CONTENT}\n`);
  assert.equal(r.stderr, '');
  const body = lastChat(openai).body;
  assert.equal(body.model, 'gpt-4o');
  assert.equal(body.stream, true);
  assert.equal(body.max_tokens, 50);
  assert.equal(body.temperature, 0.5);
  assert.deepEqual(body.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'What is a monad?' }]);
});

test('ask reads stdin when it is piped, after the words of the command line', async () => {
  const r = await runInfer(['ask', 'review this'], { env: withGateway({ INFER_MODEL: 'groq/llama-3.3-70b-versatile' }), input: 'diff --git a/x b/x\n+new line\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${CONTENT}\n`);
  assert.deepEqual(lastChat(groq).body.messages, [{ role: 'user', content: 'review this\n\ndiff --git a/x b/x\n+new line\n' }]);
});

test('ask --json prints the whole response', async () => {
  const r = await runInfer(['ask', '--json', '--model', 'openai/gpt-4o', 'hi'], { env: withGateway() });
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.object, 'chat.completion');
  assert.equal(res.choices[0].message.content, CONTENT);
  assert.equal(lastChat(openai).body.stream, false);
});

test('errors: one line each, with distinct exit codes', async () => {
  const down = await runInfer(['ask', '--model', 'openai/gpt-4o', 'hi'], { env: { ...home.env, INFER_GATEWAY_URL: dead } });
  assert.equal(down.code, 3);
  assert.equal(down.stdout, '');
  assert.match(down.stderr, new RegExp(`^infer: cannot reach the gateway at ${dead} \\(.+\\): is it running\\? Set --gateway, INFER_GATEWAY_URL or run \`infer init\`\\n$`));

  const noModel = await runInfer(['ask', 'hi'], { env: withGateway() });
  assert.equal(noModel.code, 2);
  assert.match(noModel.stderr, /^infer: no model: give --model provider\/model, set INFER_MODEL or run `infer init --model \.\.\.`.*\n$/);

  const unknown = await runInfer(['ask', '--model', 'nosuch/model', 'hi'], { env: withGateway() });
  assert.equal(unknown.code, 6);
  assert.match(unknown.stderr, /^infer: unknown provider 'nosuch'.*\(HTTP 400\): `infer models` lists the models you can use\n$/);

  const notConfigured = await runInfer(['ask', '--model', 'anthropic/claude-x', 'hi'], { env: withGateway() });
  assert.equal(notConfigured.code, 4);
  assert.match(notConfigured.stderr, /^infer: provider 'anthropic' is not configured: set ANTHROPIC_API_KEY \(HTTP 401\): the gateway has no key for this provider\n$/);

  const upstream = await runInfer(['ask', '--model', 'openai/error-500', 'hi'], { env: withGateway() });
  assert.equal(upstream.code, 7);
  assert.equal(upstream.stderr, 'infer: upstream openai returned 500: The fake upstream had an internal error (HTTP 500)\n');

  const badTemp = await runInfer(['ask', '--model', 'openai/gpt-4o', '--temperature', 'hot', 'hi'], { env: withGateway() });
  assert.equal(badTemp.code, 2);
  assert.equal(badTemp.stderr, "infer: --temperature must be a number from 0 to 2, not 'hot' (see `infer ask --help`)\n");
});

test('status: the gateway, each provider, MCP and A2A, as text and as JSON', async () => {
  const r = await runInfer(['status'], { env: withGateway() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    `Gateway     ${gw.url}  healthy`,
    'Version     not reported by the gateway',
    'Providers',
    ...r.stdout.split('\n').filter((l) => /^  (openai|groq|ollama|llamacpp|vllm) /.test(l)),
    '  not configured: ' + r.stdout.match(/not configured: (.*)/)[1],
    'MCP tools   not exposed (MCP_EXPOSE=true on the gateway shows them)',
    'A2A agents  not exposed (A2A_EXPOSE=true on the gateway shows them)',
    '',
  ].join('\n'));
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes('  openai        reachable    2 models'), r.stdout);
  assert.ok(lines.includes('  groq          reachable    1 model'), r.stdout);
  for (const id of ['ollama', 'llamacpp', 'vllm']) assert.ok(lines.includes(`  ${id.padEnd(14)}unreachable  (no models listed)`), r.stdout);
  const notConfigured = r.stdout.match(/not configured: (.*)/)[1].split(', ');
  assert.ok(notConfigured.includes('anthropic') && notConfigured.includes('mistral') && !notConfigured.includes('openai'));

  const j = await runInfer(['status', '--json'], { env: withGateway() });
  assert.equal(j.code, 0, j.stderr);
  const s = JSON.parse(j.stdout);
  assert.deepEqual(s.gateway, { url: gw.url, healthy: true });
  assert.deepEqual(s.providers.find((p) => p.id === 'openai'), { id: 'openai', configured: true, reachable: true, models: 2 });
  assert.deepEqual(s.providers.find((p) => p.id === 'ollama'), { id: 'ollama', configured: true, reachable: false, models: 0 });
  assert.deepEqual(s.providers.find((p) => p.id === 'anthropic'), { id: 'anthropic', configured: false });
  assert.deepEqual(s.mcp, { exposed: false, items: [] });

  const down = await runInfer(['status'], { env: { ...home.env, INFER_GATEWAY_URL: dead } });
  assert.equal(down.code, 3);
});

test('init writes the config file; the environment overrides it and flags override both', async () => {
  const h = await tempHome();
  const init = await runInfer(['init', '--gateway', gw.url, '--model', 'groq/llama-3.3-70b-versatile', '--api-key', 'sk-mine'], { env: h.env });
  assert.equal(init.code, 0, init.stderr);
  assert.equal(init.stdout, `wrote ${h.configPath}\n  gateway_url  ${gw.url}\n  api_key      (set)\n  model        groq/llama-3.3-70b-versatile\n`);
  const file = JSON.parse(await fs.readFile(h.configPath, 'utf8'));
  assert.deepEqual(file, { gateway_url: gw.url, api_key: 'sk-mine', model: 'groq/llama-3.3-70b-versatile', tools: { allowed_commands: [], confirm: true } });
  assert.equal((await fs.stat(h.configPath)).mode & 0o777, 0o600);

  const again = await runInfer(['init'], { env: h.env });
  assert.equal(again.code, 2);
  assert.equal(again.stderr, `infer: ${h.configPath} exists already: \`infer init --force\` replaces it\n`);

  // The file alone: gateway, model and key from it.
  const fromFile = await runInfer(['ask', 'hi'], { env: h.env });
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(fromFile.stdout, `${CONTENT}\n`);
  assert.equal(lastChat(groq).body.model, 'llama-3.3-70b-versatile');
  // The environment beats the file, the flag beats the environment.
  const envDead = await runInfer(['models'], { env: { ...h.env, INFER_GATEWAY_URL: dead } });
  assert.equal(envDead.code, 3);
  const flagLive = await runInfer(['models', '--gateway', gw.url], { env: { ...h.env, INFER_GATEWAY_URL: dead } });
  assert.equal(flagLive.code, 0, flagLive.stderr);

  await fs.writeFile(h.configPath, '{"gateway_url": 42}');
  const broken = await runInfer(['models'], { env: h.env });
  assert.equal(broken.code, 2);
  assert.equal(broken.stderr, `infer: ${h.configPath}: 'gateway_url' must be a string\n`);
});

test('completion scripts for bash and zsh', async () => {
  const bash = await runInfer(['completion', 'bash']);
  assert.equal(bash.code, 0, bash.stderr);
  assert.match(bash.stdout, /complete -F _infer infer/);
  execFileSync('bash', ['-n'], { input: bash.stdout });  // valid bash
  const zsh = await runInfer(['completion', 'zsh']);
  assert.equal(zsh.code, 0, zsh.stderr);
  assert.match(zsh.stdout, /^#compdef infer/);
  assert.equal((await runInfer(['completion', 'fish'])).code, 2);
});

// /admin/spend is served by a fake here: the command is tested against the documented shape.
test('spend: filters and grouping go into the query; totals and groups are printed', async () => {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      totals: { usd: 1.5, requests: 30, tokens: 12000 },
      groups: [{ model: 'openai/gpt-4o', usd: 1.25, requests: 10, tokens: 8000 },
        { model: 'groq/llama', usd: 0.25, requests: 20, tokens: 4000 }],
    }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${server.address().port}`;
    const r = await runInfer(['spend', '--team', 'web team', '--from', '2026-01-01', '--group-by', 'model'],
      { env: { ...home.env, INFER_GATEWAY_URL: url, INFER_ADMIN_KEY: 'admin-secret-0123456789' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(seen, [{ url: '/admin/spend?team=web%20team&from=2026-01-01&group_by=model', auth: 'Bearer admin-secret-0123456789' }]);
    assert.equal(r.stdout, [
      'model                          USD          REQUESTS   TOKENS',
      'openai/gpt-4o                  1.2500       10         8000',
      'groq/llama                     0.2500       20         4000',
      'total                          1.5000       30         12000',
      '',
    ].join('\n'));
    const bad = await runInfer(['spend', '--group-by', 'week'], { env: { ...home.env, INFER_GATEWAY_URL: url } });
    assert.equal(bad.code, 2);
  } finally {
    server.close();
  }
});
