// A2A agents as tools: the gateway discovers real agents built with @a2a-js/sdk (1.0, and 0.3
// through the SDK's compatibility layer), offers their skills to the model as a2a_<agent>_<skill>
// tools and runs the calls the scripted fake model makes: blocking sends, streams, polled long
// tasks, failures, input-required, cancellation when the client goes away, and agents that come
// up after the gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway } from './helpers/gateway.mjs';
import { freePort } from './helpers/servers.mjs';
import { request, chat } from './helpers/http.mjs';
import { startToolLlm } from './fakes/tool_llm.mjs';
import { startA2aAgent } from './fakes/a2a_agents.mjs';

let llm, gw, calc, streamer, legacy, legacyStream, late, latePort;

before(async () => {
  llm = await startToolLlm();
  calc = await startA2aAgent({ name: 'Calc Agent', version: '1.0', streaming: false });
  // Served only under the older well-known path: the gateway falls back to it.
  streamer = await startA2aAgent({ name: 'Stream Agent', version: '1.0', streaming: true, cardPath: 'agent.json' });
  legacy = await startA2aAgent({ name: 'Legacy Agent', version: '0.3', streaming: false, cardPath: 'agent.json' });
  legacyStream = await startA2aAgent({ name: 'Legacy Stream', version: '0.3', streaming: true });
  latePort = await freePort();
  gw = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    A2A_ENABLE: 'true',
    A2A_EXPOSE: 'true',
    A2A_AGENTS: [calc.url, streamer.url, legacy.url, legacyStream.url, `http://127.0.0.1:${latePort}`].join(','),
    A2A_INITIAL_BACKOFF: '50ms',
    A2A_RETRY_INTERVAL: '200ms',
    A2A_MAX_RETRIES: '1000',
    A2A_POLLING_INTERVAL: '100ms',
    A2A_POLLING_TIMEOUT: '20s',
    A2A_MAX_POLL_ATTEMPTS: '200',
  });
  for (const name of ['Calc Agent', 'Stream Agent', 'Legacy Agent', 'Legacy Stream']) {
    await gw.waitForLog(new RegExp(`a2a agent ready name=${name} `));
  }
});

after(async () => {
  await gw?.stop();
  for (const a of [calc, streamer, legacy, legacyStream, late]) await a?.close();
  await llm?.close();
});

// Runs one scripted chat turn; returns the tool results the model received and the requests.
async function runTools(script, headers = {}) {
  const from = llm.requests.length;
  const res = await chat(gw.url, { model: 'openai/tool-model', messages: [{ role: 'user', content: script }] }, { headers });
  assert.equal(res.status, 200, res.text);
  const content = res.json.choices[0].message.content;
  assert.match(content, /^DONE: /, content);
  return { results: JSON.parse(content.slice(6)), reqs: llm.requests.slice(from) };
}

const rpcs = (agent, method) => agent.requests.filter((r) => r.method === 'POST' && r.body?.method === method);

test('agents of both generations are discovered and listed with their skills as tools', async () => {
  const res = await request(gw.url, { path: '/v1/a2a/agents' });
  assert.equal(res.status, 200, res.text);
  const agents = res.json.data;
  const byName = Object.fromEntries(agents.filter((a) => a.name).map((a) => [a.name, a]));
  assert.equal(byName['Calc Agent'].protocol_version, '1.0');
  assert.equal(byName['Calc Agent'].streaming, false);
  assert.equal(byName['Calc Agent'].healthy, true);
  assert.equal(byName['Calc Agent'].id, 'calc_agent');
  assert.equal(byName['Stream Agent'].protocol_version, '1.0');
  assert.equal(byName['Stream Agent'].streaming, true);
  assert.equal(byName['Legacy Agent'].protocol_version, '0.3');
  assert.equal(byName['Legacy Stream'].protocol_version, '0.3');
  const echo = byName['Calc Agent'].skills.find((s) => s.id === 'echo');
  assert.equal(echo.tool, 'a2a_calc_agent_echo');
  assert.equal(echo.name, 'Echo');
  // The agent that is not up yet is listed as unhealthy, without skills.
  const down = agents.find((a) => a.url === `http://127.0.0.1:${latePort}`);
  assert.ok(down, JSON.stringify(agents));
  assert.equal(down.healthy, false);
  assert.deepEqual(down.skills, []);
  assert.ok(down.last_error);

  const one = await request(gw.url, { path: '/v1/a2a/agents/legacy_agent' });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.name, 'Legacy Agent');

  // The model is offered every skill with the documented schema and description.
  const { reqs } = await runTools('CALL a2a_calc_agent_echo {"input":"echo listing"}');
  const tools = reqs[0].body.tools.map((t) => t.function);
  const names = tools.map((t) => t.name);
  for (const n of ['a2a_calc_agent_echo', 'a2a_stream_agent_stream', 'a2a_legacy_agent_long', 'a2a_legacy_stream_slow']) {
    assert.ok(names.includes(n), `${n} missing from ${names}`);
  }
  const echoTool = tools.find((t) => t.name === 'a2a_calc_agent_echo');
  assert.equal(echoTool.description, 'Echoes the text back (agent: Calc Agent) Examples: echo hello');
  assert.deepEqual(echoTool.parameters.required, ['input']);
  assert.equal(echoTool.parameters.properties.input.type, 'string');
});

test('blocking send: a 1.0 message answer and a completed task with an artifact', async () => {
  const { results } = await runTools('CALL a2a_calc_agent_echo {"input":"echo hello there"}\nCALL a2a_calc_agent_calc {"input":"calc 2 3"}');
  assert.deepEqual(results, ['echo: hello there', 'sum=5']);
  const sends = rpcs(calc, 'SendMessage');
  assert.ok(sends.length >= 2);
  const last = sends[sends.length - 1];
  assert.equal(last.headers['a2a-version'], '1.0');
  assert.equal(last.body.params.message.role, 'ROLE_USER');
});

test('blocking send to a 0.3 agent uses message/send and kind-tagged parts', async () => {
  const { results } = await runTools('CALL a2a_legacy_agent_echo {"input":"echo old"}\nCALL a2a_legacy_agent_calc {"input":"calc 40 2"}');
  assert.deepEqual(results, ['echo: old', 'sum=42']);
  const sends = rpcs(legacy, 'message/send');
  assert.ok(sends.length >= 2);
  assert.equal(sends[0].body.params.message.parts[0].kind, 'text');
  assert.equal(sends[0].headers['a2a-version'], undefined);
});

test('streaming agents: status updates and the artifact, for both generations', async () => {
  const { results } = await runTools('CALL a2a_stream_agent_stream {"input":"stream"}\nCALL a2a_legacy_stream_stream {"input":"stream"}');
  assert.equal(results.length, 2);
  for (const r of results) assert.match(r, /streamed result/);
  assert.ok(rpcs(streamer, 'SendStreamingMessage').length >= 1);
  assert.ok(rpcs(legacyStream, 'message/stream').length >= 1);
  assert.equal(rpcs(streamer, 'SendMessage').length, 0);
});

test('a long task is polled until it completes (GetTask / tasks/get)', async () => {
  const getsBefore = rpcs(calc, 'GetTask').length;
  const { results } = await runTools('CALL a2a_calc_agent_long {"input":"long 600"}\nCALL a2a_legacy_agent_long {"input":"long 400"}');
  assert.deepEqual(results.map((r) => r.includes('long done')), [true, true], JSON.stringify(results));
  assert.ok(rpcs(calc, 'GetTask').length > getsBefore, 'the 1.0 agent was polled');
  assert.ok(rpcs(legacy, 'tasks/get').length >= 1, 'the 0.3 agent was polled');
});

test('a failing task is reported to the model as an error with the agent message', async () => {
  const { results } = await runTools('CALL a2a_calc_agent_fail {"input":"fail"}\nCALL a2a_legacy_stream_fail {"input":"fail"}');
  for (const r of results) {
    assert.match(r, /failed the task/);
    assert.match(r, /boom: the agent failed/);
  }
});

test('input-required: the model learns the agent needs more input and what it asks', async () => {
  const { results } = await runTools('CALL a2a_calc_agent_ask {"input":"ask"}\nCALL a2a_legacy_agent_ask {"input":"ask"}');
  for (const r of results) {
    assert.match(r, /needs more input/);
    assert.match(r, /Which city do you mean\?/);
  }
});

test('invalid arguments are reported without calling the agent', async () => {
  const before = calc.requests.length;
  const { results } = await runTools('CALL a2a_calc_agent_echo {"text":"no input field"}');
  assert.match(results[0], /Invalid arguments/);
  assert.equal(calc.requests.length, before);
});

test('requests to agents carry the bypass headers and never the client credentials', async () => {
  const from = streamer.requests.length;
  await runTools('CALL a2a_stream_agent_echo {"input":"echo headers"}', { 'x-custom-client': 'secret-value' });
  const sent = streamer.requests.slice(from).filter((r) => r.method === 'POST');
  assert.ok(sent.length >= 1);
  for (const r of sent) {
    assert.equal(r.headers['x-a2a-bypass'], 'true');
    assert.equal(r.headers['x-mcp-bypass'], 'true');
    assert.equal(r.headers.authorization, undefined, 'the client Authorization must not reach the agent');
    assert.equal(r.headers['x-custom-client'], undefined);
  }
  // Card fetches too.
  for (const r of streamer.requests.filter((x) => x.method === 'GET')) {
    assert.equal(r.headers['x-a2a-bypass'], 'true');
    assert.equal(r.headers.authorization, undefined);
  }
});

// Sends a chat request and aborts it once `started` resolves (the client goes away).
async function chatThenDisconnect(script, started, stream) {
  const body = JSON.stringify({ model: 'openai/tool-model', stream, messages: [{ role: 'user', content: script }] });
  const u = new URL(gw.url);
  const req = http.request({
    host: u.hostname, port: u.port, method: 'POST', path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer client-key' },
  });
  req.on('error', () => {});
  req.on('response', (res) => res.on('error', () => {}).resume());
  req.end(body);
  await started;
  req.destroy();
}

for (const [label, agentName, tool, method, stream] of [
  ['1.0 (CancelTask)', 'streamer', 'a2a_stream_agent_slow', 'CancelTask', true],
  ['0.3 (tasks/cancel)', 'legacyStream', 'a2a_legacy_stream_slow', 'tasks/cancel', false],
]) {
  test(`the task is cancelled when the client disconnects mid-request: ${label}`, async () => {
    const agent = agentName === 'streamer' ? streamer : legacyStream;
    const started = new Promise((resolve) => agent.once('slow-started', resolve));
    const cancelled = agent.waitCancelled();
    await chatThenDisconnect(`CALL ${tool} {"input":"slow"}`, started, stream);
    const taskId = await cancelled;
    const cancel = rpcs(agent, method).find((r) => r.body.params.id === taskId);
    assert.ok(cancel, `no ${method} for ${taskId}`);
    assert.equal(cancel.headers['x-a2a-bypass'], 'true');
    await gw.waitForLog(/a2a task cancelled/);
    agent.cancelled.length = 0;
  });
}

test('an agent that is down at start-up is retried and its tools appear once it is up', async () => {
  const url = `http://127.0.0.1:${latePort}`;
  await gw.waitForLog(new RegExp(`a2a agent unavailable url=${url.replace(/[.]/g, '\\.')}`));
  late = await startA2aAgent({ name: 'Late Agent', version: '1.0', port: latePort });
  await gw.waitForLog(/a2a agent ready name=Late Agent /);
  const { results } = await runTools('CALL a2a_late_agent_echo {"input":"echo finally"}');
  assert.deepEqual(results, ['echo: finally']);
  const res = await request(gw.url, { path: '/v1/a2a/agents/late_agent' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.healthy, true);
});

test('the agents listing is forbidden unless A2A_EXPOSE is set', async () => {
  const hidden = await startGateway({ A2A_ENABLE: 'true', A2A_AGENTS: calc.url });
  try {
    const res = await request(hidden.url, { path: '/v1/a2a/agents' });
    assert.equal(res.status, 403, res.text);
  } finally {
    await hidden.stop();
  }
});

test('a task that outlasts A2A_POLLING_TIMEOUT / A2A_MAX_POLL_ATTEMPTS is reported as a timeout', async () => {
  const impatient = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    A2A_ENABLE: 'true',
    A2A_AGENTS: calc.url,
    A2A_POLLING_INTERVAL: '50ms',
    A2A_MAX_POLL_ATTEMPTS: '3',
  });
  try {
    await impatient.waitForLog(/a2a agent ready name=Calc Agent /);
    const res = await chat(impatient.url, { model: 'openai/tool-model', messages: [{ role: 'user', content: 'CALL a2a_calc_agent_long {"input":"long 3000"}' }] });
    assert.equal(res.status, 200, res.text);
    const [result] = JSON.parse(res.json.choices[0].message.content.slice(6));
    assert.match(result, /did not finish the task in time/);
    assert.match(result, /state working/);
  } finally {
    await impatient.stop();
  }
});

test('stopping the gateway while an agent never answers exits cleanly and sends no CancelTask', async () => {
  // A raw agent: serves its card, takes the SendMessage and never answers it.
  const posts = [];
  const hung = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.method === 'GET' && req.url.startsWith('/.well-known/agent-card.json')) {
        const { port } = server.address();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({
          name: 'Hung Agent', description: 'never answers', version: '1',
          supportedInterfaces: [{ url: `http://127.0.0.1:${port}/`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
          capabilities: { streaming: false },
          skills: [{ id: 'wait', name: 'Wait', description: 'waits forever' }],
        }));
        return;
      }
      if (req.method === 'POST') {
        posts.push(JSON.parse(body || '{}'));
        hung.push(res);
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const own = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    A2A_ENABLE: 'true',
    A2A_AGENTS: `http://127.0.0.1:${server.address().port}`,
    A2A_CLIENT_TIMEOUT: '60s',
    SERVER_SHUTDOWN_GRACE: '1s',
  });
  try {
    await own.waitForLog(/a2a agent ready name=Hung Agent /);
    const pending = chat(own.url, { model: 'openai/tool-model', messages: [{ role: 'user', content: 'CALL a2a_hung_agent_wait {"input":"x"}' }] }).catch(() => null);
    for (let i = 0; i < 100 && posts.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(posts.length, 1, 'the agent got the call');
    const { code, signal } = await own.stop();
    assert.equal(signal, null, own.logs());
    assert.equal(code, 0);
    // The call outlived the 2 s wait: the source's io_context was abandoned, not destroyed.
    assert.match(own.logs(), /a2a client did not stop within 2s/);
    await pending;
    assert.deepEqual(posts.map((p) => p.method), ['SendMessage'], 'no CancelTask on shutdown');
  } finally {
    for (const r of hung) r.destroy();
    await new Promise((r) => server.close(r));
  }
});
