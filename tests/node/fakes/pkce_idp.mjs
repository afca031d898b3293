// A minimal OpenID Connect provider for the web UI's single sign-on: authorization code flow with
// PKCE (S256) for one public client. /authorize approves at once (no login page) and redirects
// back with a code; /token checks the code, the redirect URI and the code verifier against the
// challenge, and returns an ID token (RS256, aud = client id) the gateway verifies through the
// discovery document and /jwks. Discovery and token answers allow any origin (CORS), as an IdP
// configured for a browser client would.
//
//   const idp = await startPkceIdp({ clientId: 'gateway-ui', subject: 'alice' })
//   idp.issuer, idp.exchanges [{ code_verifier, redirect_uri, ok }], await idp.close()
import http from 'node:http';
import crypto from 'node:crypto';
import { sign, claims, generateSigningJwk, publicJwk } from '../helpers/jwt_forge.mjs';

export async function startPkceIdp({ clientId, subject = 'alice' }) {
  const key = generateSigningJwk('RS256', `ui-${crypto.randomBytes(4).toString('hex')}`);
  const codes = new Map();
  const exchanges = [];
  let issuer = '';
  const cors = { 'Access-Control-Allow-Origin': '*' };
  const json = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...cors });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url, issuer);
      if (url.pathname === '/.well-known/openid-configuration') {
        return json(res, 200, {
          issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'], code_challenge_methods_supported: ['S256'],
        });
      }
      if (url.pathname === '/jwks') return json(res, 200, { keys: [publicJwk(key)] });
      if (url.pathname === '/authorize') {
        const q = url.searchParams;
        const redirect = new URL(q.get('redirect_uri'));
        if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' ||
            q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
          redirect.searchParams.set('error', 'invalid_request');
        } else {
          const code = crypto.randomBytes(16).toString('base64url');
          codes.set(code, { challenge: q.get('code_challenge'), redirect_uri: q.get('redirect_uri') });
          redirect.searchParams.set('code', code);
        }
        redirect.searchParams.set('state', q.get('state') || '');
        res.writeHead(302, { Location: redirect.toString() });
        return res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const f = new URLSearchParams(raw);
        const grant = codes.get(f.get('code'));
        codes.delete(f.get('code'));
        const verifier = f.get('code_verifier') || '';
        const ok = !!grant && f.get('client_id') === clientId && f.get('redirect_uri') === grant.redirect_uri &&
          crypto.createHash('sha256').update(verifier).digest('base64url') === grant.challenge;
        exchanges.push({ code_verifier: verifier, redirect_uri: f.get('redirect_uri'), ok });
        if (!ok) return json(res, 400, { error: 'invalid_grant' });
        const idToken = sign({ header: { typ: 'JWT' }, payload: claims({ iss: issuer, aud: clientId, sub: subject }), key });
        return json(res, 200, { id_token: idToken, access_token: crypto.randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300 });
      }
      json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, exchanges, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
