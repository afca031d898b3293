// Upstream keep-alive, graceful shutdown, HTTPS serving.
import { test, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, CONTENT } from './fakes/openai_upstream.mjs';
import { request, chat, chatStream, tryConnect, eventually } from './helpers/http.mjs';

const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });
const messages = [{ role: 'user', content: 'hi' }];

test('sequential requests reuse one upstream TCP connection', async () => {
  const up = await startFakeOpenAI();
  cleanups.push(() => up.close());
  const gw = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai', SERVER_THREADS: '1' });
  cleanups.push(() => gw.kill());
  for (let i = 0; i < 5; i++) {
    const res = await chat(gw.url, { model: 'openai/gpt-4o', messages });
    assert.equal(res.status, 200, res.text);
  }
  const s = await chatStream(gw.url, { model: 'openai/gpt-4o', messages });
  await s.sse.rest();
  assert.ok(s.sse.ended);
  assert.equal((await chat(gw.url, { model: 'openai/gpt-4o', messages })).status, 200);
  assert.equal(up.requests.length, 7);
  assert.deepEqual([...new Set(up.requests.map((r) => r.connId))], [1], `upstream connections opened: ${up.connections}`);
});

test('concurrent streams on one worker thread progress independently', async () => {
  const up = await startFakeOpenAI();
  cleanups.push(() => up.close());
  const gw = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai', SERVER_THREADS: '1' });
  cleanups.push(() => gw.kill());
  const N = 5;
  const streams = await Promise.all(Array.from({ length: N }, (_, i) =>
    chatStream(gw.url, { model: 'openai/slow-stream', messages, stream_id: i })));
  // Every stream gets its first content while all upstream responses are held.
  for (const s of streams) {
    assert.equal(s.status, 200);
    await s.sse.next();
    assert.equal((await s.sse.next()).json.choices[0].delta.content, 'Hello');
  }
  assert.equal((await request(gw.url, { path: '/health' })).status, 200, 'health blocked by open streams');
  // Release in reverse order; each finishes.
  for (let i = N - 1; i >= 0; i--) {
    (await up.waitForRequest((r) => r.body?.stream_id === i)).release();
    const rest = await streams[i].sse.rest();
    assert.equal(rest.at(-1).data, '[DONE]');
    assert.ok(streams[i].sse.ended);
  }
});

test('SIGTERM during a stream: stream completes, new connections refused, exit code 0', async () => {
  const up = await startFakeOpenAI();
  cleanups.push(() => up.close());
  const gw = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai', SERVER_SHUTDOWN_GRACE: '60s' });
  cleanups.push(() => gw.kill());

  const s = await chatStream(gw.url, { model: 'openai/slow-stream', messages });
  assert.equal(s.status, 200);
  const first = [await s.sse.next(), await s.sse.next()]; // role chunk + "Hello"; upstream now holds
  assert.equal(first[1].json.choices[0].delta.content, 'Hello');
  const rec = await up.waitForRequest((r) => r.body?.model === 'slow-stream');

  gw.signal('SIGTERM');
  await eventually(async () => (await tryConnect(gw.port)) === 'refused', { what: 'the listener to close after SIGTERM' });
  assert.equal(gw.child.exitCode, null, 'gateway exited before the in-flight stream finished');

  rec.release();
  const rest = await s.sse.rest();
  assert.equal(s.sse.error, null);
  assert.ok(s.sse.ended, 'in-flight stream was cut off by shutdown');
  assert.equal(rest.at(-1).data, '[DONE]');
  const content = [...first, ...rest].map((e) => e.json?.choices?.[0]?.delta?.content ?? '').join('');
  assert.equal(content, CONTENT);
  const { code, signal } = await gw.exited;
  assert.equal(code, 0, `exit code ${code}, signal ${signal}; logs:\n${gw.logs().slice(-2000)}`);
});

test('SIGINT on an idle gateway exits 0', async () => {
  const gw = await startGateway({});
  cleanups.push(() => gw.kill());
  const { code, signal } = await gw.stop('SIGINT');
  assert.equal(code, 0, `exit code ${code}, signal ${signal}; logs:\n${gw.logs().slice(-2000)}`);
  assert.equal(await tryConnect(gw.port), 'refused');
});

test('serves HTTPS with the configured certificate', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-tls-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const up = await startFakeOpenAI();
  cleanups.push(() => up.close());
  const gw = await startGateway({ SERVER_TLS_CERT_PATH: cert, SERVER_TLS_KEY_PATH: key, OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai' });
  cleanups.push(() => gw.kill());
  assert.equal(gw.scheme, 'https');
  const ca = fs.readFileSync(cert);
  const health = await request(gw.url, { path: '/health', ca });
  assert.equal(health.status, 200);
  assert.deepEqual(health.json, { message: 'OK' });
  const res = await request(gw.url, { method: 'POST', path: '/v1/chat/completions', ca, body: { model: 'openai/gpt-4o', messages } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.choices[0].message.content, CONTENT);
  // Plain HTTP on the TLS port does not get a normal answer.
  const plain = await request(gw.url.replace('https:', 'http:'), { path: '/health', timeoutMs: 15_000 }).catch((e) => e);
  assert.ok(plain instanceof Error || plain.status === 400, 'plain HTTP served on the HTTPS port');
});
