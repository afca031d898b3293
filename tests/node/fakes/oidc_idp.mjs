// A real OpenID Connect provider (npm `oidc-provider`, by panva) for the gateway's authentication
// tests: plain http on 127.0.0.1, issuer `http://127.0.0.1:PORT`, discovery at
// /.well-known/openid-configuration, JWKS at /jwks, token endpoint at /token.
//
// Two confidential clients may use the client-credentials grant (client_secret_basic):
//   'gateway-tests' (plain) and 'gateway-admin' (its tokens carry `roles: ['gateway-admin']`).
// Resource indicators are on: a client-credentials request with `resource=<audience>` (or with no
// resource at all: it defaults to the audience) yields a JWT access token (header typ `at+jwt`)
// whose aud is the audience, signed with the default alg (algs[0], RS256 unless told). Any other
// absolute URI as resource yields a token for that aud (a real IdP token for the wrong audience).
// To choose the signing alg, ask for the resource `idp.resourceFor(alg, aud)`
// (`urn:idp-test:alg:<ALG>:aud:<encoded aud>`): token with aud=<aud>, signed with <ALG>.
// Payload claims oidc-provider emits: jti, sub (= client_id), iat, exp, client_id, iss, aud,
// plus scope when one was granted and the extra claims (roles) for the admin client.
//
//   const idp = await startIdp({ audience: 'https://gateway.test', algs, accessTokenTtl })
//   idp.issuer, idp.jwksUri, idp.tokenEndpoint, idp.clients { id: secret }
//   await idp.token({ client = 'gateway-tests', alg, resource = audience }) -> compact JWT
//   idp.privateJwks { keys: [private JWK with kid, alg, use] } (current and rotated-out keys)
//   idp.signingKey(alg) -> the private JWK the IdP signs <alg> tokens with right now
//   await idp.rotateKeys() -> new keys (new kids) for every alg; old ones stay published but
//       are no longer used for signing, so tokens issued afterwards carry kids a cached JWKS lacks
//   idp.requests { discovery, jwks, token, other } (counters), await idp.waitFor('jwks', n)
//   await idp.stop()
import http from 'node:http';
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import Provider from 'oidc-provider';
import { generateSigningJwk, publicJwk } from '../helpers/jwt_forge.mjs';

export const ALL_ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const RESOURCE_PREFIX = 'urn:idp-test:alg:';

function parseResource(indicator) {
  if (!indicator.startsWith(RESOURCE_PREFIX)) return null;
  const m = /^([A-Za-z0-9]+):aud:(.+)$/.exec(indicator.slice(RESOURCE_PREFIX.length));
  return m ? { alg: m[1], audience: decodeURIComponent(m[2]) } : null;
}

// A per-IdP in-memory storage adapter (what oidc-provider's quick-start adapter does, without its
// "development-only" warning on stderr). Client-credentials JWTs are not stored by the provider.
function mapAdapter(store) {
  return class MapAdapter {
    constructor(name) { this.name = name; }
    key(id) { return `${this.name}:${id}`; }
    async upsert(id, payload) { store.set(this.key(id), structuredClone(payload)); }
    async find(id) { return store.get(this.key(id)); }
    async findByUserCode() { return undefined; }
    async findByUid(uid) { return [...store.values()].find((v) => v.uid === uid); }
    async consume(id) { const v = store.get(this.key(id)); if (v) v.consumed = Math.floor(Date.now() / 1000); }
    async destroy(id) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId) { for (const [k, v] of store) if (v.grantId === grantId) store.delete(k); }
  };
}

export async function startIdp({
  audience,
  clientId = 'gateway-tests',
  clientSecret = 'gateway-tests-secret-0123456789abcdef',
  adminClientId = 'gateway-admin',
  adminClientSecret = 'gateway-admin-secret-0123456789abcdef',
  adminClaims = { roles: ['gateway-admin'] },
  accessTokenTtl = 300,
  algs = ALL_ALGS,
} = {}) {
  if (!audience || !URL.canParse(audience)) throw new Error('startIdp: audience must be an absolute URI');
  const defaultAlg = algs[0];
  const clients = { [clientId]: clientSecret, [adminClientId]: adminClientSecret };
  let generation = 0;
  let signing = []; // current signing keys, one per alg
  const retired = []; // rotated-out keys, still published
  const newKeys = () => {
    generation += 1;
    return algs.map((alg) => generateSigningJwk(alg, `${alg.toLowerCase()}-${generation}`));
  };

  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const Adapter = mapAdapter(new Map());
  const makeProvider = () => {
    const provider = new Provider(issuer, {
      adapter: Adapter,
      clients: Object.entries(clients).map(([id, secret]) => ({
        client_id: id,
        client_secret: secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      // Current keys first: for each alg the provider signs with the first matching key.
      jwks: { keys: [...signing, ...retired] },
      cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: async (_ctx, _client, oneOf) => oneOf ?? audience,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, indicator) => {
            const chosen = parseResource(indicator) ?? { alg: defaultAlg, audience: indicator };
            return {
              scope: '',
              audience: chosen.audience,
              accessTokenTTL: accessTokenTtl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: chosen.alg } },
            };
          },
        },
      },
      ttl: { ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl },
      extraTokenClaims: async (_ctx, token) => (token.clientId === adminClientId ? structuredClone(adminClaims) : undefined),
    });
    return provider.callback();
  };

  signing = newKeys();
  let handler = makeProvider();

  const ev = new EventEmitter();
  ev.setMaxListeners(100);
  const requests = { discovery: 0, jwks: 0, token: 0, other: 0 };
  server.on('request', (req, res) => {
    const { pathname } = new URL(req.url, issuer);
    const kind = pathname === '/.well-known/openid-configuration' ? 'discovery'
      : pathname === '/jwks' ? 'jwks' : pathname === '/token' ? 'token' : 'other';
    requests[kind] += 1;
    ev.emit('request', kind);
    handler(req, res);
  });

  const resourceFor = (alg, aud = audience) => `${RESOURCE_PREFIX}${alg}:aud:${encodeURIComponent(aud)}`;

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    audience,
    clients,
    algs,
    defaultAlg,
    requests,
    resourceFor,
    get privateJwks() {
      return { keys: [...signing, ...retired].map((k) => ({ ...k })) };
    },
    get publicJwks() {
      return { keys: [...signing, ...retired].map(publicJwk) };
    },
    signingKey(alg = defaultAlg) {
      const k = signing.find((j) => j.alg === alg);
      if (!k) throw new Error(`idp has no ${alg} key`);
      return { ...k };
    },
    async token({ client = clientId, alg, resource = audience } = {}) {
      const indicator = alg && alg !== defaultAlg ? resourceFor(alg, resource) : resource;
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client)}:${encodeURIComponent(clients[client] ?? '')}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: indicator }),
      });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`idp token request failed: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async rotateKeys() {
      retired.unshift(...signing);
      signing = newKeys();
      handler = makeProvider();
      return signing.map((k) => k.kid);
    },
    // Resolves once `kind` ('discovery' | 'jwks' | 'token') has been requested at least n times.
    waitFor(kind, n) {
      return new Promise((resolve) => {
        if (requests[kind] >= n) return resolve(requests[kind]);
        const on = (k) => {
          if (k === kind && requests[kind] >= n) {
            ev.off('request', on);
            resolve(requests[kind]);
          }
        };
        ev.on('request', on);
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
