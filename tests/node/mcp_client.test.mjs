// The gateway's MCP client, black-box: real MCP servers started here (the official "everything"
// server over Streamable HTTP and over the old HTTP+SSE transport, the official filesystem server
// over stdio, and fakes built on the official SDK), discovery through GET /v1/mcp/tools, calls
// through the chat endpoint with the scripted tool LLM. Readiness is awaited on the gateway's
// "mcp server ready" log lines, never with sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from './helpers/gateway.mjs';
import { freePort, startEverything } from './helpers/servers.mjs';
import { startToolLlm } from './fakes/tool_llm.mjs';
import { startMcpFake } from './fakes/mcp_fake.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FILESYSTEM = path.join(here, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const STDIO_ENV = path.join(here, 'fakes/mcp_stdio_env.mjs');

async function chat(gw, content, headers = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-client-secret', ...headers },
    body: JSON.stringify({ model: 'openai/tool-model', messages: [{ role: 'user', content }] }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

// The tool messages' contents the model saw, from its "DONE: [...]" answer.
async function toolResults(gw, content) {
  const body = await chat(gw, content);
  const text = body.choices[0].message.content;
  assert.match(text, /^DONE: /, text);
  return JSON.parse(text.slice(6));
}

async function listTools(gw) {
  const res = await fetch(`${gw.url}/v1/mcp/tools`);
  assert.equal(res.status, 200);
  return (await res.json()).data;
}

// Polls a condition without sleeping blindly (bounded).
async function until(cond, what, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let llm, everything, fake, gw, tmp;
const FILE_TEXT = 'hello from the allowed directory\n';

before(async () => {
  llm = await startToolLlm();
  everything = await startEverything();
  fake = await startMcpFake({ tools: 250, pageSize: 40 });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-mcp-'));
  fs.writeFileSync(path.join(tmp, 'note.txt'), FILE_TEXT);
  gw = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    MCP_ENABLE: 'true',
    MCP_EXPOSE: 'true',
    MCP_SERVERS: `everything=${everything.url},fake=${fake.url},fs=stdio:${process.execPath} ${FILESYSTEM} ${tmp},envcheck=stdio:${process.execPath} ${STDIO_ENV}`,
    MCP_FAKE_HEADERS: 'X-Api-Key: fake-server-key',
    MCP_REQUEST_TIMEOUT: '1500ms',
    MCP_INITIAL_BACKOFF: '50ms',
    AGENT_MAX_ITERATIONS: '4',
  });
  for (const name of ['everything', 'fake', 'fs', 'envcheck']) {
    await gw.waitForLog(new RegExp(`mcp server ready server=${name} `));
  }
});

after(async () => {
  await gw?.stop();
  everything?.stop();
  await fake?.close();
  await llm?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('discovery: every server\'s tools with names, schemas and servers', async () => {
  const tools = await listTools(gw);
  const sum = tools.find((t) => t.tool === 'mcp_get-sum');
  assert.ok(sum, 'get-sum offered');
  assert.equal(sum.name, 'get-sum');
  assert.equal(sum.server, 'everything');
  assert.equal(sum.input_schema.type, 'object');
  assert.ok(sum.input_schema.properties.a && sum.input_schema.properties.b);
  const read = tools.find((t) => t.tool === 'mcp_read_text_file');
  assert.equal(read?.server, 'fs');
  // Exposed names are unique and provider-safe.
  const names = tools.map((t) => t.tool);
  assert.equal(new Set(names).size, names.length);
  for (const n of names) assert.match(n, /^[A-Za-z0-9_-]{1,64}$/);
});

test('collision: the first server in MCP_SERVERS keeps mcp_echo, the later one is qualified', async () => {
  const tools = await listTools(gw);
  assert.equal(tools.find((t) => t.tool === 'mcp_echo')?.server, 'everything');
  const fakeEcho = tools.find((t) => t.tool === 'mcp_fake_echo');
  assert.equal(fakeEcho?.server, 'fake');
  assert.equal(fakeEcho?.name, 'echo');
  const [a, b] = await toolResults(gw, 'CALL mcp_echo {"message":"hi"}\nCALL mcp_fake_echo {"message":"there"}');
  assert.match(a, /hi/);
  assert.equal(b, 'echo: there');
});

test('pagination: all 250 tools of a paginated tools/list are offered', async () => {
  const tools = (await listTools(gw)).filter((t) => t.server === 'fake');
  assert.equal(tools.filter((t) => /^tool_\d+$/.test(t.name)).length, 250);
  const cursors = fake.requests.filter((r) => r.body?.method === 'tools/list' && r.body.params?.cursor);
  assert.ok(cursors.length >= 6, 'followed nextCursor page by page');
  const [out] = await toolResults(gw, 'CALL mcp_tool_249 {}');
  assert.equal(out, 'tool 249');
});

test('get-sum over Streamable HTTP returns 3 for a=1, b=2', async () => {
  const [out] = await toolResults(gw, 'CALL mcp_get-sum {"a":1,"b":2}');
  assert.match(out, /\b3\b/);
});

test('stdio: the filesystem server reads a file in its allowed directory', async () => {
  const file = path.join(tmp, 'note.txt');
  const [out] = await toolResults(gw, `CALL mcp_read_text_file ${JSON.stringify({ path: file })}`);
  assert.equal(out.trim(), FILE_TEXT.trim());
});

test('a tool error (read outside the allowed directory) is reported to the model', async () => {
  const [out] = await toolResults(gw, 'CALL mcp_read_text_file {"path":"/etc/hostname"}');
  assert.match(out, /denied|outside|not allowed/i);
});

test('stdio servers get a clean environment: no provider keys', async () => {
  const [out] = await toolResults(gw, 'CALL mcp_environment {}');
  const names = JSON.parse(out);
  assert.ok(!names.includes('OPENAI_API_KEY'), out);
  assert.ok(!names.some((n) => /KEY|TOKEN|SECRET|MCP_/.test(n)), out);
  assert.ok(names.includes('PATH'));
});

// The stdio server (envcheck) holds no socket of the gateway: not the listener, not a client's
// connection (Asio opens sockets without close-on-exec; the spawn must close them).
async function assertNoInheritedSockets() {
  const [out] = await toolResults(gw, 'CALL mcp_fds {}');
  const fds = JSON.parse(out);
  assert.ok(fds['0'] && fds['1'] && fds['2'], out);
  for (const [fd, target] of Object.entries(fds)) {
    assert.ok(!/^socket:/.test(target), `fd ${fd} -> ${target}: ${out}`);
  }
}

test('stdio servers inherit no socket of the gateway (listener, client connections)', async () => {
  await assertNoInheritedSockets();
});

test('per-server headers reach the server; the client\'s Authorization never does', async () => {
  await toolResults(gw, 'CALL mcp_fake_echo {"message":"with headers"}');
  assert.ok(fake.requests.length > 0);
  for (const r of fake.requests) {
    assert.equal(r.headers['x-api-key'], 'fake-server-key', `${r.method} ${JSON.stringify(r.body)}`);
    assert.equal(r.headers.authorization, undefined);
    assert.ok(!JSON.stringify(r.headers).includes('sk-client-secret'));
    assert.ok(!JSON.stringify(r.headers).includes('sk-provider-key'));
  }
  // The session id and negotiated version travel on every request after initialize.
  const call = fake.requests.find((r) => r.body?.method === 'tools/call');
  assert.ok(call.headers['mcp-session-id']);
  assert.equal(call.headers['mcp-protocol-version'], '2025-11-25');
});

test('invalid JSON arguments are reported without calling the server', async () => {
  const before = fake.requests.filter((r) => r.body?.method === 'tools/call').length;
  const [out] = await toolResults(gw, 'CALL mcp_fake_echo {not json');
  assert.match(out, /not valid JSON/);
  assert.equal(fake.requests.filter((r) => r.body?.method === 'tools/call').length, before);
});

test('a malformed JSON-RPC reply becomes a protocol error for the model', async () => {
  const [out] = await toolResults(gw, 'CALL mcp_broken {}');
  assert.match(out, /malformed/i);
  // The server stays usable.
  const [again] = await toolResults(gw, 'CALL mcp_fake_echo {"message":"still here"}');
  assert.equal(again, 'echo: still here');
});

test('a slow tool hits MCP_REQUEST_TIMEOUT; the server is told to cancel', async () => {
  const started = Date.now();
  const [out] = await toolResults(gw, 'CALL mcp_trigger-long-running-operation {"duration":5,"steps":5}');
  assert.match(out, /trigger-long-running-operation/);
  assert.match(out, /1\.5s|1500ms/);
  assert.match(out, /MCP_REQUEST_TIMEOUT/);
  assert.ok(Date.now() - started < 4500, 'did not wait for the tool');
  const before = fake.requests.filter((r) => r.body?.method === 'notifications/cancelled').length;
  await toolResults(gw, 'CALL mcp_slow {}');
  await until(() => fake.requests.filter((r) => r.body?.method === 'notifications/cancelled').length > before,
    'notifications/cancelled');
});

test('concurrent calls to one server are multiplexed', async () => {
  const calls = Array.from({ length: 6 }, (_, i) => `CALL mcp_fake_echo {"message":"m${i}"}`).join('\n');
  const out = await toolResults(gw, calls);
  assert.deepEqual(out, Array.from({ length: 6 }, (_, i) => `echo: m${i}`));
});

test('notifications/tools/list_changed: a tool added at run time is offered', async () => {
  await fake.addTool('added_later');
  await gw.waitForLog(/mcp server tools changed server=fake/);
  const tools = await listTools(gw);
  assert.ok(tools.some((t) => t.tool === 'mcp_added_later' && t.server === 'fake'));
  const [out] = await toolResults(gw, 'CALL mcp_added_later {}');
  assert.equal(out, 'ran added_later');
});

test('the server\'s pings are answered', async () => {
  const results = await fake.pingClients();
  assert.ok(results.length >= 1);
  for (const r of results) assert.deepEqual(r, {});
});

test('an expired session (404) is re-initialized and the call goes through', async () => {
  const inits = () => fake.requests.filter((r) => r.body?.method === 'initialize').length;
  const before = inits();
  fake.forgetSessions();
  const [out] = await toolResults(gw, 'CALL mcp_fake_echo {"message":"new session"}');
  assert.equal(out, 'echo: new session');
  assert.equal(inits(), before + 1);
});

test('a stdio server dying mid-call: the call fails, the process is started again', async () => {
  const [pidBefore] = await toolResults(gw, 'CALL mcp_pid {}');
  const [out] = await toolResults(gw, 'CALL mcp_crash {}');
  assert.match(out, /envcheck/);
  assert.match(out, /exited|went away|not available/i);
  await gw.waitForLog(/mcp server disconnected server=envcheck/);
  await gw.waitForLog(/mcp server ready server=envcheck [\s\S]*mcp server ready server=envcheck /);
  const [pidAfter] = await toolResults(gw, 'CALL mcp_pid {}');
  assert.notEqual(pidAfter, pidBefore);
  // Restarted while the gateway listens and serves: still nothing but its own descriptors.
  await assertNoInheritedSockets();
});

test('GET /v1/mcp/tools is refused without MCP_EXPOSE', async () => {
  const g = await startGateway({ MCP_ENABLE: 'true', MCP_SERVERS: `everything=${everything.url}` });
  try {
    const res = await fetch(`${g.url}/v1/mcp/tools`);
    assert.equal(res.status, 403);
  } finally {
    await g.stop();
  }
});

test('old HTTP+SSE transport: fallback after the initialize POST is refused', async () => {
  const sse = await startEverything('sse');
  const g = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    MCP_ENABLE: 'true',
    MCP_EXPOSE: 'true',
    MCP_SERVERS: `legacy=${sse.url}`,
  });
  try {
    await g.waitForLog(/mcp server ready server=legacy .*transport=sse /);
    const tools = await listTools(g);
    assert.ok(tools.some((t) => t.tool === 'mcp_get-sum' && t.server === 'legacy'));
    const [out] = await toolResults(g, 'CALL mcp_get-sum {"a":1,"b":2}');
    assert.match(out, /\b3\b/);
  } finally {
    await g.stop();
    sse.stop();
  }
});

test('a server down at start-up is connected once it comes up', async () => {
  const port = await freePort();
  const g = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    MCP_ENABLE: 'true',
    MCP_EXPOSE: 'true',
    MCP_SERVERS: `late=http://127.0.0.1:${port}/mcp`,
    MCP_INITIAL_BACKOFF: '50ms',
    MCP_RETRY_INTERVAL: '200ms',
    // After MCP_MAX_RETRIES quick attempts it waits this long: short, so the test does not
    // depend on the fake coming up within the first second (it does not under TSan).
    MCP_RECONNECT_INTERVAL: '200ms',
  });
  let late;
  try {
    await g.waitForLog(/mcp server unavailable server=late/);
    assert.deepEqual(await listTools(g), []);
    late = await startMcpFake({ port });
    await g.waitForLog(/mcp server ready server=late /);
    const [out] = await toolResults(g, 'CALL mcp_echo {"message":"late"}');
    assert.equal(out, 'echo: late');
  } finally {
    await g.stop();
    await late?.close();
  }
});

test('a server dying mid-call: the call fails as unavailable, its tools go away', async () => {
  const dying = await startMcpFake();
  const g = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    MCP_ENABLE: 'true',
    MCP_EXPOSE: 'true',
    MCP_SERVERS: `dying=${dying.url}`,
    MCP_INITIAL_BACKOFF: '50ms',
  });
  try {
    await g.waitForLog(/mcp server ready server=dying /);
    const pending = toolResults(g, 'CALL mcp_slow {}');
    await until(() => dying.requests.some((r) => r.body?.method === 'tools/call'), 'the call to arrive');
    await dying.close();
    const [out] = await pending;
    assert.match(out, /dying/);
    assert.match(out, /failed|went away|closed|broke/i);
    await g.waitForLog(/mcp server disconnected server=dying/);
    assert.deepEqual(await listTools(g), []);
  } finally {
    await g.stop();
  }
});

test('health pings: a server that goes silent is marked down and its tools withdrawn', async () => {
  const quiet = await startMcpFake();
  const g = await startGateway({
    MCP_ENABLE: 'true',
    MCP_EXPOSE: 'true',
    MCP_SERVERS: `quiet=${quiet.url}`,
    MCP_POLLING_INTERVAL: '100ms',
    MCP_POLLING_TIMEOUT: '200ms',
    MCP_INITIAL_BACKOFF: '50ms',
    MCP_DISABLE_HEALTHCHECK_LOGS: 'false',
  });
  try {
    await g.waitForLog(/mcp server ready server=quiet /);
    await until(() => quiet.requests.some((r) => r.body?.method === 'ping'), 'a health ping');
    await quiet.close();
    // The only traffic is the ping, which can no longer connect.
    await g.waitForLog(/mcp server disconnected server=quiet /);
    assert.deepEqual(await listTools(g), []);
  } finally {
    await g.stop();
  }
});

test('shutdown: the gateway exits promptly, stdio servers are terminated, sessions deleted', async () => {
  const own = await startMcpFake();
  const g = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    MCP_ENABLE: 'true',
    MCP_SERVERS: `own=${own.url},envcheck=stdio:${process.execPath} ${STDIO_ENV}`,
  });
  try {
    await g.waitForLog(/mcp server ready server=own /);
    await g.waitForLog(/mcp server ready server=envcheck /);
    const [pid] = await toolResults(g, 'CALL mcp_pid {}');
    const started = Date.now();
    const { code } = await g.stop();
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 3000, 'stopped within 3s');
    assert.throws(() => process.kill(Number(pid), 0), 'the stdio server is gone');
    assert.ok(own.requests.some((r) => r.method === 'DELETE' && r.headers['mcp-session-id']), 'session deleted');
  } finally {
    await own.close();
  }
});

test('MCP_INCLUDE_TOOLS / MCP_EXCLUDE_TOOLS filter by server name or exposed name', async () => {
  const own = await startMcpFake({ tools: 5 });
  const g = await startGateway({
    MCP_ENABLE: 'true',
    MCP_EXPOSE: 'true',
    MCP_SERVERS: `own=${own.url}`,
    MCP_INCLUDE_TOOLS: 'echo,mcp_tool_3,tool_4,broken',
    MCP_EXCLUDE_TOOLS: 'mcp_broken,tool_4',
  });
  try {
    await g.waitForLog(/mcp server ready server=own /);
    const names = (await listTools(g)).map((t) => t.tool).sort();
    assert.deepEqual(names, ['mcp_echo', 'mcp_tool_3']);
  } finally {
    await g.stop();
    await own.close();
  }
});
