// Builds JWTs for the gateway's refusal tests with node:crypto only (no JOSE library), usually
// from the IdP fixture's own private keys (fakes/oidc_idp.mjs: idp.signingKey(alg),
// idp.privateJwks) so that the only defect in a token is the one the test means.
//
//   sign({ header, payload, key }) -> compact JWS. key: private JWK (or KeyObject) for RS256/384/512,
//       PS256/384/512, ES256/384/512 (JOSE raw r||s), EdDSA/Ed25519; a secret (string/Buffer) for HS*.
//       header.alg defaults to key.alg, header.kid to key.kid (pass kid: undefined to omit it),
//       header.typ to 'at+jwt'.
//   algNone(payload, header)                  -> 'h.p.' (alg none, empty signature)
//   hs256WithPublicKey(payload, publicJwkOrPem, { kid, form }) -> HS256 keyed with the public key's
//       bytes (form 'spki-pem' (default), 'pkcs1-pem' or 'jwk-json'): algorithm confusion
//   tamper(token, mutate = p => { p.sub += 'x' }) -> payload changed, original header and signature
//   claims({ iss, aud, sub, ttl, extra }) -> a valid access-token payload relative to now
//   expired(p, secondsAgo) / notYetValid(p, secondsAhead) / wrongAud(p, aud) / wrongIss(p, iss)
//       -> copies of payload p with one defect
//   unknownKey(alg, kid) -> a fresh private JWK the IdP does not publish
//   signWithUnknownKey({ payload, alg, kid, header }) -> { token, key }
//   decode(token) -> { header, payload, signature (Buffer), signingInput }
//   now() -> seconds since the epoch
//   generateSigningJwk(alg, kid) -> fresh private JWK { ...key, kid, alg, use: 'sig' }; publicJwk(jwk)
import crypto from 'node:crypto';

export const b64u = (input) => Buffer.from(typeof input === 'string' || Buffer.isBuffer(input) ? input : JSON.stringify(input)).toString('base64url');
export const now = () => Math.floor(Date.now() / 1000);

const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

const toKeyObject = (key) => (key instanceof crypto.KeyObject ? key : crypto.createPrivateKey({ key, format: 'jwk' }));

export function signingInputSignature(alg, signingInput, key) {
  const data = Buffer.from(signingInput);
  const bits = alg.slice(2);
  if (/^HS(256|384|512)$/.test(alg)) return crypto.createHmac(HASH[bits], key).update(data).digest();
  if (/^RS(256|384|512)$/.test(alg)) return crypto.sign(HASH[bits], data, toKeyObject(key));
  if (/^PS(256|384|512)$/.test(alg)) {
    return crypto.sign(HASH[bits], data, {
      key: toKeyObject(key),
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(bits) / 8,
    });
  }
  if (/^ES(256|384|512)$/.test(alg)) return crypto.sign(HASH[bits], data, { key: toKeyObject(key), dsaEncoding: 'ieee-p1363' });
  if (alg === 'EdDSA' || alg === 'Ed25519') return crypto.sign(null, data, toKeyObject(key));
  throw new Error(`jwt_forge: unsupported alg ${alg}`);
}

export function sign({ header = {}, payload, key }) {
  const h = { alg: key?.alg, typ: 'at+jwt', ...('kid' in header ? {} : { kid: key?.kid }), ...header };
  if (!h.alg) throw new Error('jwt_forge.sign: no alg in header or key');
  const signingInput = `${b64u(h)}.${b64u(payload)}`;
  return `${signingInput}.${signingInputSignature(h.alg, signingInput, key).toString('base64url')}`;
}

export function algNone(payload, header = {}) {
  return `${b64u({ alg: 'none', typ: 'at+jwt', ...header })}.${b64u(payload)}.`;
}

// The verifier's public key as the bytes a naive HMAC verifier would use as the secret.
export function publicKeyBytes(publicJwkOrPem, form = 'spki-pem') {
  if (form === 'jwk-json') return JSON.stringify(publicJwkOrPem);
  const pub = typeof publicJwkOrPem === 'string' || Buffer.isBuffer(publicJwkOrPem)
    ? crypto.createPublicKey(publicJwkOrPem)
    : crypto.createPublicKey({ key: publicJwk(publicJwkOrPem), format: 'jwk' });
  if (form === 'spki-pem') return pub.export({ type: 'spki', format: 'pem' });
  if (form === 'pkcs1-pem') return pub.export({ type: 'pkcs1', format: 'pem' });
  throw new Error(`jwt_forge: unknown public key form ${form}`);
}

export function hs256WithPublicKey(payload, publicJwkOrPem, { kid = publicJwkOrPem?.kid, form = 'spki-pem' } = {}) {
  const secret = publicKeyBytes(publicJwkOrPem, form);
  return sign({ header: { alg: 'HS256', kid }, payload, key: secret });
}

export function decode(token) {
  const [h, p, s = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url')),
    payload: JSON.parse(Buffer.from(p, 'base64url')),
    signature: Buffer.from(s, 'base64url'),
    signingInput: `${h}.${p}`,
  };
}

// Re-encodes a changed payload between the original header and signature.
export function tamper(token, mutate = (p) => { p.sub = `${p.sub ?? ''}x`; }) {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  mutate(payload);
  const changed = b64u(payload);
  if (changed === p) throw new Error('jwt_forge.tamper: mutation left the payload unchanged');
  return `${h}.${changed}.${s}`;
}

export function claims({ iss, aud, sub = 'gateway-tests', ttl = 300, extra = {} }) {
  const t = now();
  return {
    ...extra,
    jti: crypto.randomBytes(12).toString('base64url'),
    sub,
    iat: t,
    exp: t + ttl,
    client_id: sub,
    iss,
    aud,
  };
}

// Defaults are far outside any sane clock-skew leeway (typically 60 s or less).
export const expired = (p, secondsAgo = 600) => ({ ...p, iat: now() - secondsAgo - 300, exp: now() - secondsAgo });
export const notYetValid = (p, secondsAhead = 600) => ({ ...p, nbf: now() + secondsAhead, exp: now() + secondsAhead + 300 });
export const wrongAud = (p, aud = 'https://not-the-gateway.example/') => ({ ...p, aud });
export const wrongIss = (p, iss = 'http://127.0.0.1:9/not-the-issuer') => ({ ...p, iss });

export const unknownKey = (alg = 'RS256', kid = `unknown-${crypto.randomBytes(6).toString('hex')}`) => generateSigningJwk(alg, kid);

export function signWithUnknownKey({ payload, alg = 'RS256', kid, header = {} }) {
  const key = unknownKey(alg, kid);
  return { token: sign({ header, payload, key }), key };
}

// A fresh private JWK for `alg` with the given kid (node:crypto only).
export function generateSigningJwk(alg, kid) {
  let pair;
  if (alg.startsWith('RS') || alg.startsWith('PS')) pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'ES256') pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'ES384') pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  else if (alg === 'ES512') pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
  else if (alg === 'EdDSA' || alg === 'Ed25519') pair = crypto.generateKeyPairSync('ed25519');
  else throw new Error(`generateSigningJwk: unsupported alg ${alg}`);
  return { ...pair.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

export function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk; // eslint-disable-line no-unused-vars
  return pub;
}

