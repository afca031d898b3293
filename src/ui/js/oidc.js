// Sign-in with the gateway's OpenID Connect issuer: authorization code flow with PKCE (S256),
// public client, redirect back to /ui/. The issuer must allow this origin (CORS) on its
// discovery and token endpoints. The ID token (its audience is the client id the gateway
// checks) becomes the credential; state and verifier live in sessionStorage for the round trip.
const PENDING = 'igw.oidc.pending';

function b64url(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(n = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function discover(issuer) {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`the issuer's discovery document answered HTTP ${res.status}`);
  return res.json();
}

function redirectUri() {
  return `${window.location.origin}/ui/`;
}

export async function beginSignIn(oidc) {
  if (!crypto.subtle) throw new Error('single sign-on needs a secure context (HTTPS or localhost)');
  const config = await discover(oidc.issuer);
  const verifier = random(48);
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, token_endpoint: config.token_endpoint }));
  const url = new URL(config.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: 'openid profile email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  window.location.assign(url.toString());
}

// On the way back: ?code=&state= in the URL. Returns the token, or null when this load is not
// a sign-in return. Throws with a message for the user when the exchange fails.
export async function completeSignIn(oidc) {
  const params = new URLSearchParams(window.location.search);
  if (!params.has('code') && !params.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  window.history.replaceState(null, '', '/ui/');
  if (params.has('error')) throw new Error(`sign-in refused: ${params.get('error_description') || params.get('error')}`);
  if (!pending || pending.state !== params.get('state')) throw new Error('sign-in state did not match: try again');
  const res = await fetch(pending.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectUri(),
      client_id: oidc.client_id,
      code_verifier: pending.verifier,
    }).toString(),
  });
  const j = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`token exchange failed: ${j.error_description || j.error || res.status}`);
  const token = j.id_token || j.access_token;
  if (!token) throw new Error('the issuer returned no token');
  return token;
}
