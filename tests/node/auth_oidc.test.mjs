// Authentication with OpenID Connect access tokens (issue #12), black box: the real gateway binary,
// a real OpenID provider (fakes/oidc_idp.mjs, npm `oidc-provider`) issuing client-credentials JWTs,
// the official `openai` and `@anthropic-ai/sdk` clients, and hostile tokens built with
// helpers/jwt_forge.mjs from the IdP's own keys so that each carries exactly one defect.
//
// Gateways in this file:
//   gw       AUTH_OIDC_ISSUER = the IdP; most tests.
//   gwRot    key rotation: a fresh gateway whose JWKS fetch history is not disturbed by the
//            refusal tests that use unknown kids.
//   gwBurst  the unknown-kid refetch rate limit, apart for the same reason.
//   gwDown   AUTH_OIDC_ISSUER = a closed port (fail closed: JWTs get 503, never pass through).
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway } from './helpers/gateway.mjs';
import { request, assertErrorShape, eventually } from './helpers/http.mjs';
import { startFakeOpenAI, closedPort, CONTENT } from './fakes/openai_upstream.mjs';
import { startIdp, ALL_ALGS } from './fakes/oidc_idp.mjs';
import * as forge from './helpers/jwt_forge.mjs';

const AUDIENCE = 'https://gateway.test/';
const PROVIDER_KEY = 'sk-provider-secret';
const ADMIN_KEY = `igw-admin-${Math.random().toString(36).slice(2)}${Date.now()}`;
const messages = [{ role: 'user', content: 'Hello?' }];

let idp, up, gw, gwRot, gwBurst, gwDown, tmp, startKey;
const tokensUsed = new Set(); // every credential sent to any gateway: none may show up in logs

const remember = (t) => { tokensUsed.add(t); return t; };
const openai = (g, apiKey) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: remember(apiKey), maxRetries: 0, timeout: 30_000 });
const chatReq = (g, token, model = 'openai/gpt-4o') => request(g.url, {
  method: 'POST', path: '/v1/chat/completions', body: { model, messages },
  headers: token === undefined ? {} : { authorization: `Bearer ${remember(token)}` },
});

function authEnv(extra) {
  return {
    AUTH_ENABLED: 'true',
    AUTH_OIDC_CLIENT_ID: AUDIENCE,
    OPENAI_API_URL: up.url,
    OPENAI_API_KEY: PROVIDER_KEY,
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

// Keys may be fetched after the listener is up: wait until a genuine token is accepted.
async function waitUntilAccepting(g) {
  const token = await idp.token();
  await eventually(async () => (await chatReq(g, token)).status === 200, { timeoutMs: 15_000, what: 'the gateway to accept a valid IdP token' });
}

// An identity provider that cannot be reached, on a port this file keeps bound (every connection
// is dropped at once): a port merely closed could be handed to another test's server running
// concurrently, which would then receive the gateway's discovery retries.
let downIdp;
async function startUnreachable() {
  const sockets = new Set();
  const server = net.createServer((sock) => { sockets.add(sock); sock.on('close', () => sockets.delete(sock)); sock.destroy(); });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-auth-oidc-'));
  downIdp = await startUnreachable();
  idp = await startIdp({ audience: AUDIENCE });
  up = await startFakeOpenAI({ models: ['gpt-4o', 'gpt-4o-mini'] });
  const dead = `http://127.0.0.1:${await closedPort()}/v1`;
  const keyless = { OLLAMA_API_URL: dead, LLAMACPP_API_URL: dead, VLLM_API_URL: dead };
  startKey = idp.signingKey('RS256'); // published for the whole file (rotation keeps old keys)
  [gw, gwRot, gwBurst, gwDown] = await Promise.all([
    startGateway(authEnv({ ...keyless, AUTH_OIDC_ISSUER: idp.issuer, DATABASE_URL: `sqlite://${tmp}/main.db` })),
    startGateway(authEnv({ ...keyless, AUTH_OIDC_ISSUER: idp.issuer, DATABASE_URL: `sqlite://${tmp}/rot.db` })),
    startGateway(authEnv({ ...keyless, AUTH_OIDC_ISSUER: idp.issuer, DATABASE_URL: `sqlite://${tmp}/burst.db` })),
    startGateway(authEnv({
      ...keyless, AUTH_OIDC_ISSUER: downIdp.url, AUTH_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: `sqlite://${tmp}/down.db`,
    })),
  ]);
  await Promise.all([waitUntilAccepting(gw), waitUntilAccepting(gwRot), waitUntilAccepting(gwBurst)]);
});

after(async () => {
  await gw?.kill();
  await gwRot?.kill();
  await gwBurst?.kill();
  await gwDown?.kill();
  await downIdp?.stop();
  await up?.close();
  await idp?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// A payload that is valid for this gateway in every respect (the base for one-defect tokens).
const goodClaims = (extra = {}) => forge.claims({ iss: idp.issuer, aud: AUDIENCE, extra });

// 401 + WWW-Authenticate: Bearer ... error="invalid_token" + OpenAI error body without the token.
function assertRefused(res, token, what) {
  assert.equal(res.status, 401, `${what}: expected 401, got ${res.status}: ${res.text}`);
  const wa = res.headers['www-authenticate'];
  assert.ok(wa && /^Bearer\b/.test(wa), `${what}: WWW-Authenticate must start with Bearer, got ${wa}`);
  if (token !== undefined) assert.match(wa, /error="invalid_token"/, `${what}: WWW-Authenticate ${wa}`);
  const e = assertErrorShape(res, 401);
  // A bad credential has one of the spec's two codes; a missing one may have its own
  // (the gateway says missing_credentials), checked by assertErrorShape as string|null only.
  if (token !== undefined) assert.ok(['invalid_api_key', 'invalid_token'].includes(e.code), `${what}: error.code ${e.code}`);
  if (token) {
    assert.ok(!res.text.includes(token), `${what}: the response body repeats the token`);
    assert.ok(!wa.includes(token), `${what}: WWW-Authenticate repeats the token`);
  }
  return e;
}

// -------------------------------------------------------------------------------------------------
// accepted

for (const alg of ALL_ALGS) {
  test(`a real IdP token signed with ${alg} works with the openai SDK (chat completion)`, async () => {
    const token = await idp.token({ alg });
    assert.equal(forge.decode(token).header.alg, alg, 'the IdP signed with the requested alg');
    const before = up.requests.length;
    const r = await openai(gw, token).chat.completions.create({ model: 'openai/gpt-4o', messages });
    assert.equal(r.choices[0].message.content, CONTENT);
    assert.equal(up.requests.length, before + 1, 'one upstream request');
    assert.equal(up.requests.at(-1).headers.authorization, `Bearer ${PROVIDER_KEY}`);
  });
}

test('streaming chat completion with a real IdP token', async () => {
  const stream = await openai(gw, await idp.token()).chat.completions.create({ model: 'openai/gpt-4o', messages, stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  assert.equal(text, CONTENT);
});

test('GET /v1/models works with a token; /health works without one', async () => {
  const list = await openai(gw, await idp.token({ alg: 'ES256' })).models.list();
  const ids = list.data.map((m) => m.id);
  assert.ok(ids.includes('openai/gpt-4o'), `models: ${ids}`);
  const h = await request(gw.url, { path: '/health' });
  assert.equal(h.status, 200, h.text);
});

test('the token is also accepted in x-api-key (Anthropic SDK on /v1/messages) and x-goog-api-key', async () => {
  const token = remember(await idp.token());
  const client = new Anthropic({ baseURL: gw.url, apiKey: token, maxRetries: 0, timeout: 30_000 });
  const msg = await client.messages.create({ model: 'openai/gpt-4o', max_tokens: 50, messages });
  assert.equal(msg.type, 'message');
  assert.equal(msg.content[0].text, CONTENT);
  const g = await request(gw.url, { method: 'POST', path: '/v1/chat/completions', body: { model: 'openai/gpt-4o', messages }, headers: { 'x-goog-api-key': token } });
  assert.equal(g.status, 200, g.text);
});

test('control: a token forged with the IdP\'s own current key and correct claims is accepted', async () => {
  // Proves that in the refusal tests below the one named defect is the reason for the 401.
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    const token = forge.sign({ payload: goodClaims(), key: idp.signingKey(alg) });
    const res = await chatReq(gw, token);
    assert.equal(res.status, 200, `${alg}: ${res.text}`);
  }
});

test('clock-skew leeway (default 60 s): expired 20 s ago or nbf 20 s ahead is accepted; 120 s is not', async () => {
  const key = idp.signingKey('ES256');
  const within = [forge.expired(goodClaims(), 20), forge.notYetValid(goodClaims(), 20)];
  for (const payload of within) {
    const res = await chatReq(gw, forge.sign({ payload, key }));
    assert.equal(res.status, 200, `within the leeway: ${JSON.stringify(payload)} ${res.text}`);
  }
  for (const payload of [forge.expired(goodClaims(), 120), forge.notYetValid(goodClaims(), 120)]) {
    const token = forge.sign({ payload, key });
    assertRefused(await chatReq(gw, token), token, `beyond the leeway: ${JSON.stringify(payload)}`);
  }
});

// -------------------------------------------------------------------------------------------------
// refused

test('no credential -> 401, WWW-Authenticate: Bearer, OpenAI error body; nothing reaches the provider', async () => {
  const before = up.requests.length;
  const res = await chatReq(gw, undefined);
  assertRefused(res, undefined, 'no credential');
  assert.equal(up.requests.length, before);
});

test('the openai SDK sees a refused token as AuthenticationError (401)', async () => {
  await assert.rejects(openai(gw, 'garbage-token').chat.completions.create({ model: 'openai/gpt-4o', messages }), (err) => {
    assert.ok(err instanceof OpenAI.AuthenticationError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 401);
    return true;
  });
});

const defects = {
  garbage: () => 'this-is-not-a-jwt',
  'three garbage segments': () => 'eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl',
  expired: () => forge.sign({ payload: forge.expired(goodClaims()), key: idp.signingKey('RS256') }),
  'not yet valid (nbf in the future)': () => forge.sign({ payload: forge.notYetValid(goodClaims()), key: idp.signingKey('ES256') }),
  'wrong audience (forged)': () => forge.sign({ payload: forge.wrongAud(goodClaims()), key: idp.signingKey('RS256') }),
  'wrong audience (a genuine IdP token for another resource)': () => idp.token({ resource: 'https://other-api.example/' }),
  'wrong issuer': () => forge.sign({ payload: forge.wrongIss(goodClaims()), key: idp.signingKey('RS256') }),
  'unknown key (kid the IdP does not publish)': () => forge.signWithUnknownKey({ payload: goodClaims(), alg: 'RS256' }).token,
  'known kid, signed with another key': () => forge.signWithUnknownKey({ payload: goodClaims(), alg: 'ES256', kid: idp.signingKey('ES256').kid }).token,
  'alg none': () => forge.algNone(goodClaims(), { kid: idp.signingKey('RS256').kid }),
  'alg none, no kid': () => forge.algNone(goodClaims()),
  'HS256 keyed with the public key (SPKI PEM)': () => forge.hs256WithPublicKey(goodClaims(), idp.signingKey('RS256')),
  'HS256 keyed with the public key (PKCS#1 PEM)': () => forge.hs256WithPublicKey(goodClaims(), idp.signingKey('RS256'), { form: 'pkcs1-pem' }),
  'HS256 keyed with the public key (JWK JSON)': () => forge.hs256WithPublicKey(goodClaims(), forge.publicJwk(idp.signingKey('RS256')), { form: 'jwk-json' }),
  'tampered payload (genuine token, sub changed)': async () => forge.tamper(await idp.token()),
  'tampered payload (genuine token, exp extended)': async () => forge.tamper(await idp.token({ alg: 'EdDSA' }), (p) => { p.exp += 3600; }),
  'signature stripped from a genuine token': async () => `${(await idp.token()).split('.').slice(0, 2).join('.')}.`,
};

for (const [name, make] of Object.entries(defects)) {
  test(`refused: ${name} -> 401 invalid_token, nothing reaches the provider`, async () => {
    const token = await make();
    const before = up.requests.length;
    const res = await chatReq(gw, token);
    assertRefused(res, token, name);
    assert.equal(up.requests.length, before, 'the provider saw no request');
  });
}

test('refused on POST /v1/messages: Anthropic-shaped error (raw and via @anthropic-ai/sdk)', async () => {
  const token = remember(forge.sign({ payload: forge.expired(goodClaims()), key: idp.signingKey('RS256') }));
  const body = { model: 'openai/gpt-4o', max_tokens: 10, messages };
  for (const headers of [{ authorization: `Bearer ${token}` }, { 'x-api-key': token }, {}]) {
    const res = await request(gw.url, { method: 'POST', path: '/v1/messages', body, headers });
    assert.equal(res.status, 401, res.text);
    assert.match(res.headers['www-authenticate'] ?? '', /^Bearer\b/);
    assert.equal(res.json?.type, 'error', res.text);
    assert.equal(res.json.error?.type, 'authentication_error', res.text);
    assert.equal(typeof res.json.error.message, 'string');
    assert.ok(res.json.error.message.length > 0);
    assert.ok(!res.text.includes(token));
  }
  const client = new Anthropic({ baseURL: gw.url, apiKey: token, maxRetries: 0, timeout: 30_000 });
  await assert.rejects(client.messages.create(body), (err) => {
    assert.ok(err instanceof Anthropic.AuthenticationError, `got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 401);
    return true;
  });
});

test('refused on /proxy/*, /v1/models, /v1/mcp/tools, /v1/a2a/agents, /admin/keys and an unknown route (401 before 404)', async () => {
  const bad = remember(forge.tamper(await idp.token()));
  const routes = [
    ['POST', '/proxy/openai/chat/completions', { model: 'gpt-4o', messages }],
    ['GET', '/proxy/openai/models'],
    ['GET', '/v1/models'],
    ['GET', '/v1/mcp/tools'],
    ['GET', '/v1/a2a/agents'],
    ['GET', '/admin/keys'],
    ['GET', '/no/such/route'],
    ['POST', '/v1/embeddings-nope', { x: 1 }],
  ];
  const before = up.requests.length;
  for (const [method, p, body] of routes) {
    for (const token of [undefined, bad]) {
      const headers = token ? { authorization: `Bearer ${token}` } : {};
      const res = await request(gw.url, { method, path: p, body, headers });
      assertRefused(res, token, `${method} ${p} ${token ? 'bad token' : 'no token'}`);
    }
  }
  assert.equal(up.requests.length, before, 'the provider saw no request');
});

// -------------------------------------------------------------------------------------------------
// the caller's token never travels on, never gets logged

test('/proxy/openai with a valid token: the provider sees its own key, not the token', async () => {
  const token = remember(await idp.token({ alg: 'PS256' }));
  const res = await request(gw.url, { method: 'POST', path: '/proxy/openai/chat/completions', body: { model: 'gpt-4o', messages }, headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.choices[0].message.content, CONTENT);
  const rec = up.requests.at(-1);
  assert.equal(rec.path.endsWith('/chat/completions'), true, rec.path);
  assert.equal(rec.headers.authorization, `Bearer ${PROVIDER_KEY}`);
});

test('admin role: an admin-client token may GET /admin/keys; a plain token gets 403', async () => {
  const admin = remember(await idp.token({ client: 'gateway-admin' }));
  assert.deepEqual(forge.decode(admin).payload.roles, ['gateway-admin']);
  const ok = await request(gw.url, { path: '/admin/keys', headers: { authorization: `Bearer ${admin}` } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.object, 'list');
  assert.ok(Array.isArray(ok.json.data));
  const created = await request(gw.url, { method: 'POST', path: '/admin/keys', body: { name: 'made-by-oidc-admin', models: ['openai/*'] }, headers: { authorization: `Bearer ${admin}` } });
  assert.equal(created.status, 201, created.text);
  const used = await openai(gw, created.json.key).chat.completions.create({ model: 'openai/gpt-4o', messages });
  assert.equal(used.choices[0].message.content, CONTENT, 'a key created by an OIDC admin works');

  const plain = remember(await idp.token());
  for (const [method, body] of [['GET'], ['POST', { name: 'x' }]]) {
    const res = await request(gw.url, { method, path: '/admin/keys', body, headers: { authorization: `Bearer ${plain}` } });
    assert.equal(res.status, 403, `${method}: ${res.text}`);
    assertErrorShape(res, 403);
  }
  // A plain token whose payload was edited to claim the role is not an admin token at all.
  const forgedAdmin = remember(forge.tamper(plain, (p) => { p.roles = ['gateway-admin']; }));
  const res = await request(gw.url, { path: '/admin/keys', headers: { authorization: `Bearer ${forgedAdmin}` } });
  assertRefused(res, forgedAdmin, 'tampered roles');
});

// -------------------------------------------------------------------------------------------------
// key rotation and the unknown-kid refetch rate limit (gwRot)

test('key rotation: a token signed with the IdP\'s new key is accepted on first use; old keys still work', async () => {
  const oldToken = remember(await idp.token({ alg: 'ES384' }));
  const fetchesBefore = idp.requests.jwks;
  const newKids = await idp.rotateKeys();
  const token = remember(await idp.token({ alg: 'ES384' }));
  assert.ok(newKids.includes(forge.decode(token).header.kid), 'the IdP signs with a rotated key');
  const res = await chatReq(gwRot, token);
  assert.equal(res.status, 200, `first use of a token with a new kid: ${res.text}`);
  assert.ok(idp.requests.jwks > fetchesBefore, 'the gateway refetched the JWKS');
  const again = await chatReq(gwRot, oldToken);
  assert.equal(again.status, 200, `token signed with the rotated-out (still published) key: ${again.text}`);
});

test('a burst of 20 tokens with unknown kids causes at most a couple of JWKS fetches, all 401', async () => {
  const fetchesBefore = idp.requests.jwks;
  const tokens = Array.from({ length: 20 }, (_, i) => forge.signWithUnknownKey({ payload: goodClaims(), alg: i % 2 ? 'ES256' : 'RS256' }).token);
  const results = await Promise.all(tokens.map((t) => chatReq(gwBurst, t)));
  results.forEach((r, i) => assertRefused(r, tokens[i], `unknown kid #${i}`));
  const fetches = idp.requests.jwks - fetchesBefore;
  assert.ok(fetches <= 2, `${fetches} JWKS fetches for 20 unknown kids`);
  // A second wave right after: still no stampede.
  const more = Array.from({ length: 10 }, () => forge.signWithUnknownKey({ payload: goodClaims(), alg: 'EdDSA' }).token);
  for (const t of more) assertRefused(await chatReq(gwBurst, t), t, 'unknown kid, second wave');
  assert.ok(idp.requests.jwks - fetchesBefore <= 2, `${idp.requests.jwks - fetchesBefore} JWKS fetches for 30 unknown kids`);
  // And the gateway still serves tokens signed with a key it knows.
  const ok = await chatReq(gwBurst, forge.sign({ payload: goodClaims(), key: startKey }));
  assert.equal(ok.status, 200, ok.text);
});

// -------------------------------------------------------------------------------------------------
// fail closed (gwDown: the issuer is a closed port)

test('IdP unreachable: /health 200, a JWT gets 503 and never passes through; the admin key still works', async () => {
  const h = await request(gwDown.url, { path: '/health' });
  assert.equal(h.status, 200, h.text);
  const before = up.requests.length;
  for (const token of [await idp.token(), forge.sign({ payload: goodClaims(), key: idp.signingKey('RS256') })]) {
    const res = await chatReq(gwDown, token);
    assert.equal(res.status, 503, `JWT while the IdP's keys are not loaded: ${res.text}`);
    assertErrorShape(res, 503);
    assert.ok(!res.text.includes(token));
  }
  assert.equal(up.requests.length, before, 'the provider saw no request');
  const admin = await request(gwDown.url, { path: '/admin/keys', headers: { authorization: `Bearer ${remember(ADMIN_KEY)}` } });
  assert.equal(admin.status, 200, admin.text);
  // Still refuses what it can refuse without the keys.
  const none = await chatReq(gwDown, undefined);
  assertRefused(none, undefined, 'no credential, IdP down');
});

// The real IdP's discovery document and JWKS served at another address (issuer rewritten to it),
// on a port bound for the whole test: until up() every connection is dropped (the provider is
// down), then it answers. Never a closed port that another test could take meanwhile.
async function startLateIdp() {
  let serving = false;
  let issuer;
  const server = http.createServer(async (req, res) => {
    if (!serving) {
      req.socket.destroy();
      return;
    }
    const upstream = await fetch(`${idp.issuer}${req.url}`);
    const text = (await upstream.text()).split(idp.issuer).join(issuer);
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(text);
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    up: () => { serving = true; },
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

test('IdP down at start, up later: the gateway keeps retrying and then accepts its tokens', async () => {
  const late = await startLateIdp();
  const g = await startGateway(authEnv({ AUTH_OIDC_ISSUER: late.issuer, DATABASE_URL: `sqlite://${tmp}/late.db` }));
  try {
    const token = remember(forge.sign({ payload: forge.claims({ iss: late.issuer, aud: AUDIENCE }), key: startKey }));
    assert.equal((await chatReq(g, token)).status, 503, 'no keys yet');
    late.up();
    const t0 = Date.now();
    await eventually(async () => (await chatReq(g, token)).status === 200, { timeoutMs: 20_000, what: 'the gateway to load the late IdP\'s keys' });
    assert.ok(Date.now() - t0 < 20_000);
    const wrongIss = remember(forge.sign({ payload: goodClaims(), key: startKey })); // iss = the other IdP
    assertRefused(await chatReq(g, wrongIss), wrongIss, 'token from another issuer');
    for (const t of tokensUsed) assert.ok(!g.logs().includes(t), 'the late gateway logged a token');
  } finally {
    await g.kill();
    await late.stop();
  }
});

// -------------------------------------------------------------------------------------------------
// last: what the provider and the logs saw during the whole file

test('the provider only ever saw the provider key; no token appears in any gateway log (LOG_LEVEL=debug)', async () => {
  assert.ok(up.requests.length > 0);
  for (const rec of up.requests) {
    assert.equal(rec.headers.authorization, `Bearer ${PROVIDER_KEY}`, `${rec.method} ${rec.path}`);
    assert.equal(rec.headers['x-api-key'], undefined);
    assert.equal(rec.headers['x-goog-api-key'], undefined);
    const all = JSON.stringify(rec.headers) + (rec.rawBody ?? '');
    for (const t of tokensUsed) assert.ok(!all.includes(t), `a caller credential reached the provider (${rec.path})`);
  }
  assert.ok(tokensUsed.size > 20);
  for (const [name, g] of [['gw', gw], ['gwRot', gwRot], ['gwBurst', gwBurst], ['gwDown', gwDown]]) {
    const logs = g.logs();
    assert.ok(logs.length > 0);
    for (const t of tokensUsed) {
      assert.ok(!logs.includes(t), `${name} logged a caller credential`);
      const sig = t.split('.')[2];
      if (sig && sig.length >= 16) assert.ok(!logs.includes(sig), `${name} logged a token's signature`);
    }
  }
});
