// Self-test of the OpenID Connect fixture (fakes/oidc_idp.mjs, the real `oidc-provider`) and of the
// token forger (helpers/jwt_forge.mjs), without the gateway: what the gateway's auth tests rely on.
// Signatures are checked here independently, with node:crypto against the JWKS the IdP publishes.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test, before, after } from './helpers/test.mjs';
import { startIdp, ALL_ALGS } from './fakes/oidc_idp.mjs';
import * as forge from './helpers/jwt_forge.mjs';

const AUDIENCE = 'https://gateway.test/';
const TTL = 123;
let idp;

before(async () => {
  idp = await startIdp({ audience: AUDIENCE, accessTokenTtl: TTL });
});
after(async () => {
  await idp?.stop();
});

const split = (token) => {
  const parts = token.split('.');
  assert.equal(parts.length, 3, `compact JWS has 3 parts: ${token}`);
  return {
    header: JSON.parse(Buffer.from(parts[0], 'base64url')),
    payload: JSON.parse(Buffer.from(parts[1], 'base64url')),
    data: Buffer.from(`${parts[0]}.${parts[1]}`),
    sig: Buffer.from(parts[2], 'base64url'),
    rawSig: parts[2],
  };
};

async function getJwks() {
  const res = await fetch(idp.jwksUri);
  assert.equal(res.status, 200);
  return res.json();
}

// Independent JWS verification with node:crypto (returns false on a bad signature, throws on an
// unknown kid or alg so those cases cannot pass silently).
function verify(token, jwks) {
  const { header, data, sig } = split(token);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`kid ${header.kid} not in JWKS`);
  assert.ok(!('d' in jwk), 'published JWKS holds public keys only');
  assert.equal(jwk.alg, header.alg, 'token alg matches the published key alg');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  switch (header.alg) {
    case 'RS256': return crypto.verify('sha256', data, key, sig);
    case 'PS256': return crypto.verify('sha256', data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
    case 'ES256': return crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'ES384': return crypto.verify('sha384', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA': return crypto.verify(null, data, key, sig);
    default: throw new Error(`unexpected alg ${header.alg}`);
  }
}

async function tokenRequest({ client = 'gateway-tests', secret = idp.clients[client], resource } = {}) {
  const form = { grant_type: 'client_credentials' };
  if (resource !== undefined) form.resource = resource;
  const res = await fetch(idp.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: await res.json() };
}

const SIG_LEN = { ES256: 64, ES384: 96, EdDSA: 64, RS256: 256, PS256: 256 };

test('discovery document names the issuer, the JWKS and the token endpoint, and is counted', async () => {
  const before = idp.requests.discovery;
  const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(doc.issuer, idp.issuer);
  assert.equal(doc.jwks_uri, idp.jwksUri);
  assert.equal(doc.jwks_uri, `${idp.issuer}/jwks`);
  assert.equal(doc.token_endpoint, `${idp.issuer}/token`);
  assert.ok(doc.grant_types_supported.includes('client_credentials'));
  assert.equal(idp.requests.discovery, before + 1);
  assert.equal(await idp.waitFor('discovery', before + 1), before + 1);
});

test('JWKS publishes one public key per alg with kid, alg and use', async () => {
  const before = idp.requests.jwks;
  const jwks = await getJwks();
  assert.equal(idp.requests.jwks, before + 1);
  assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), [...ALL_ALGS].sort());
  for (const k of jwks.keys) {
    assert.equal(k.use, 'sig');
    assert.equal(typeof k.kid, 'string');
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(priv in k), `${k.kid} leaks ${priv}`);
  }
  const kinds = Object.fromEntries(jwks.keys.map((k) => [k.alg, `${k.kty}/${k.crv ?? ''}`]));
  assert.deepEqual(kinds, { RS256: 'RSA/', PS256: 'RSA/', ES256: 'EC/P-256', ES384: 'EC/P-384', EdDSA: 'OKP/Ed25519' });
});

for (const alg of ALL_ALGS) {
  test(`client-credentials token over fetch is a JWT signed with ${alg} that verifies against the JWKS`, async () => {
    const resource = alg === 'RS256' ? AUDIENCE : idp.resourceFor(alg);
    const { status, body } = await tokenRequest({ resource });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, TTL);
    const t = split(body.access_token);
    assert.deepEqual(Object.keys(t.header).sort(), ['alg', 'kid', 'typ']);
    assert.equal(t.header.alg, alg);
    assert.equal(t.header.typ, 'at+jwt');
    assert.equal(t.header.kid, idp.signingKey(alg).kid);
    assert.deepEqual(Object.keys(t.payload).sort(), ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'sub']);
    assert.equal(t.payload.iss, idp.issuer);
    assert.equal(t.payload.aud, AUDIENCE);
    assert.equal(t.payload.sub, 'gateway-tests');
    assert.equal(t.payload.client_id, 'gateway-tests');
    assert.equal(t.payload.exp - t.payload.iat, TTL);
    assert.ok(Math.abs(t.payload.iat - forge.now()) <= 5, 'iat is now');
    assert.equal(t.sig.length, SIG_LEN[alg]);
    const jwks = await getJwks();
    assert.equal(verify(body.access_token, jwks), true);
    // The check is meaningful: the same signature over a changed payload does not verify.
    assert.equal(verify(forge.tamper(body.access_token), jwks), false);
  });
}

test('idp.token() wraps the same flow; no resource defaults to the audience', async () => {
  const jwks = await getJwks();
  const a = split(await idp.token());
  assert.equal(a.header.alg, 'RS256');
  assert.equal(a.payload.aud, AUDIENCE);
  const b = await idp.token({ alg: 'ES256' });
  assert.equal(split(b).header.alg, 'ES256');
  assert.equal(verify(b, jwks), true);
  const { status, body } = await tokenRequest({});
  assert.equal(status, 200);
  assert.equal(split(body.access_token).payload.aud, AUDIENCE);
});

test('another resource yields a genuine token for that (wrong) audience', async () => {
  const other = 'https://other-api.example/';
  const tok = await idp.token({ resource: other, alg: 'PS256' });
  const t = split(tok);
  assert.equal(t.payload.aud, other);
  assert.equal(t.header.alg, 'PS256');
  assert.equal(verify(tok, await getJwks()), true);
});

test('admin client token carries roles; plain token does not', async () => {
  const admin = split(await idp.token({ client: 'gateway-admin' }));
  assert.deepEqual(admin.payload.roles, ['gateway-admin']);
  assert.equal(admin.payload.sub, 'gateway-admin');
  assert.equal(admin.payload.client_id, 'gateway-admin');
  assert.equal(admin.payload.aud, AUDIENCE);
  const plain = split(await idp.token());
  assert.ok(!('roles' in plain.payload));
});

test('bad client secret and unknown client are refused by the IdP', async () => {
  const bad = await tokenRequest({ secret: 'wrong' });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error, 'invalid_client');
  const unknown = await tokenRequest({ client: 'nobody', secret: 'x' });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body.error, 'invalid_client');
  await assert.rejects(idp.token({ client: 'nobody' }), /idp token request failed: 4\d\d/);
});

test('forge.sign with the IdP private keys gives tokens the published JWKS verifies', async () => {
  const jwks = await getJwks();
  for (const alg of ALL_ALGS) {
    const key = idp.signingKey(alg);
    assert.ok(key.d, 'private key available to tests');
    const payload = forge.claims({ iss: idp.issuer, aud: AUDIENCE });
    const tok = forge.sign({ payload, key });
    const t = split(tok);
    assert.deepEqual(t.header, { alg, typ: 'at+jwt', kid: key.kid });
    assert.equal(t.sig.length, SIG_LEN[alg], `${alg} signature is JOSE-encoded`);
    assert.equal(verify(tok, jwks), true, alg);
    // Header overrides: kid omitted on request.
    assert.ok(!('kid' in split(forge.sign({ header: { kid: undefined }, payload, key })).header));
  }
});

test('alg none token has an empty signature', () => {
  const tok = forge.algNone(forge.claims({ iss: idp.issuer, aud: AUDIENCE }));
  assert.ok(tok.endsWith('.'));
  const t = split(tok);
  assert.equal(t.header.alg, 'none');
  assert.equal(t.rawSig, '');
  assert.equal(t.payload.aud, AUDIENCE);
});

test('HS256 algorithm-confusion token is an HMAC keyed with the RSA public key PEM', async () => {
  const jwks = await getJwks();
  const rsa = jwks.keys.find((k) => k.alg === 'RS256');
  const payload = forge.claims({ iss: idp.issuer, aud: AUDIENCE });
  const tok = forge.hs256WithPublicKey(payload, rsa);
  const t = split(tok);
  assert.equal(t.header.alg, 'HS256');
  assert.equal(t.header.kid, rsa.kid);
  const pem = crypto.createPublicKey({ key: rsa, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  assert.match(pem, /^-----BEGIN PUBLIC KEY-----/);
  assert.deepEqual(t.sig, crypto.createHmac('sha256', pem).update(t.data).digest());
  // The same from a PEM input, and the PKCS#1 form differs.
  assert.equal(forge.hs256WithPublicKey(payload, pem, { kid: rsa.kid }), tok);
  assert.notEqual(forge.hs256WithPublicKey(payload, rsa, { form: 'pkcs1-pem' }).split('.')[2], t.rawSig);
});

test('tamper keeps header and signature, changes the payload, and breaks verification', async () => {
  const tok = await idp.token({ alg: 'ES256' });
  const orig = split(tok);
  const bad = forge.tamper(tok);
  const t = split(bad);
  assert.equal(bad.split('.')[0], tok.split('.')[0]);
  assert.equal(t.rawSig, orig.rawSig);
  assert.equal(t.payload.sub, 'gateway-testsx');
  assert.equal(verify(bad, await getJwks()), false);
  const escalated = split(forge.tamper(tok, (p) => { p.roles = ['gateway-admin']; }));
  assert.deepEqual(escalated.payload.roles, ['gateway-admin']);
  assert.equal(escalated.rawSig, orig.rawSig);
});

test('claim builders produce exactly one defect each, relative to now', async () => {
  const base = forge.claims({ iss: idp.issuer, aud: AUDIENCE, ttl: 300 });
  const t = forge.now();
  assert.equal(base.iss, idp.issuer);
  assert.equal(base.aud, AUDIENCE);
  assert.ok(base.exp > t && base.iat <= t);
  const e = forge.expired(base);
  assert.ok(e.exp < t - 300, 'expired well beyond leeway');
  assert.ok(e.iat < e.exp);
  const n = forge.notYetValid(base);
  assert.ok(n.nbf > t + 300, 'nbf well in the future');
  assert.ok(n.exp > n.nbf);
  assert.notEqual(forge.wrongAud(base).aud, AUDIENCE);
  assert.notEqual(forge.wrongIss(base).iss, idp.issuer);
  for (const p of [e, n, forge.wrongAud(base), forge.wrongIss(base)]) assert.equal(p.sub, base.sub);
  // Signed with the IdP's real key, the defective claims still carry a valid signature.
  const jwks = await getJwks();
  assert.equal(verify(forge.sign({ payload: e, key: idp.signingKey('RS256') }), jwks), true);
});

test('a token signed by an unpublished key has an unknown kid but a self-consistent signature', async () => {
  const jwks = await getJwks();
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    const { token, key } = forge.signWithUnknownKey({ payload: forge.claims({ iss: idp.issuer, aud: AUDIENCE }), alg });
    const t = split(token);
    assert.equal(t.header.kid, key.kid);
    assert.ok(!jwks.keys.some((k) => k.kid === key.kid));
    assert.throws(() => verify(token, jwks), /not in JWKS/);
    assert.equal(verify(token, { keys: [forge.publicJwk(key)] }), true);
  }
  // Same kid as a published key but a different key: the signature must not verify.
  const rs = idp.signingKey('RS256');
  const impostor = forge.sign({ header: { kid: rs.kid }, payload: forge.claims({ iss: idp.issuer, aud: AUDIENCE }), key: forge.unknownKey('RS256') });
  assert.equal(verify(impostor, jwks), false);
});

test('rotateKeys publishes new kids, signs with them, keeps the old keys published', async () => {
  const oldJwks = await getJwks();
  const oldKid = idp.signingKey('RS256').kid;
  const jwksBefore = idp.requests.jwks;
  const newKids = await idp.rotateKeys();
  assert.equal(newKids.length, ALL_ALGS.length);
  const tok = await idp.token();
  const t = split(tok);
  assert.notEqual(t.header.kid, oldKid);
  assert.ok(newKids.includes(t.header.kid));
  assert.throws(() => verify(tok, oldJwks), /not in JWKS/);
  const fetched = idp.waitFor('jwks', jwksBefore + 1);
  const newJwks = await getJwks();
  assert.equal(await fetched, jwksBefore + 1);
  assert.equal(verify(tok, newJwks), true);
  assert.ok(newJwks.keys.some((k) => k.kid === oldKid), 'old key still published');
  assert.equal(idp.privateJwks.keys.length, 2 * ALL_ALGS.length);
  const d = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
  assert.equal(d.issuer, idp.issuer);
});
