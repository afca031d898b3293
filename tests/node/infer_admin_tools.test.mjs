// infer keys (the admin API, with authentication on) and infer ask --tools (local tools run on
// the user's machine), against the real gateway.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startGateway } from './helpers/gateway.mjs';
import { eventually } from './helpers/http.mjs';
import { runInfer, tempHome } from './helpers/infer.mjs';
import { startFakeOpenAI, closedPort, CONTENT } from './fakes/openai_upstream.mjs';
import { startToolLlm } from './fakes/tool_llm.mjs';

const ADMIN_KEY = 'infer-admin-key-0123456789abcdef';
let openai, llm, gw, home, tmp;
before(async () => {
  home = await tempHome();
  tmp = home.dir;
  openai = await startFakeOpenAI({ models: ['gpt-4o'] });
  llm = await startToolLlm();
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  gw = await startGateway({
    AUTH_ENABLED: 'true', AUTH_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: `sqlite://${tmp}/gateway.db`,
    OPENAI_API_URL: openai.url, OPENAI_API_KEY: 'sk-openai',
    GROQ_API_URL: llm.url, GROQ_API_KEY: 'gsk-tools',
    OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead,
  });
});
after(async () => {
  await gw?.kill();
  await openai?.close();
  await llm?.close();
});

const env = (extra = {}) => ({ ...home.env, INFER_GATEWAY_URL: gw.url, ...extra });

test('keys create, list and revoke with the admin key; the new key works until revoked', async () => {
  const created = await runInfer(['keys', 'create', '--name', 'ci', '--team', 'web', '--models', 'openai/*,groq/*'],
    { env: env({ INFER_ADMIN_KEY: ADMIN_KEY }) });
  assert.equal(created.code, 0, created.stderr);
  const m = /^id      (key_\S+)\nname    ci\nteam    web\nmodels  openai\/\*,groq\/\*\nkey     (sk-igw-\S+)\n$/.exec(created.stdout);
  assert.ok(m, created.stdout);
  const [, id, secret] = m;
  assert.equal(created.stderr, 'The key is shown only this once: store it now.\n');

  const ask = await runInfer(['ask', '--model', 'openai/gpt-4o', 'hi'], { env: env({ INFER_API_KEY: secret }) });
  assert.equal(ask.code, 0, ask.stderr);
  assert.equal(ask.stdout, `${CONTENT}\n`);

  const list = await runInfer(['keys', 'list'], { env: env({ INFER_ADMIN_KEY: ADMIN_KEY }) });
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.split('\n');
  assert.match(lines[0], /^ID\s+NAME\s+TEAM\s+MODELS\s+STATE$/);
  assert.ok(lines.some((l) => l.startsWith(id) && /\sci\s+web\s+openai\/\*,groq\/\*\s+active$/.test(l)), list.stdout);

  // A plain key is not the admin key: 403, exit 5.
  const notAdmin = await runInfer(['keys', 'list'], { env: env({ INFER_API_KEY: secret }) });
  assert.equal(notAdmin.code, 5);
  assert.match(notAdmin.stderr, /^infer: .*\(HTTP 403\): use the admin key \(--admin-key or INFER_ADMIN_KEY\)\n$/);

  const revoked = await runInfer(['keys', 'revoke', id], { env: env({ INFER_ADMIN_KEY: ADMIN_KEY }) });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal(revoked.stdout, `revoked ${id}\n`);
  const after = await runInfer(['keys', 'list', '--json'], { env: env({ INFER_ADMIN_KEY: ADMIN_KEY }) });
  assert.equal(JSON.parse(after.stdout).data.find((k) => k.id === id).revoked, true);
  await eventually(async () => (await runInfer(['ask', '--model', 'openai/gpt-4o', 'hi'], { env: env({ INFER_API_KEY: secret }) })).code === 4,
    { timeoutMs: 5_000, what: 'the revoked key refused' });
  const refused = await runInfer(['ask', '--model', 'openai/gpt-4o', 'hi'], { env: env({ INFER_API_KEY: secret }) });
  assert.equal(refused.code, 4);
  assert.match(refused.stderr, /^infer: .*\(HTTP 401\): give a valid key with --api-key, INFER_API_KEY or `infer init`\n$/);

  const missing = await runInfer(['keys', 'revoke', 'key_nosuch'], { env: env({ INFER_ADMIN_KEY: ADMIN_KEY }) });
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "infer: no key with id 'key_nosuch' (`infer keys list`)\n");

  const noKey = await runInfer(['models'], { env: env() });
  assert.equal(noKey.code, 4);
});

test('ask --tools: read_file under the current directory and allow-listed commands, each shown', async () => {
  const work = path.join(tmp, 'project');
  await fs.mkdir(work, { recursive: true });
  await fs.writeFile(path.join(work, 'notes.txt'), 'the notes\n');
  await fs.writeFile(path.join(tmp, 'secret.txt'), 'secret\n');
  const h = await tempHome();
  await fs.mkdir(path.dirname(h.configPath), { recursive: true });
  await fs.writeFile(h.configPath, JSON.stringify({ gateway_url: gw.url, api_key: ADMIN_KEY, model: 'groq/tool-model',
    tools: { allowed_commands: ['echo'], confirm: false } }));
  const script = [
    'CALL read_file {"path":"notes.txt"}',
    'CALL read_file {"path":"../secret.txt"}',
    'CALL run_command {"command":"echo hi there"}',
    'CALL run_command {"command":"rm -rf /"}',
    'THEN',
  ].join('\n');
  const r = await runInfer(['ask', '--tools', script], { env: h.env, cwd: work });
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(r.stdout.replace(/^DONE: /, ''));
  assert.deepEqual(results, [
    'the notes\n',
    "error: '../secret.txt' is outside the current directory",
    'exit code 0\nhi there\n',
    "error: 'rm' is not an allowed command",
  ]);
  assert.equal(r.stderr, [
    '[tool] read_file notes.txt',
    `[tool] refused: read_file ../secret.txt (outside ${await fs.realpath(work)})`,
    '[tool] run_command echo hi there',
    '[tool] refused: rm -rf / (not in tools.allowed_commands)',
    '',
  ].join('\n'));
  // The tools were offered to the model; without --tools they are not.
  const first = llm.requests.filter((q) => q.path.endsWith('/chat/completions')).at(-2);
  assert.deepEqual(first.body.tools.map((t) => t.function.name), ['read_file', 'run_command']);

  // confirm: true and no terminal to ask on: nothing runs.
  await fs.writeFile(h.configPath, JSON.stringify({ gateway_url: gw.url, api_key: ADMIN_KEY, model: 'groq/tool-model',
    tools: { allowed_commands: ['echo'], confirm: true } }));
  const unconfirmed = await runInfer(['ask', '--tools', 'CALL run_command {"command":"echo no"}\nTHEN'], { env: h.env, cwd: work });
  assert.equal(unconfirmed.code, 0, unconfirmed.stderr);
  assert.equal(unconfirmed.stdout, 'DONE: ["error: the user did not allow this command"]\n');
});
