// A provider that writes raw bytes (plain TCP or TLS), for tests of how the gateway reads
// upstream responses: interim 1xx heads, bytes nobody asked for, odd statuses and framing.
//
//   const up = await startRawUpstream(script, { tls: { key, cert, ...tlsOptions } });
//   up.url            -> "http(s)://127.0.0.1:PORT/v1" (use as {ID}_API_URL)
//   up.port
//   up.requests       -> every request: { conn, method, path, rawHeaders: [[name, value]...],
//                        headers (lower-case names), body, json }
//   up.connections    -> number of connections accepted
//   await up.close()
//
// `script(req)` returns what to write, in order: strings/Buffers (each one socket.write, so
// over TLS each becomes its own record), { close: true } to end the connection, or
// { hang: true } to write nothing more for this request.
import net from 'node:net';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function chatAnswer(content, { status = '200 OK', extraHeaders = '' } = {}) {
  const body = JSON.stringify({
    id: 'chatcmpl-raw', object: 'chat.completion', created: 1_700_000_000, model: 'raw',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}

// A self-signed certificate for 127.0.0.1 / localhost made with the openssl CLI.
export function makeCert(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-cert-'))) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
  { stdio: 'ignore' });
  return { dir, keyPath: key, certPath: cert, key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

function parseRequests(state, onRequest) {
  for (;;) {
    const end = state.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const lines = state.buf.subarray(0, end).toString('latin1').split('\r\n');
    const [method, target] = lines[0].split(' ');
    const rawHeaders = lines.slice(1).map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1).trim()];
    });
    const headers = {};
    for (const [n, v] of rawHeaders) headers[n.toLowerCase()] = v;
    const len = Number(headers['content-length'] ?? 0);
    if (state.buf.length < end + 4 + len) return;
    const body = state.buf.subarray(end + 4, end + 4 + len).toString('utf8');
    state.buf = state.buf.subarray(end + 4 + len);
    let json;
    try { json = JSON.parse(body); } catch { json = undefined; }
    onRequest({ method, path: target, rawHeaders, headers, body, json });
  }
}

export async function startRawUpstream(script, { tls: tlsOptions } = {}) {
  const requests = [];
  const sockets = new Set();
  let connections = 0;
  const onConnection = (socket) => {
    const conn = ++connections;
    sockets.add(socket);
    // Every write leaves at once (no Nagle): bytes written after a response are on the wire
    // before the gateway's next request, i.e. waiting on an idle connection. (Bytes held back
    // until the next request arrives are indistinguishable from its answer in HTTP/1.1.)
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const state = { buf: Buffer.alloc(0), hung: false };
    socket.on('data', (d) => {
      state.buf = Buffer.concat([state.buf, d]);
      parseRequests(state, (req) => {
        const rec = { conn, ...req };
        requests.push(rec);
        if (state.hung) return;
        for (const step of script(rec)) {
          if (step.close) { socket.end(); return; }
          if (step.hang) { state.hung = true; return; }
          socket.write(step);
        }
      });
    });
  };
  const server = tlsOptions ? tls.createServer(tlsOptions, onConnection) : net.createServer(onConnection);
  server.on('tlsClientError', () => {});
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port,
    url: `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${port}/v1`,
    requests,
    get connections() { return connections; },
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
