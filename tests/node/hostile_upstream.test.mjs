// Hostile or odd upstreams: interim 1xx responses, bytes nobody asked for (plain TCP and TLS),
// 101, statuses outside 200-599 and redirects, compressed bodies, ambiguous framing, error
// messages that would reveal internal addresses, the /proxy header allow-list and the TLS
// cipher policy. The rule behind most of them: no user may ever receive another user's answer.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import zlib from 'node:zlib';
import { startGateway } from './helpers/gateway.mjs';
import { request, assertErrorShape } from './helpers/http.mjs';
import { freePort } from './helpers/servers.mjs';
import { startRawUpstream, chatAnswer, makeCert } from './fakes/raw_upstream.mjs';

const TIMEOUT = 15_000; // a relayed 1xx leaves the client waiting: fail fast, not by the file timeout

function chunked(text) {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
}

// What the fake provider answers, chosen by the (bare) model name; the answer names the question.
function script(req) {
  if (!req.path.includes('/chat/completions')) {
    // /proxy: echo the request headers as received.
    const body = JSON.stringify({ rawHeaders: req.rawHeaders });
    return [`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`];
  }
  const question = req.json?.messages?.[0]?.content ?? '';
  const answer = chatAnswer(`answer to ${question}`);
  switch (req.json?.model) {
    case 'interim-100':
      return ['HTTP/1.1 100 Continue\r\n\r\n', answer];
    case 'early-hints':
      return ['HTTP/1.1 100 Continue\r\n\r\n',
        'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nLink: </b.js>; rel=preload; as=script\r\n\r\n',
        answer];
    case 'extra-bytes': // a complete second response nobody asked for, in its own write / TLS record
      return [answer, chatAnswer(`STALE answer meant for nobody (after ${question})`)];
    case 'switch-101':
      return ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', answer];
    case 'status-99': return [chatAnswer('odd', { status: '99 Odd' })];
    case 'status-600': return [chatAnswer('odd', { status: '600 Odd' })];
    case 'status-302': return [chatAnswer('moved', { status: '302 Found', extraHeaders: 'Location: http://elsewhere.example/\r\n' })];
    case 'status-199': return ['HTTP/1.1 199 Odd\r\n\r\n', { close: true }];
    case 'gzip': {
      const body = zlib.gzipSync(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [] }));
      return [Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`), body])];
    }
    case 'cl-te': {
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      return [`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(JSON.stringify(body))}`];
    }
    case 'bad-chunk':
      return ['HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'];
    case 'hang':
      return [{ hang: true }];
    default:
      return [answer];
  }
}

let plain, secure, rsaOnly, cert, gw, tlsGw, refusedPort;
before(async () => {
  cert = makeCert();
  plain = await startRawUpstream(script);
  secure = await startRawUpstream(script, { tls: { key: cert.key, cert: cert.cert } });
  // Offers only static-RSA key exchange with a CBC cipher: the gateway must refuse it.
  rsaOnly = await startRawUpstream(script, { tls: { key: cert.key, cert: cert.cert, ciphers: 'AES128-SHA256', maxVersion: 'TLSv1.2' } });
  refusedPort = await freePort();
  gw = await startGateway({
    SERVER_THREADS: '1', // one worker: one pool that every request below shares
    SSL_CERT_FILE: cert.certPath,
    OPENAI_API_URL: plain.url, OPENAI_API_KEY: 'sk-openai',
    ANTHROPIC_API_URL: plain.url, ANTHROPIC_API_KEY: 'sk-ant',
    MISTRAL_API_URL: secure.url, MISTRAL_API_KEY: 'sk-mistral',
    GROQ_API_URL: rsaOnly.url, GROQ_API_KEY: 'sk-groq',
    MOONSHOT_API_URL: `http://127.0.0.1:${refusedPort}/v1`, MOONSHOT_API_KEY: 'sk-moonshot',
    CLIENT_RESPONSE_HEADER_TIMEOUT: '1s',
  });
  tlsGw = await startGateway({
    SERVER_TLS_CERT_PATH: cert.certPath, SERVER_TLS_KEY_PATH: cert.keyPath,
    OPENAI_API_URL: plain.url, OPENAI_API_KEY: 'sk-openai',
  });
});
after(async () => {
  await gw?.kill();
  await tlsGw?.kill();
  await plain?.close();
  await secure?.close();
  await rsaOnly?.close();
});

const ask = (model, question) => request(gw.url, {
  method: 'POST', path: '/v1/chat/completions', timeoutMs: TIMEOUT,
  headers: { authorization: 'Bearer client-key' },
  body: { model, messages: [{ role: 'user', content: question }] },
});
const contentOf = (res) => res.json?.choices?.[0]?.message?.content;
const lastRequest = (up, question) => up.requests.findLast((r) => r.json?.messages?.[0]?.content === question);

let n = 0;
const q = (label) => `${label}-${++n}`;

for (const [name, up, provider] of [['plain TCP', () => plain, 'openai'], ['TLS', () => secure, 'mistral']]) {
  for (const model of ['interim-100', 'early-hints']) {
    test(`${name}: interim responses (${model}) are skipped; two users on one pooled connection each get their own answer`, async () => {
      const q1 = q('first-user');
      const q2 = q('second-user');
      const r1 = await ask(`${provider}/${model}`, q1);
      assert.equal(r1.status, 200, r1.text);
      assert.equal(contentOf(r1), `answer to ${q1}`);
      const r2 = await ask(`${provider}/${model}`, q2);
      assert.equal(r2.status, 200, r2.text);
      assert.equal(contentOf(r2), `answer to ${q2}`, 'the second user received another answer');
      assert.equal(lastRequest(up(), q2).conn, lastRequest(up(), q1).conn,
        'a connection whose response was read completely should have been reused');
    });
  }

  test(`${name}: bytes sent after a complete response never reach the next user (connection dropped)`, async () => {
    const q1 = q('first-user');
    const q2 = q('second-user');
    const r1 = await ask(`${provider}/extra-bytes`, q1);
    assert.equal(r1.status, 200, r1.text);
    assert.equal(contentOf(r1), `answer to ${q1}`);
    const r2 = await ask(`${provider}/plain`, q2);
    assert.equal(r2.status, 200, r2.text);
    assert.equal(contentOf(r2), `answer to ${q2}`, 'the second user received bytes meant for nobody');
    assert.notEqual(lastRequest(up(), q2).conn, lastRequest(up(), q1).conn, 'the dirty connection was reused');
  });
}

test('101 Switching Protocols -> 502, and the next user still gets their own answer', async () => {
  const e = assertErrorShape(await ask('openai/switch-101', q('switch')), 502);
  assert.match(e.message, /101/);
  const q2 = q('after-101');
  const r2 = await ask('openai/plain', q2);
  assert.equal(contentOf(r2), `answer to ${q2}`);
});

test('final statuses outside 200-599, redirects and a lone 1xx -> 502 with a clear message', async () => {
  for (const [model, re] of [['status-99', /invalid HTTP response|status/], ['status-600', /600/], ['status-302', /302.*redirect/], ['status-199', /interim|1xx/]]) {
    const res = await ask(`openai/${model}`, q(model));
    const e = assertErrorShape(res, 502);
    assert.match(e.message, re, `${model}: ${e.message}`);
    assert.equal(res.headers.location, undefined, 'a redirect target was relayed');
  }
  // The same rule on the raw passthrough: the gateway never relays a redirect as is.
  const res = await request(gw.url, { method: 'POST', path: '/proxy/openai/chat/completions', timeoutMs: TIMEOUT, body: { model: 'status-302', messages: [] } });
  assertErrorShape(res, 502);
  assert.equal(res.headers.location, undefined);
});

test('the gateway asks for identity encoding; a gzip body -> 502 instead of relaying unreadable bytes', async () => {
  const question = q('gzip');
  const e = assertErrorShape(await ask('openai/gzip', question), 502);
  assert.match(e.message, /Content-Encoding: gzip/);
  assert.equal(lastRequest(plain, question).headers['accept-encoding'], 'identity');
  // /proxy replaces whatever encoding the caller accepts.
  const res = await request(gw.url, { method: 'POST', path: '/proxy/openai/chat/completions', timeoutMs: TIMEOUT,
    headers: { 'accept-encoding': 'gzip, br' }, body: { model: 'gzip', messages: [{ role: 'user', content: 'p' }] } });
  assertErrorShape(res, 502);
  assert.deepEqual(plain.requests.at(-1).rawHeaders.filter(([k]) => k.toLowerCase() === 'accept-encoding'), [['Accept-Encoding', 'identity']]);
});

test('Content-Length with Transfer-Encoding, or a bad chunk size -> 502 and the connection is not reused', async () => {
  for (const model of ['cl-te', 'bad-chunk']) {
    const q1 = q(model);
    assertErrorShape(await ask(`openai/${model}`, q1), 502);
    const q2 = q(`after-${model}`);
    const r2 = await ask('openai/plain', q2);
    assert.equal(contentOf(r2), `answer to ${q2}`);
    assert.notEqual(lastRequest(plain, q2).conn, lastRequest(plain, q1).conn, `connection reused after ${model}`);
  }
});

test('client-facing errors never show the upstream host or port (502 refused, 504 timeout); the log does', async () => {
  const refused = assertErrorShape(await ask('moonshot/m', q('refused')), 502);
  assert.ok(!refused.message.includes('127.0.0.1') && !refused.message.includes(String(refusedPort)), refused.message);
  const timeout = assertErrorShape(await ask('openai/hang', q('hang')), 504);
  assert.ok(!timeout.message.includes('127.0.0.1') && !timeout.message.includes(String(plain.port)), timeout.message);
  assert.match(timeout.message, /CLIENT_RESPONSE_HEADER_TIMEOUT/);
  await gw.waitForLog(new RegExp(`port=${refusedPort}`));
});

test('/proxy forwards only allow-listed request headers: no credential under any spelling', async () => {
  const secrets = {
    X_Api_Key: 'caller-secret-1', 'X-Auth-Token': 'caller-secret-2', Cookie: 'caller-secret-3',
    Cookie2: 'caller-secret-4', 'OpenAI-Organization': 'caller-secret-5', Authorization: 'Bearer caller-secret-6',
    'x-api-key': 'caller-secret-7', 'Proxy-Authorization': 'Basic caller-secret-8', 'X-Goog-Api-Key': 'caller-secret-9',
    'Anthropic_Version': 'caller-secret-10',
  };
  const res = await request(gw.url, {
    method: 'POST', path: '/proxy/anthropic/messages', timeoutMs: TIMEOUT,
    headers: { ...secrets, 'content-type': 'application/json; charset=utf-8', 'anthropic-version': '2024-10-22', 'anthropic-beta': 'tools-2024' },
    body: '{"max_tokens":5}',
  });
  assert.equal(res.status, 200, res.text);
  const got = res.json.rawHeaders;
  const text = JSON.stringify(got);
  assert.ok(!text.includes('caller-secret'), `a caller credential reached the provider: ${text}`);
  const value = (name) => got.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  assert.deepEqual(value('x-api-key'), ['sk-ant'], 'the provider key is the gateway\'s');
  assert.deepEqual(value('content-type'), ['application/json; charset=utf-8']);
  assert.deepEqual(value('anthropic-version'), ['2024-10-22']);
  assert.deepEqual(value('anthropic-beta'), ['tools-2024']);
});

function sClient(port, args) {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.stdin.end('');
    p.on('exit', (code) => resolve({ code, out }));
  });
}

test('TLS listener: TLS 1.2 only with ECDHE and AEAD (no static RSA, no CBC)', async () => {
  for (const cipher of ['AES128-SHA256', 'AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA']) {
    const r = await sClient(tlsGw.port, ['-tls1_2', '-cipher', cipher]);
    assert.notEqual(r.code, 0, `${cipher} was accepted:\n${r.out}`);
  }
  for (const cipher of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-CHACHA20-POLY1305']) {
    const r = await sClient(tlsGw.port, ['-tls1_2', '-cipher', cipher]);
    assert.equal(r.code, 0, `${cipher} was refused:\n${r.out}`);
    assert.match(r.out, new RegExp(`Cipher is ${cipher}`));
  }
  const r13 = await sClient(tlsGw.port, ['-tls1_3']);
  assert.equal(r13.code, 0, r13.out);
  assert.match(r13.out, /TLSv1\.3/);
});

test('upstream TLS: a provider offering only static-RSA CBC suites is refused (502), ECDHE-AEAD works', async () => {
  const e = assertErrorShape(await ask('groq/x', q('rsa-only')), 502);
  assert.match(e.message, /TLS handshake/);
  assert.ok(!e.message.includes(String(rsaOnly.port)), e.message);
  const question = q('ecdhe');
  const ok = await ask('mistral/plain', question);
  assert.equal(contentOf(ok), `answer to ${question}`);
});
