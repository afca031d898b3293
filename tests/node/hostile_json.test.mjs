// Hostile JSON (issue 10, findings 1, 2, 4 and the duplicate "model" of 8), against the real
// binary and one scripted upstream that plays every provider:
//  - JSON nested ~100,000 levels inside strings the gateway parses again (tool-call arguments,
//    tool results, tool_result blocks) is a 400 that names JSON_MAX_DEPTH, and the gateway lives;
//  - an upstream answer nested 80,000 levels is a 502 (an error event on a stream), and the
//    gateway lives;
//  - a body with a key twice ("model", "stream") is a 400 that names the key;
//  - a 17 MB request to a native provider grows the process by a bounded multiple of its size.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startGateway } from './helpers/gateway.mjs';
import { request, chat, assertErrorShape } from './helpers/http.mjs';
import { startScriptedUpstream, OK_TEXT } from './fakes/scripted_upstream.mjs';

let up, gw;
before(async () => {
  up = await startScriptedUpstream();
  gw = await startGateway({
    ANTHROPIC_API_URL: `${up.url}/anthropic/v1`, ANTHROPIC_API_KEY: 'k',
    GOOGLE_API_URL: `${up.url}/google/v1beta`, GOOGLE_API_KEY: 'k',
    COHERE_API_URL: `${up.url}/cohere`, COHERE_API_KEY: 'k',
    OPENAI_API_URL: `${up.url}/openai/v1`, OPENAI_API_KEY: 'k',
    LOG_LEVEL: 'info',
  });
});
after(async () => {
  await gw?.kill();
  await up?.close();
});

const deepArray = (n) => '['.repeat(n) + ']'.repeat(n);
const deepObjectText = (n) => `{"a":${deepArray(n)}}`; // an object, so only the depth is wrong
const MODELS = { anthropic: 'anthropic/claude-x', google: 'google/gemini-x', cohere: 'cohere/command-x', openai: 'openai/gpt-x' };

// The gateway still answers, through the same provider.
async function assertAlive(model) {
  const res = await chat(gw.url, { model, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.choices[0].message.content, OK_TEXT);
}

function assertDepthError(res, status) {
  assertErrorShape(res, status);
  assert.match(res.json.error.message, /nested deeper than 128 levels/);
  assert.match(res.json.error.message, /JSON_MAX_DEPTH/);
}

const withToolCall = (args) => [
  { role: 'user', content: 'use the tool' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: args } }] },
  { role: 'tool', tool_call_id: 'call_1', content: 'done' },
];

for (const provider of ['anthropic', 'google', 'cohere']) {
  test(`${provider}: tool-call arguments nested 100,000 levels are a 400, and the gateway lives`, async () => {
    const res = await chat(gw.url, { model: MODELS[provider], messages: withToolCall(deepObjectText(100_000)) });
    // Cohere takes the arguments as a string, but parses them: the same limit applies.
    assertDepthError(res, 400);
    assert.match(res.json.error.message, /arguments/);
    await assertAlive(MODELS[provider]);
  });
}

test('google: a tool message whose content nests 100,000 levels is a 400, and the gateway lives', async () => {
  const messages = withToolCall('{}');
  messages[2].content = deepObjectText(100_000);
  const res = await chat(gw.url, { model: MODELS.google, messages });
  assertDepthError(res, 400);
  await assertAlive(MODELS.google);
});

test('/v1/messages to google: a tool_result block nesting 100,000 levels is a 400, and the gateway lives', async () => {
  const res = await request(gw.url, {
    method: 'POST', path: '/v1/messages',
    headers: { 'anthropic-version': '2023-06-01' },
    body: {
      model: MODELS.google, max_tokens: 10,
      messages: [
        { role: 'user', content: 'use the tool' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: deepObjectText(100_000) }] },
      ],
    },
  });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.type, 'error');
  assert.match(res.json.error.message, /JSON_MAX_DEPTH/);
  await assertAlive(MODELS.google);
});

test('a request body nested beyond the limit is a 400 naming the limit', async () => {
  const res = await request(gw.url, {
    method: 'POST', path: '/v1/chat/completions',
    body: `{"model":"${MODELS.anthropic}","messages":[],"x":${deepArray(200)}}`,
  });
  assertDepthError(res, 400);
});

// ---- upstream answers ----

const deepInput = (n) => `{"a":${deepArray(n)}}`;

test('anthropic: a non-streaming answer whose tool_use.input nests 80,000 levels is a 502, and the gateway lives', async () => {
  up.next({ body: `{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"tool_use","id":"t1","name":"f","input":${deepInput(80_000)}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}` });
  const res = await chat(gw.url, { model: MODELS.anthropic, messages: [{ role: 'user', content: 'hi' }] });
  assertErrorShape(res, 502);
  assert.match(res.json.error.message, /JSON_MAX_DEPTH/);
  await assertAlive(MODELS.anthropic);
});

test('anthropic: a stream event nesting 80,000 levels ends the stream with an error event, and the gateway lives', async () => {
  const sse = [
    'event: message_start',
    'data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[],"usage":{"input_tokens":1,"output_tokens":0}}}',
    '',
    'event: content_block_start',
    `data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"f","input":${deepInput(80_000)}}}`,
    '', '',
  ].join('\n');
  up.next({ headers: { 'content-type': 'text/event-stream' }, body: sse });
  const res = await request(gw.url, {
    method: 'POST', path: '/v1/chat/completions', headers: { accept: 'text/event-stream' },
    body: { model: MODELS.anthropic, stream: true, messages: [{ role: 'user', content: 'hi' }] },
  });
  assert.equal(res.status, 200);
  const events = res.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  const err = events.map((e) => { try { return JSON.parse(e); } catch { return null; } }).find((j) => j?.error);
  assert.ok(err, res.text.slice(0, 2000));
  assert.match(err.error.message, /JSON_MAX_DEPTH/);
  assert.equal(events.at(-1), '[DONE]');
  await assertAlive(MODELS.anthropic);
});

for (const provider of ['google', 'cohere']) {
  test(`${provider}: an answer nesting 80,000 levels is a 502, and the gateway lives`, async () => {
    const body = provider === 'google'
      ? `{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":${deepInput(80_000)}}}]},"finishReason":"STOP"}]}`
      : `{"id":"c1","finish_reason":"COMPLETE","message":{"role":"assistant","content":[{"type":"text","text":"x"}],"citations":${deepArray(80_000)}}}`;
    up.next({ body });
    const res = await chat(gw.url, { model: MODELS[provider], messages: [{ role: 'user', content: 'hi' }] });
    assertErrorShape(res, 502);
    assert.match(res.json.error.message, /JSON_MAX_DEPTH/);
    await assertAlive(MODELS[provider]);
  });
}

// ---- duplicate keys ----

for (const path of ['/v1/chat/completions', '/v1/messages']) {
  for (const key of ['model', 'stream']) {
    test(`${path}: a body with "${key}" twice is a 400 naming the key`, async () => {
      const before = up.requests.length;
      const second = key === 'model' ? `"${MODELS.openai}"` : 'true';
      const res = await request(gw.url, {
        method: 'POST', path,
        body: `{"model":"${MODELS.anthropic}","max_tokens":5,"stream":false,"messages":[{"role":"user","content":"hi"}],"${key}":${second}}`,
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.json.error.message, new RegExp(`duplicate key '${key}'`));
      assert.equal(up.requests.length, before, 'nothing was sent upstream');
    });
  }
}

// ---- memory and work per request (finding 4) ----

const memory = (pid) => {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const bytes = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)[1]) * 1024;
  return { rss: bytes('VmRSS'), hwm: bytes('VmHWM') };
};

// ~17 MB of conversation in 2 KB messages (8,700 of them: under CHAT_MAX_MESSAGES).
function bigConversation(model) {
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(45);
  const messages = [];
  for (let i = 0; messages.length * 2100 < 17 * 1024 * 1024; i++) {
    messages.push({ role: i % 2 ? 'assistant' : 'user', content: `${i}: ${text}` });
  }
  return JSON.stringify({ model, max_tokens: 10, messages });
}

// Sanitizer builds (make asan-test / tsan-test) add shadow memory, redzones and a quarantine of
// freed blocks, so their RSS says nothing about the gateway's own allocations: there the request
// must still succeed and leave the gateway serving, and the memory bounds are asserted on the
// plain build, which `make test` runs too.
const SANITIZED = Boolean(process.env.ASAN_OPTIONS || process.env.TSAN_OPTIONS);

for (const provider of ['anthropic', 'google', 'cohere', 'openai']) {
  test(`${provider}: a 17 MB request costs a bounded multiple of its size, and the memory is returned`, async () => {
    const g = await startGateway({
      ANTHROPIC_API_URL: `${up.url}/anthropic/v1`, ANTHROPIC_API_KEY: 'k',
      GOOGLE_API_URL: `${up.url}/google/v1beta`, GOOGLE_API_KEY: 'k',
      COHERE_API_URL: `${up.url}/cohere`, COHERE_API_KEY: 'k',
      OPENAI_API_URL: `${up.url}/openai/v1`, OPENAI_API_KEY: 'k',
      SERVER_THREADS: '1', LOG_LEVEL: 'warn',
    }, { quiet: true });
    try {
      const pid = g.child.pid;
      await assertAliveOn(g, MODELS[provider]); // warm: pools, first allocations
      const before = memory(pid);
      const body = bigConversation(MODELS[provider]);
      const res = await request(g.url, { method: 'POST', path: '/v1/chat/completions', body });
      assert.equal(res.status, 200, res.text.slice(0, 500));
      // The next request on the single worker starts after the large one has finished.
      await assertAliveOn(g, MODELS[provider]);
      const after = memory(pid);
      const peak = (after.hwm - before.rss) / body.length;
      const kept = (after.rss - before.rss) / body.length;
      // Measured at 46fa266: peak 4.4-5.7x, and 2.3-3.7x of it kept after the request; now the
      // peak is 2.0-5.4x and nothing is kept (tests/node/hostile_json.test.mjs in the report).
      if (!SANITIZED) {
        assert.ok(peak < 7, `peak growth ${peak.toFixed(1)}x the body`);
        assert.ok(kept < 1, `kept ${kept.toFixed(1)}x the body after the request`);
      }
    } finally {
      await g.kill();
    }
  });
}

async function assertAliveOn(g, model) {
  const res = await chat(g.url, { model, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 200, res.text);
}

test('more messages than CHAT_MAX_MESSAGES is a 400 naming the limit, before anything is translated', async () => {
  const before = up.requests.length;
  const messages = Array.from({ length: 10_001 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x' }));
  for (const path of ['/v1/chat/completions', '/v1/messages']) {
    const res = await request(gw.url, { method: 'POST', path, body: { model: MODELS.google, max_tokens: 5, messages } });
    assert.equal(res.status, 400, res.text.slice(0, 300));
    assert.match(res.json.error.message, /10001 messages.*at most 10000 \(CHAT_MAX_MESSAGES\)/);
  }
  assert.equal(up.requests.length, before);
});

test('a body of more JSON values than CHAT_MAX_JSON_VALUES is a 400 naming the limit', async () => {
  const values = `[${'1,'.repeat(500_000)}1]`;
  const res = await request(gw.url, {
    method: 'POST', path: '/v1/chat/completions',
    body: `{"model":"${MODELS.cohere}","messages":[{"role":"user","content":"hi"}],"metadata":${values}}`,
  });
  assert.equal(res.status, 400, res.text.slice(0, 300));
  assert.match(res.json.error.message, /at most 500000 \(CHAT_MAX_JSON_VALUES\)/);
  await assertAlive(MODELS.cohere);
});

// ---- tool results (MCP) ----

test('an MCP tool result nested 80,000 levels reaches the model as an error result, and the gateway lives', async () => {
  const { startDeepMcp } = await import('./fakes/deep_mcp.mjs');
  const { startToolLlm } = await import('./fakes/tool_llm.mjs');
  const mcp = await startDeepMcp({ depth: 80_000 });
  const llm = await startToolLlm();
  const g = await startGateway({
    OPENAI_API_URL: llm.url, OPENAI_API_KEY: 'k',
    MCP_ENABLE: 'true', MCP_SERVERS: `deep=${mcp.url}`,
  });
  try {
    await g.waitForLog(/mcp server ready/);
    const res = await chat(g.url, { model: 'openai/tool-model', messages: [{ role: 'user', content: 'CALL mcp_deep {}' }] });
    assert.equal(res.status, 200, res.text);
    assert.equal(mcp.calls, 1);
    // The model got the tool's answer as an error naming the limit, and answered with it.
    const answer = res.json.choices[0].message.content;
    assert.match(answer, /^DONE: /);
    assert.match(answer, /JSON_MAX_DEPTH/);
    const again = await chat(g.url, { model: 'openai/tool-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(again.status, 200);
  } finally {
    await g.kill();
    await llm.close();
    await mcp.close();
  }
});
