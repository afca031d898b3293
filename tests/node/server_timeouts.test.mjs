// Server-side timeouts and shutdown grace expiry.
import { test, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI } from './fakes/openai_upstream.mjs';
import { chatStream } from './helpers/http.mjs';

const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

// Opens a raw TCP connection, writes `data`, resolves { bytes, closed } once the server closes it.
function rawUntilClosed(port, data) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let bytes = '';
    s.setEncoding('latin1');
    s.on('data', (d) => { bytes += d; });
    s.on('error', () => {});
    s.on('close', () => resolve({ bytes }));
    s.on('connect', () => s.write(data));
  });
}

test('SERVER_READ_TIMEOUT closes connections that stall while sending the request', async () => {
  const gw = await startGateway({ SERVER_READ_TIMEOUT: '500ms' });
  cleanups.push(() => gw.kill());
  // Headers never finished.
  const a = await rawUntilClosed(gw.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: appl');
  assert.ok(a.bytes === '' || /^HTTP\/1\.[01] (408|400)/.test(a.bytes), `unexpected answer: ${a.bytes.slice(0, 200)}`);
  // Body shorter than its Content-Length.
  const b = await rawUntilClosed(gw.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":');
  assert.ok(b.bytes === '' || /^HTTP\/1\.[01] (408|400)/.test(b.bytes), `unexpected answer: ${b.bytes.slice(0, 200)}`);
  // Still serving.
  const ok = await rawUntilClosed(gw.port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(ok.bytes, /^HTTP\/1\.1 200/);
});

test('SERVER_IDLE_TIMEOUT closes idle keep-alive connections after a response', async () => {
  const gw = await startGateway({ SERVER_IDLE_TIMEOUT: '500ms' });
  cleanups.push(() => gw.kill());
  const r = await rawUntilClosed(gw.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(r.bytes, /^HTTP\/1\.1 200/);
  assert.match(r.bytes, /\{"message":"OK"\}/);
});

test('SERVER_SHUTDOWN_GRACE bounds how long a hung stream delays exit', async () => {
  const up = await startFakeOpenAI();
  cleanups.push(() => up.close());
  const gw = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai', SERVER_SHUTDOWN_GRACE: '1s' });
  cleanups.push(() => gw.kill());
  const s = await chatStream(gw.url, { model: 'openai/slow-stream', messages: [{ role: 'user', content: 'hi' }] });
  await s.sse.next(); // the stream is in flight; the upstream never finishes it
  gw.signal('SIGTERM');
  const { code, signal } = await gw.exited;
  assert.equal(signal, null, `killed by ${signal}`);
  assert.equal(typeof code, 'number');
  await s.sse.rest(); // the client's stream is over too (no hang)
  assert.ok(s.sse.closed);
});
