// RFC 9112 message framing on the client side, spoken byte by byte over raw sockets: request
// smuggling shapes (Transfer-Encoding / Content-Length), chunked-coding errors, HTTP/1.0
// clients, HEAD, header read timing, pipelining and many concurrent connections on two workers
// (the race test: run it against the ThreadSanitizer build, `make tsan-test`).
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, CONTENT_PIECES, SSE_EVENTS } from './fakes/openai_upstream.mjs';

let up, gw;
before(async () => {
  up = await startFakeOpenAI({ models: ['gpt-4o'] });
  // A short idle timeout only bounds how long a wrongly kept-alive connection lingers.
  gw = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai', SERVER_IDLE_TIMEOUT: '5s' });
});
after(async () => { await gw?.kill(); await up?.close(); });

// Writes `data` on a fresh connection and resolves with every byte received once the server
// closes it (the test timeout is the only bound).
function exchange(port, data) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.on('connect', () => s.write(data));
  });
}

// A connection read response by response: next() resolves once one complete response (framed
// by Content-Length, chunked coding, or the close) is buffered.
class Conn {
  constructor(port) {
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.waiters = [];
    this.sock = net.connect(port, '127.0.0.1');
    this.ready = new Promise((r, j) => { this.sock.once('connect', r); this.sock.once('error', j); });
    this.sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    this.sock.on('error', () => {});
    this.sock.on('close', () => { this.closed = true; this.closedAt = Date.now(); this.wake(); });
  }
  wake() { for (const w of this.waiters.splice(0)) w(); }
  changed() { return new Promise((r) => this.waiters.push(r)); }
  write(s) { this.sock.write(s); }
  async waitClosed() { while (!this.closed) await this.changed(); }
  // Parses one response off the buffer; `head` means the request was HEAD (no body follows).
  async next({ head = false } = {}) {
    for (;;) {
      const r = parseResponse(this.buf, { head, closed: this.closed });
      if (r) { this.buf = this.buf.subarray(r.length); return r; }
      if (this.closed) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`);
      await this.changed();
    }
  }
  destroy() { this.sock.destroy(); }
}

function parseResponse(buf, { head, closed }) {
  const s = buf.toString('latin1');
  const end = s.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const headText = s.slice(0, end);
  const [statusLine, ...lines] = headText.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers = {};
  for (const l of lines) { const i = l.indexOf(':'); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
  let pos = end + 4;
  if (status === 100) return { status, headers, body: '', length: pos, raw: s.slice(0, pos) };
  if (head || status === 204 || status === 304) return { status, headers, body: '', length: pos, raw: s.slice(0, pos) };
  if (headers['transfer-encoding']) {
    let body = '';
    for (;;) {
      const eol = s.indexOf('\r\n', pos);
      if (eol < 0) return null;
      const size = parseInt(s.slice(pos, eol), 16);
      if (size === 0) { const t = s.indexOf('\r\n', eol + 2); return t < 0 ? null : { status, headers, body, length: t + 2, raw: s.slice(0, t + 2) }; }
      if (s.length < eol + 2 + size + 2) return null;
      body += s.slice(eol + 2, eol + 2 + size);
      pos = eol + 2 + size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (s.length < pos + n) return null;
    return { status, headers, body: s.slice(pos, pos + n), length: pos + n, raw: s.slice(0, pos + n) };
  }
  if (!closed) return null; // close-delimited
  return { status, headers, body: s.slice(pos), length: s.length, raw: s };
}

const statusLines = (bytes) => bytes.match(/^HTTP\/1\.[01] \d{3}/gm) ?? [];
const bodyOf = (bytes) => bytes.slice(bytes.indexOf('\r\n\r\n') + 4);
const errorMessage = (bytes) => JSON.parse(bodyOf(bytes)).error.message;

// ---- Transfer-Encoding / Content-Length ----

test('Transfer-Encoding not ending in chunked: 400 and close; the smuggled request is never answered', async () => {
  const bytes = await exchange(gw.port,
    'GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n' +
    'GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], bytes);
  assert.match(bytes, /Connection: close/i);
  assert.match(errorMessage(bytes), /Transfer-Encoding must end with chunked/);
  assert.doesNotMatch(bytes, /"object":"list"/, 'the smuggled GET /v1/models was answered');
});

test('Transfer-Encoding "chunked, gzip" and a repeated chunked are refused', async () => {
  for (const te of ['chunked, gzip', 'chunked\r\nTransfer-Encoding: gzip', 'chunked, chunked']) {
    const bytes = await exchange(gw.port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: ${te}\r\n\r\n` +
      '5\r\nhello\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], `${te}: ${bytes}`);
    assert.match(errorMessage(bytes), /Transfer-Encoding/, te);
  }
  // A coding we do not implement before chunked: 501, the connection is not reused.
  const bytes = await exchange(gw.port,
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  assert.deepEqual(statusLines(bytes), ['HTTP/1.1 501'], bytes);
  assert.match(errorMessage(bytes), /'gzip' is not supported/);
});

test('Transfer-Encoding together with Content-Length: 400 that names the conflict, then close', async () => {
  for (const hdrs of ['Transfer-Encoding: chunked\r\nContent-Length: 5', 'Content-Length: 5\r\nTransfer-Encoding: chunked']) {
    const bytes = await exchange(gw.port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${hdrs}\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], bytes);
    const msg = errorMessage(bytes);
    assert.match(msg, /Transfer-Encoding/, msg);
    assert.match(msg, /Content-Length/, msg);
  }
});

test('differing or invalid Content-Length values: 400 that says so', async () => {
  for (const cl of ['Content-Length: 5\r\nContent-Length: 6', 'Content-Length: 5, 6', 'Content-Length: -1', 'Content-Length: 0x5', 'Content-Length: 99999999999999999999999']) {
    const bytes = await exchange(gw.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${cl}\r\n\r\nhello!`);
    assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], `${cl}: ${bytes}`);
    assert.match(errorMessage(bytes), /Content-Length/, cl);
  }
});

test('Transfer-Encoding in an HTTP/1.0 request: 400 and close', async () => {
  const bytes = await exchange(gw.port,
    'POST /v1/chat/completions HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], bytes);
  assert.match(errorMessage(bytes), /HTTP\/1\.0/);
});

// ---- chunked request bodies ----

test('a chunk size that overflows gets a 400 answer before the close', async () => {
  const bytes = await exchange(gw.port,
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
    'ffffffffffffffffff\r\nhello\r\n0\r\n\r\n');
  assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], bytes);
  assert.match(errorMessage(bytes), /chunk/);
});

test('malformed chunk lines and an endless chunk extension get a 400 answer', async () => {
  const bad = ['zz\r\nhello\r\n0\r\n\r\n', '5\r\nhelloXX0\r\n\r\n', '5;=\r\nhello\r\n0\r\n\r\n', `1;${'a'.repeat(200_000)}`];
  for (const body of bad) {
    const bytes = await exchange(gw.port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`);
    assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], `${body.slice(0, 40)}: ${bytes.slice(0, 300)}`);
  }
});

test('a well-formed chunked request body is still served', async () => {
  const body = JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const half = Math.floor(body.length / 2);
  const chunked = `${half.toString(16)};ext=1\r\n${body.slice(0, half)}\r\n${(body.length - half).toString(16)}\r\n${body.slice(half)}\r\n0\r\nX-Trailer: t\r\n\r\n`;
  const bytes = await exchange(gw.port,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`);
  assert.deepEqual(statusLines(bytes), ['HTTP/1.1 200'], bytes);
  assert.equal(JSON.parse(bodyOf(bytes)).choices[0].message.content, CONTENT_PIECES.join(''));
});

// ---- HTTP/1.0 clients ----

test('HTTP/1.0 streaming chat: no chunked coding, the body is close-delimited and has every event', async () => {
  const body = JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const bytes = await exchange(gw.port,
    `POST /v1/chat/completions HTTP/1.0\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  const head = bytes.slice(0, bytes.indexOf('\r\n\r\n'));
  assert.match(head, /^HTTP\/1\.1 200/);
  assert.doesNotMatch(head, /Transfer-Encoding/i, head);
  assert.doesNotMatch(head, /Content-Length/i, head);
  assert.match(head, /Connection: close/i);
  const events = bodyOf(bytes);
  assert.match(events, /^data: \{/, 'the body starts with an SSE event, not a chunk-size line');
  assert.match(events, /data: \[DONE\]\n\n$/);
  const text = [...events.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join('');
  assert.equal(text, CONTENT_PIECES.join(''));
});

test('HTTP/1.0 streamed /proxy answers are close-delimited too', async () => {
  const c = new Conn(gw.port);
  await c.ready;
  c.write('GET /proxy/openai/h10/sse HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n');
  const rec = await up.waitForRequest((r) => r.path.endsWith('/h10/sse'));
  // The fake holds after its first event until released.
  while (!c.buf.toString('latin1').includes(SSE_EVENTS[0])) await c.changed();
  rec.release();
  await c.waitClosed();
  const bytes = c.buf.toString('latin1');
  const head = bytes.slice(0, bytes.indexOf('\r\n\r\n'));
  assert.match(head, /^HTTP\/1\.1 200/);
  assert.doesNotMatch(head, /Transfer-Encoding|Content-Length/i, head);
  assert.match(head, /Connection: close/i);
  assert.equal(bodyOf(bytes), SSE_EVENTS.map((e) => `data: ${e}\n\n`).join(''));
});

test('HTTP/1.0 keep-alive is honoured only when asked for, and announced', async () => {
  const c = new Conn(gw.port);
  await c.ready;
  c.write('GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const a = await c.next();
  assert.equal(a.status, 200);
  assert.match(a.headers.connection ?? '', /keep-alive/i, a.raw);
  c.write('GET /health HTTP/1.0\r\n\r\n');
  const b = await c.next();
  assert.equal(b.status, 200);
  await c.waitClosed(); // no keep-alive asked: closed after the answer
  assert.equal(c.buf.length, 0);
});

// ---- HEAD and bodiless statuses ----

// An upstream that answers every request with an unsized (chunked) stream, or with a
// Content-Length, and sends no body to HEAD as HTTP requires.
async function startRawUpstream() {
  const seen = [];
  const server = net.createServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let end;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const [method, target] = head.split(' ');
        seen.push({ method, target });
        const isHead = method === 'HEAD';
        if (target.includes('/unsized')) {
          s.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n' +
            (isHead ? '' : '8\r\ndata: x\n\n\r\n0\r\n\r\n'));
        } else {
          s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n' + (isHead ? '' : '{"a":"bcd"}'));
        }
      }
    });
    s.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, seen, close: () => new Promise((r) => { server.close(r); server.unref(); }) };
}

test('HEAD /proxy: no body bytes after the header block, and the connection stays in step', async () => {
  const raw = await startRawUpstream();
  const g = await startGateway({ OPENAI_API_URL: raw.url, OPENAI_API_KEY: 'sk-openai' });
  try {
    const c = new Conn(g.port);
    await c.ready;
    // An unsized upstream answer (a stream): no chunked framing, nor anything else, as a body.
    c.write('HEAD /proxy/openai/unsized HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const a = await c.next({ head: true });
    assert.equal(a.status, 200, a.raw);
    const b = await c.next();
    assert.equal(b.status, 200, `bytes after the HEAD answer: ${JSON.stringify(b.raw.slice(0, 80))}`);
    assert.equal(b.body, '{"message":"OK"}');
    assert.deepEqual(raw.seen[0], { method: 'HEAD', target: '/v1/unsized' });
    // A sized upstream answer: headers only, and never a wrong "Content-Length: 0".
    c.write('HEAD /proxy/openai/sized HTTP/1.1\r\nHost: x\r\n\r\nGET /proxy/openai/sized HTTP/1.1\r\nHost: x\r\n\r\n');
    const d = await c.next({ head: true });
    assert.equal(d.status, 200, d.raw);
    assert.notEqual(d.headers['content-length'], '0', d.raw);
    const e = await c.next();
    assert.equal(e.status, 200, JSON.stringify(e.raw.slice(0, 80)));
    assert.equal(e.body, '{"a":"bcd"}');
    c.destroy();
  } finally {
    await g.kill();
    await raw.close();
  }
});

test('HEAD on a local route: Content-Length of the GET, no body', async () => {
  const c = new Conn(gw.port);
  await c.ready;
  c.write('HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  const a = await c.next({ head: true });
  const b = await c.next();
  assert.equal(b.status, 200, JSON.stringify(b.raw.slice(0, 80)));
  assert.equal(a.headers['content-length'], String(b.body.length));
  c.destroy();
});

test('a 204 relayed from /proxy has no body and no chunked framing', async () => {
  const c = new Conn(gw.port);
  await c.ready;
  c.write('GET /proxy/openai/status/204 HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  const a = await c.next();
  assert.equal(a.status, 204, a.raw);
  assert.equal(a.headers['transfer-encoding'], undefined, a.raw);
  assert.equal(a.headers['content-length'], undefined, a.raw);
  const b = await c.next();
  assert.equal(b.status, 200, JSON.stringify(b.raw.slice(0, 80)));
  c.destroy();
});

// ---- request head checks ----

test('Host missing on HTTP/1.1 or repeated: 400; absent on HTTP/1.0: served', async () => {
  for (const req of ['GET /health HTTP/1.1\r\n\r\n', 'GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'GET /health HTTP/1.1\r\nHost: a b\r\n\r\n']) {
    const bytes = await exchange(gw.port, req);
    assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], `${JSON.stringify(req)}: ${bytes}`);
    assert.match(errorMessage(bytes), /Host/);
  }
  const ok = await exchange(gw.port, 'GET /health HTTP/1.0\r\n\r\n');
  assert.deepEqual(statusLines(ok), ['HTTP/1.1 200'], ok);
});

test('Expect other than 100-continue: 417; 100-continue gets its interim answer', async () => {
  const bytes = await exchange(gw.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}');
  assert.deepEqual(statusLines(bytes), ['HTTP/1.1 417'], bytes);
  assert.match(errorMessage(bytes), /100-continue/);
  const c = new Conn(gw.port);
  await c.ready;
  c.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n');
  const interim = await c.next();
  assert.equal(interim.status, 100);
  c.write('{}');
  const final = await c.next();
  assert.equal(final.status, 400); // no model: the handler's own answer
  c.destroy();
});

test('absolute-form targets are served like origin-form; other target forms get 400', async () => {
  const ok = await exchange(gw.port, 'GET http://gateway.example/health HTTP/1.1\r\nHost: gateway.example\r\nConnection: close\r\n\r\n');
  assert.deepEqual(statusLines(ok), ['HTTP/1.1 200'], ok);
  assert.equal(bodyOf(ok), '{"message":"OK"}');
  for (const t of ['health', 'gateway.example:443', '*']) {
    const bytes = await exchange(gw.port, `GET ${t} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.deepEqual(statusLines(bytes), ['HTTP/1.1 400'], `${t}: ${bytes}`);
  }
});

test('garbage request lines, NUL/CR in header values and unknown versions: 400, one answer', async () => {
  const cases = [
    ['GARBAGE\r\n\r\n', 400],
    ['GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n', 400],
    ['GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', 400],
    ['GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400],
    ['GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\nb\r\n\r\n', 400],
    ['GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\nTransfer-Encoding: gzip\r\n\r\n', 400],
    ['GET /health HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n', 400],
    ['GET /health HTTP/2.0\r\nHost: x\r\n\r\n', 400],
    ['GET /health HTTP/1.2\r\nHost: x\r\n\r\n', 400],
  ];
  for (const [req, status] of cases) {
    const bytes = await exchange(gw.port, req);
    assert.deepEqual(statusLines(bytes), [`HTTP/1.1 ${status}`], `${JSON.stringify(req)}: ${bytes}`);
  }
});

test('an obs-folded header is joined into one value, never split into a second request', async () => {
  const bytes = await exchange(gw.port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.deepEqual(statusLines(bytes), ['HTTP/1.1 200'], bytes);
  assert.equal(bodyOf(bytes), '{"message":"OK"}');
});

test('pipelined requests in one packet are answered in order, never mixed', async () => {
  const body = JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const c = new Conn(gw.port);
  await c.ready;
  c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n' +
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
    'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n' +
    'GET /v1/models?provider=openai HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const a = await c.next();
  const b = await c.next();
  const d = await c.next();
  const e = await c.next();
  assert.deepEqual([a.status, b.status, d.status, e.status], [200, 200, 404, 200]);
  assert.equal(a.body, '{"message":"OK"}');
  assert.equal(JSON.parse(b.body).choices[0].message.content, CONTENT_PIECES.join(''));
  assert.equal(JSON.parse(e.body).object, 'list');
  await c.waitClosed();
  assert.equal(c.buf.length, 0);
});

test('an empty line before a request line is ignored (RFC 9112 section 2.2)', async () => {
  const c = new Conn(gw.port);
  await c.ready;
  c.write('POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}\r\n' +
    'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await c.next();
  const b = await c.next();
  assert.equal(b.status, 200, b.raw);
  assert.equal(b.body, '{"message":"OK"}');
});

// ---- header read timing ----

test('a keep-alive request whose header stalls is closed by SERVER_READ_TIMEOUT, not SERVER_IDLE_TIMEOUT', async () => {
  const g = await startGateway({ SERVER_READ_TIMEOUT: '300ms', SERVER_IDLE_TIMEOUT: '20s' });
  try {
    const c = new Conn(g.port);
    await c.ready;
    c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await c.next()).status, 200);
    const started = Date.now();
    c.write('GET /health HTTP/1.1\r\nHo'); // the next request begins, then stalls
    await c.waitClosed();
    const took = c.closedAt - started;
    assert.ok(took < 10_000, `closed after ${took} ms: the idle timeout applied, not the read timeout`);
    assert.ok(took >= 250, `closed after ${took} ms, before the read timeout`);
  } finally {
    await g.kill();
  }
});

test('an idle keep-alive connection outlives SERVER_READ_TIMEOUT (the idle timeout governs it)', async () => {
  const g = await startGateway({ SERVER_READ_TIMEOUT: '300ms', SERVER_IDLE_TIMEOUT: '20s' });
  try {
    const c = new Conn(g.port);
    await c.ready;
    c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await c.next()).status, 200);
    await delay(1000); // the property under test: three read timeouts of silence between requests
    assert.equal(c.closed, false, 'idle connection closed by the read timeout');
    c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await c.next()).status, 200);
    c.destroy();
  } finally {
    await g.kill();
  }
});

// ---- many connections on two workers (ThreadSanitizer: must report nothing) ----

test('many concurrent connections on SERVER_THREADS=2 are all answered; a clean drain exits 0', async () => {
  const g = await startGateway({ SERVER_THREADS: '2', OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai' });
  const body = JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const one = async (i) => {
    const c = new Conn(g.port);
    await c.ready;
    c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const a = await c.next();
    c.write(i % 2 ? 'GET /v1/models?provider=openai HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
      : `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const b = await c.next();
    await c.waitClosed();
    return [a.status, b.status];
  };
  for (let round = 0; round < 3; ++round) {
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => one(i)));
    for (const r of results) assert.deepEqual(r, [200, 200]);
  }
  const { code, signal } = await g.stop(); // throws on a sanitizer report
  assert.equal(signal, null);
  assert.equal(code, 0, g.logs().slice(-3000));
});
