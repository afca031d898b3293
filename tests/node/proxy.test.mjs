// ANY /proxy/{provider}/{path...}: raw passthrough.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI, SSE_EVENTS } from './fakes/openai_upstream.mjs';
import { request, openStream, assertErrorShape } from './helpers/http.mjs';

let up, gw;
before(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway({
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai',
    ANTHROPIC_API_URL: up.url, ANTHROPIC_API_KEY: 'sk-ant',
  });
});
after(async () => { await gw?.kill(); await up?.close(); });

const callerSecrets = {
  authorization: 'Bearer caller-secret', cookie: 'session=caller-secret', 'x-api-key': 'caller-secret',
  'api-key': 'caller-secret', 'x-goog-api-key': 'caller-secret',
};
let n = 0;
const uniq = () => `u${++n}x${Date.now()}`;

test('GET passthrough keeps path and query, injects credentials, strips caller credentials', async () => {
  const id = uniq();
  const res = await request(gw.url, { path: `/proxy/openai/files/${id}?limit=2&order=desc`, headers: { ...callerSecrets, 'x-custom-header': 'dropped', 'openai-beta': 'assistants=v2' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['x-fake-upstream'], 'yes', 'upstream response headers not relayed');
  assert.equal(res.json.path, `/v1/files/${id}`); // upstream echo relayed verbatim
  const rec = await up.waitForRequest((r) => r.path === `/v1/files/${id}`);
  assert.equal(rec.method, 'GET');
  assert.deepEqual(rec.query, { limit: '2', order: 'desc' });
  assert.equal(rec.headers.authorization, 'Bearer sk-openai');
  for (const h of ['cookie', 'x-api-key', 'api-key', 'x-goog-api-key']) assert.equal(rec.headers[h], undefined, `${h} forwarded`);
  assert.ok(!JSON.stringify(rec.headers).includes('caller-secret'), 'caller secret leaked upstream');
  // Only allow-listed headers go upstream (docs/architecture.md, /proxy).
  assert.equal(rec.headers['x-custom-header'], undefined);
  assert.equal(rec.headers['openai-beta'], 'assistants=v2');
});

test('POST / DELETE passthrough keeps method and body', async () => {
  const id = uniq();
  const payload = { input: 'embed me', model: 'text-embedding-3-small', id };
  const res = await request(gw.url, { method: 'POST', path: '/proxy/openai/embeddings', body: payload });
  assert.equal(res.status, 200, res.text);
  const rec = await up.waitForRequest((r) => r.path === '/v1/embeddings' && r.body?.id === id);
  assert.equal(rec.method, 'POST');
  assert.deepEqual(rec.body, payload); // no model rewriting on the proxy route
  const del = await request(gw.url, { method: 'DELETE', path: `/proxy/openai/files/${id}-del` });
  assert.equal(del.status, 200);
  assert.equal((await up.waitForRequest((r) => r.path === `/v1/files/${id}-del`)).method, 'DELETE');
});

test('anthropic passthrough injects x-api-key instead of the caller one', async () => {
  const id = uniq();
  const res = await request(gw.url, { method: 'POST', path: `/proxy/anthropic/messages?x=${id}`, body: { max_tokens: 5 }, headers: callerSecrets });
  assert.equal(res.status, 200, res.text);
  const rec = await up.waitForRequest((r) => r.query.x === id);
  assert.equal(rec.path, '/v1/messages');
  assert.equal(rec.headers['x-api-key'], 'sk-ant');
  assert.equal(rec.headers['anthropic-version'], '2023-06-01');
  assert.ok(!JSON.stringify(rec.headers).includes('caller-secret'), 'caller secret leaked upstream');
});

test('upstream error status and body are relayed', async () => {
  const res = await request(gw.url, { path: '/proxy/openai/status/404' });
  assert.equal(res.status, 404);
  assert.match(res.json.error.message, /Fake upstream error 404/);
});

test('SSE is streamed through the proxy as it arrives', async () => {
  const id = uniq();
  const s = await openStream(gw.url, { path: `/proxy/openai/events/sse?id=${id}` });
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /^text\/event-stream/);
  // The first event arrives while the upstream is still holding the rest.
  assert.equal((await s.sse.next()).data, SSE_EVENTS[0]);
  (await up.waitForRequest((r) => r.query.id === id)).release();
  const rest = await s.sse.rest();
  assert.deepEqual(rest.map((e) => e.data), SSE_EVENTS.slice(1));
  assert.ok(s.sse.ended);
});

test('client disconnecting from a proxied SSE stream closes the upstream request', async () => {
  const id = uniq();
  const s = await openStream(gw.url, { path: `/proxy/openai/events/sse?id=${id}` });
  assert.equal((await s.sse.next()).data, SSE_EVENTS[0]);
  const rec = await up.waitForRequest((r) => r.query.id === id);
  s.req.destroy();
  await rec.closed; // fails by timeout if the gateway keeps the upstream request open
});

test('path traversal attempts -> 400, nothing sent upstream', async () => {
  const port = up.port;
  const attempts = [
    '/proxy/openai/../secret',
    '/proxy/openai/files/../../secret',
    '/proxy/openai/%2e%2e/secret',
    '/proxy/openai/%2E%2E/%2e%2E/secret',
    '/proxy/openai/files%2f..%2f..%2fsecret',
    '/proxy/openai/a%2Fb',
    `/proxy/openai/http://127.0.0.1:${port}/secret`,
    `/proxy/openai/http:%2f%2f127.0.0.1:${port}%2fsecret`,
  ];
  const before = up.requests.length;
  for (const path of attempts) {
    const res = await request(gw.url, { path });
    assert.equal(res.status, 400, `${path} -> ${res.status} ${res.text}`);
  }
  assert.deepEqual(up.requests.slice(before).map((r) => r.url), [], 'a traversal attempt reached the upstream');
});

test('proxy to unknown provider -> 400; provider without key -> 401', async () => {
  const e = assertErrorShape(await request(gw.url, { path: '/proxy/nosuchprovider/models' }), 400);
  assert.ok(e.message.includes('openai'), e.message);
  const e2 = assertErrorShape(await request(gw.url, { path: '/proxy/groq/models' }), 401);
  assert.ok(e2.message.includes('GROQ_API_KEY'), e2.message);
});

// /v1/proxy/{provider}/...: the alias the Go project's TypeScript SDK builds under its /v1 base.
// Same handler, so the same header allow-list, credentials and path checks.
test('/v1/proxy alias: fetch() GET and POST reach the provider like /proxy does', async () => {
  const id = uniq();
  const res = await fetch(`${gw.url}/v1/proxy/openai/files/${id}?limit=2`, { headers: { ...callerSecrets, 'openai-beta': 'assistants=v2' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-fake-upstream'), 'yes');
  assert.equal((await res.json()).path, `/v1/files/${id}`);
  const rec = await up.waitForRequest((r) => r.path === `/v1/files/${id}`);
  assert.deepEqual(rec.query, { limit: '2' });
  assert.equal(rec.headers.authorization, 'Bearer sk-openai');
  assert.equal(rec.headers['openai-beta'], 'assistants=v2');
  assert.ok(!JSON.stringify(rec.headers).includes('caller-secret'), 'caller secret leaked upstream');

  const payload = { input: 'embed me', model: 'text-embedding-3-small', id };
  const post = await fetch(`${gw.url}/v1/proxy/openai/embeddings`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload),
  });
  assert.equal(post.status, 200);
  const prec = await up.waitForRequest((r) => r.path === '/v1/embeddings' && r.body?.id === id);
  assert.deepEqual(prec.body, payload); // no model rewriting on the proxy routes
});

test('/v1/proxy alias: SSE streams through, traversal is refused, unknown provider is a 400', async () => {
  const id = uniq();
  const s = await openStream(gw.url, { path: `/v1/proxy/openai/events/sse?id=${id}` });
  assert.equal(s.status, 200);
  assert.equal((await s.sse.next()).data, SSE_EVENTS[0]);
  (await up.waitForRequest((r) => r.query.id === id)).release();
  assert.deepEqual((await s.sse.rest()).map((e) => e.data), SSE_EVENTS.slice(1));

  const before = up.requests.length;
  for (const path of ['/v1/proxy/openai/../secret', '/v1/proxy/openai/%2e%2e/secret', '/v1/proxy/openai/a%2Fb']) {
    assert.equal((await request(gw.url, { path })).status, 400, path);
  }
  assert.equal(up.requests.length, before, 'a traversal attempt reached the upstream');
  const e = assertErrorShape(await request(gw.url, { path: '/v1/proxy/nosuchprovider/models' }), 400);
  assert.ok(e.message.includes('openai'), e.message);
});
