// Upstream failures: 502, 504, relayed 4xx/5xx, mid-stream failures, client disconnect.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, closedPort, RATE_LIMIT_MESSAGE } from './fakes/openai_upstream.mjs';
import { chat, chatStream, assertErrorShape } from './helpers/http.mjs';

let up, gw, gwDefaults;
before(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway({
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai',
    DEEPSEEK_API_URL: `http://127.0.0.1:${await closedPort()}/v1`, DEEPSEEK_API_KEY: 'sk-deepseek',
    CLIENT_RESPONSE_HEADER_TIMEOUT: '700ms',
    CLIENT_IDLE_CHUNK_TIMEOUT: '700ms',
  });
  // Default (long) timeouts: nothing but the client's disconnect can end a held stream.
  gwDefaults = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai' });
});
after(async () => { await gw?.kill(); await gwDefaults?.kill(); await up?.close(); });

const messages = [{ role: 'user', content: 'hi' }];

// Stream events before the gateway's error event, that event, and what follows it.
function splitAtError(events) {
  const i = events.findIndex((e) => e.json && e.json.error);
  assert.ok(i >= 0, `no error event in stream: ${JSON.stringify(events.map((e) => e.data))}`);
  return { beforeErr: events.slice(0, i), err: events[i].json.error, afterErr: events.slice(i + 1) };
}

test('connection refused upstream -> 502', async () => {
  assertErrorShape(await chat(gw.url, { model: 'deepseek/deepseek-chat', messages }), 502);
});

test('connection refused upstream on a stream request -> 502 (before any event)', async () => {
  const s = await chatStream(gw.url, { model: 'deepseek/deepseek-chat', messages });
  assert.equal(s.status, 502);
});

test('no upstream response headers within CLIENT_RESPONSE_HEADER_TIMEOUT -> 504, upstream request closed', async () => {
  const res = await chat(gw.url, { model: 'openai/slow-headers', messages });
  assertErrorShape(res, 504);
  const rec = await up.waitForRequest((r) => r.body?.model === 'slow-headers');
  await rec.closed; // the gateway gave up on the upstream request
});

test('upstream 429 is relayed with status and upstream message', async () => {
  const e = assertErrorShape(await chat(gw.url, { model: 'openai/error-429', messages }), 429);
  assert.ok(e.message.includes(RATE_LIMIT_MESSAGE), e.message);
});

test('upstream 500 / 400 / 401 are relayed with status and upstream message', async () => {
  const e500 = assertErrorShape(await chat(gw.url, { model: 'openai/error-500', messages }), 500);
  assert.ok(e500.message.includes('The fake upstream had an internal error'), e500.message);
  const e400 = assertErrorShape(await chat(gw.url, { model: 'openai/error-400', messages }), 400);
  assert.ok(e400.message.includes('Invalid request from fake upstream'), e400.message);
  const e401 = assertErrorShape(await chat(gw.url, { model: 'openai/error-401', messages }), 401);
  assert.ok(e401.message.includes('Incorrect API key provided to fake upstream'), e401.message);
});

test('upstream 429 on a stream request is relayed as 429', async () => {
  const s = await chatStream(gw.url, { model: 'openai/error-429', messages });
  assert.equal(s.status, 429);
});

test('upstream reset mid-stream -> events so far, an error event, [DONE], clean end', async () => {
  const s = await chatStream(gw.url, { model: 'openai/reset-mid-stream', messages });
  assert.equal(s.status, 200);
  const events = await s.sse.rest();
  assert.equal(s.sse.error, null, 'client stream was not terminated cleanly');
  assert.ok(s.sse.ended);
  const { beforeErr, err, afterErr } = splitAtError(events);
  assert.equal(beforeErr.length, 3, 'the chunks sent before the reset were not all relayed');
  assert.equal(beforeErr[0].json.choices[0].delta.role, 'assistant');
  assert.equal(typeof err.message, 'string');
  assert.deepEqual(afterErr.map((e) => e.data), ['[DONE]']);
});

test('upstream silent beyond CLIENT_IDLE_CHUNK_TIMEOUT mid-stream -> error event, [DONE], clean end', async () => {
  const s = await chatStream(gw.url, { model: 'openai/slow-stream', messages, tag_idle: true });
  assert.equal(s.status, 200);
  const events = await s.sse.rest();
  assert.equal(s.sse.error, null, 'client stream was not terminated cleanly');
  const { beforeErr, err, afterErr } = splitAtError(events);
  assert.equal(beforeErr.map((e) => e.json.choices[0].delta.content).join(''), 'Hello');
  assert.equal(typeof err.message, 'string');
  assert.deepEqual(afterErr.map((e) => e.data), ['[DONE]']);
  const rec = await up.waitForRequest((r) => r.body?.tag_idle === true);
  await rec.closed; // upstream request abandoned
});

test('client disconnecting mid-stream closes the upstream request', async () => {
  const s = await chatStream(gwDefaults.url, { model: 'openai/slow-stream', messages, tag_disc: true });
  assert.equal(s.status, 200);
  const first = await s.sse.next();
  assert.equal(first.json.choices[0].delta.role, 'assistant');
  const rec = await up.waitForRequest((r) => r.body?.tag_disc === true);
  s.req.destroy();
  await rec.closed; // fails by test timeout if the gateway keeps the upstream open
  // The gateway is still healthy afterwards.
  assert.equal((await chat(gwDefaults.url, { model: 'openai/gpt-4o', messages })).status, 200);
});
