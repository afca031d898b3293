// Small HTTP client helpers built on node:http / node:https.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import assert from 'node:assert/strict';

function rawRequest(base, { method = 'GET', path = '/', headers = {}, body, agent = false, ca, chunked = false, timeoutMs } = {}) {
  const u = new URL(base);
  const mod = u.protocol === 'https:' ? https : http;
  let payload;
  const hdrs = { ...headers };
  if (body !== undefined) {
    payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (!Object.keys(hdrs).some((k) => k.toLowerCase() === 'content-type')) hdrs['content-type'] = 'application/json';
    if (!chunked) hdrs['content-length'] = Buffer.byteLength(payload);
  }
  // `path` is sent verbatim (no normalisation), which the traversal tests rely on.
  const req = mod.request({ host: u.hostname, port: u.port, method, path, headers: hdrs, agent, ca });
  const response = new Promise((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs}ms`)));
  if (chunked && payload !== undefined) {
    // Transfer-Encoding: chunked, in several pieces, so no Content-Length is known up front.
    const buf = Buffer.from(payload);
    for (let i = 0; i < buf.length; i += 1024) req.write(buf.subarray(i, i + 1024));
    req.end();
  } else req.end(payload);
  return { req, response };
}

// Whole-response request: resolves { status, headers, text, json }.
export async function request(base, opts = {}) {
  const { req, response } = rawRequest(base, opts);
  const res = await response;
  res.setEncoding('utf8');
  let text = '';
  for await (const c of res) text += c;
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.statusCode, headers: res.headers, text, json, reusedSocket: req.reusedSocket, localPort: res.socket?.localPort };
}

export const chat = (base, body, { query = '', headers = {} } = {}) =>
  request(base, { method: 'POST', path: `/v1/chat/completions${query}`, body, headers: { authorization: 'Bearer client-key', ...headers } });

// Incremental SSE reader over a response.
export class SSEReader {
  constructor(res) {
    this.res = res;
    this.buf = '';
    this.events = [];
    this.pos = 0;
    this.ended = false; // 'end' seen and the message was complete
    this.error = null;
    this.waiters = [];
    res.setEncoding('utf8');
    res.on('data', (d) => { this.buf += d; this.#parse(); this.#wake(); });
    res.on('end', () => { this.ended = res.complete; this.#finish(); });
    res.on('error', (e) => { this.error = e; this.#finish(); });
    res.on('close', () => { if (!res.complete && !this.error) this.error = new Error('response closed before it was complete'); this.#finish(); });
  }
  #parse() {
    let idx;
    this.buf = this.buf.replace(/\r\n/g, '\n');
    while ((idx = this.buf.indexOf('\n\n')) !== -1) {
      const block = this.buf.slice(0, idx);
      this.buf = this.buf.slice(idx + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (!block.split('\n').some((l) => l.startsWith('data:'))) continue; // comments / keep-alives
      let json;
      try { json = JSON.parse(data); } catch { json = undefined; }
      this.events.push({ data, json });
    }
  }
  #finish() { this.closed = true; this.#wake(); }
  #wake() { const w = this.waiters; this.waiters = []; w.forEach((f) => f()); }
  // Next event, or null once the response is over.
  async next() {
    for (;;) {
      if (this.pos < this.events.length) return this.events[this.pos++];
      if (this.closed) return null;
      await new Promise((r) => this.waiters.push(r));
    }
  }
  // All remaining events until the response ends.
  async rest() {
    const out = [];
    for (let e; (e = await this.next()) !== null;) out.push(e);
    return out;
  }
}

// Streaming request: resolves { status, headers, sse: SSEReader, req, res }.
export async function openStream(base, opts = {}) {
  const { req, response } = rawRequest(base, opts);
  const res = await response;
  return { status: res.statusCode, headers: res.headers, sse: new SSEReader(res), req, res };
}

export const chatStream = (base, body, { query = '', headers = {} } = {}) =>
  openStream(base, { method: 'POST', path: `/v1/chat/completions${query}`, body: { stream: true, ...body }, headers: { authorization: 'Bearer client-key', ...headers } });

// Resolves 'refused' | 'connected' for a fresh TCP connection attempt.
export function tryConnect(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (e) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : `error:${e.code}`));
  });
}

// Assert the OpenAI error envelope and return the error object.
export function assertErrorShape(res, status) {
  assert.equal(res.status, status, `expected HTTP ${status}, got ${res.status}: ${res.text}`);
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${res.text}`);
  const e = res.json.error;
  assert.ok(e && typeof e === 'object', `missing "error" object: ${res.text}`);
  assert.equal(typeof e.message, 'string', `error.message must be a string: ${res.text}`);
  assert.ok(e.message.length > 0, 'error.message is empty');
  assert.equal(typeof e.type, 'string', `error.type must be a string: ${res.text}`);
  assert.ok(e.code === null || typeof e.code === 'string', `error.code must be string|null: ${res.text}`);
  return e;
}

// Bounded wait for a condition that has no event of its own (e.g. a port becoming closed).
export async function eventually(fn, { timeoutMs = 10_000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}
