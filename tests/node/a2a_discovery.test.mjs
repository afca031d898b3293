// Kubernetes discovery of A2A agents: the gateway polls a fake API server (HTTPS, trusted through
// the service account's ca.crt, bearer token re-read every poll) for labelled Services and the
// operator's Agent resources; agents appear and disappear between polls, next to the static
// A2A_AGENTS. Waits on log lines and requests, never on sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway } from './helpers/gateway.mjs';
import { request, chat } from './helpers/http.mjs';
import { startToolLlm } from './fakes/tool_llm.mjs';
import { startA2aAgent } from './fakes/a2a_agents.mjs';
import { startFakeK8s } from './fakes/k8s_api.mjs';

const NS = 'agents';
const LABEL = { 'inference-gateway.com/a2a-agent': 'true' };
const URL_ANNOTATION = 'inference-gateway.com/a2a-url';

let llm, k8s, gw, alpha, beta, fixed, saDir;

const svc = (name, agent, extra = {}) => ({
  name, labels: LABEL, annotations: { [URL_ANNOTATION]: agent.url }, ports: [{ name: 'http', port: 8080 }], ...extra,
});

before(async () => {
  llm = await startToolLlm();
  alpha = await startA2aAgent({ name: 'Alpha Agent', version: '1.0' });
  beta = await startA2aAgent({ name: 'Beta Agent', version: '0.3', cardPath: 'agent.json' });
  fixed = await startA2aAgent({ name: 'Static Agent', version: '1.0' });
  k8s = await startFakeK8s({ tokens: ['token-1'] });
  k8s.setServices([
    svc('alpha', alpha),
    // Not labelled: the selector keeps it out.
    { name: 'web', labels: { app: 'web' }, annotations: { [URL_ANNOTATION]: beta.url }, ports: [{ port: 80 }] },
  ]);
  saDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-'));
  fs.writeFileSync(path.join(saDir, 'token'), 'token-1\n');
  fs.writeFileSync(path.join(saDir, 'namespace'), NS);
  fs.copyFileSync(k8s.certFile, path.join(saDir, 'ca.crt'));
  gw = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    A2A_ENABLE: 'true',
    A2A_EXPOSE: 'true',
    A2A_AGENTS: fixed.url,
    A2A_INITIAL_BACKOFF: '50ms',
    A2A_RETRY_INTERVAL: '200ms',
    A2A_SERVICE_DISCOVERY_ENABLE: 'true',
    A2A_SERVICE_DISCOVERY_API_URL: k8s.url,
    A2A_SERVICE_DISCOVERY_SERVICE_ACCOUNT_DIR: saDir,
    A2A_SERVICE_DISCOVERY_POLLING_INTERVAL: '100ms',
  });
  await gw.waitForLog(/a2a agent ready name=Static Agent /);
  await gw.waitForLog(/a2a agent ready name=Alpha Agent /);
});

after(async () => {
  await gw?.stop();
  for (const x of [alpha, beta, fixed]) await x?.close();
  await k8s?.close();
  await llm?.close();
  if (saDir) fs.rmSync(saDir, { recursive: true, force: true });
});

const listing = async () => {
  const res = await request(gw.url, { path: '/v1/a2a/agents' });
  assert.equal(res.status, 200, res.text);
  return res.json.data;
};

async function offeredTools() {
  const from = llm.requests.length;
  const res = await chat(gw.url, { model: 'openai/tool-model', messages: [{ role: 'user', content: 'hello' }] });
  assert.equal(res.status, 200, res.text);
  return (llm.requests[from].body.tools ?? []).map((t) => t.function.name);
}

test('the gateway lists labelled services with the service account token, namespace and CA', async () => {
  const r = await k8s.waitForRequest((x) => x.path === `/api/v1/namespaces/${NS}/services` && x.status === 200);
  assert.equal(r.headers.authorization, 'Bearer token-1');
  assert.equal(r.query.labelSelector, 'inference-gateway.com/a2a-agent=true');
  assert.match(r.rawQuery, /labelSelector=inference-gateway\.com%2Fa2a-agent%3Dtrue/);
  // The operator's CRD is looked for, and its absence (404) is fine.
  await k8s.waitForRequest((x) => x.path === `/apis/core.inference-gateway.com/v1alpha1/namespaces/${NS}/agents`);
  const agents = await listing();
  const names = agents.map((a) => a.name).sort();
  assert.deepEqual(names, ['Alpha Agent', 'Static Agent']);
  const a = agents.find((x) => x.name === 'Alpha Agent');
  assert.equal(a.url, alpha.url);
  assert.match(a.origin, /^kubernetes:agents\/alpha$/);
  const tools = await offeredTools();
  assert.ok(tools.includes('a2a_alpha_agent_echo'));
  assert.ok(tools.includes('a2a_static_agent_echo'));
});

test('a service that appears becomes an agent whose skills can be called', async () => {
  k8s.setServices([svc('alpha', alpha), svc('beta', beta)]);
  await gw.waitForLog(/a2a agent ready name=Beta Agent .*protocol=0\.3/);
  const res = await chat(gw.url, { model: 'openai/tool-model', messages: [{ role: 'user', content: 'CALL a2a_beta_agent_echo {"input":"echo discovered"}' }] });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(JSON.parse(res.json.choices[0].message.content.slice(6)), ['echo: discovered']);
});

test('a service that disappears takes its tools with it; static agents stay', async () => {
  k8s.setServices([svc('beta', beta)]);
  await gw.waitForLog(new RegExp(`a2a agent removed url=${alpha.url.replace(/\./g, '\\.')}`));
  const names = (await listing()).map((a) => a.name).sort();
  assert.deepEqual(names, ['Beta Agent', 'Static Agent']);
  const tools = await offeredTools();
  assert.ok(!tools.includes('a2a_alpha_agent_echo'), tools.join(','));
  assert.ok(tools.includes('a2a_beta_agent_echo'));
  assert.ok(tools.includes('a2a_static_agent_echo'));
});

test("the operator's Agent resources are discovered at their service URL", async () => {
  k8s.setAgents([{ name: 'gamma', port: 8081 }, { name: 'delta' }]);
  await gw.waitForLog(/a2a agent discovered url=http:\/\/gamma\.agents\.svc\.cluster\.local:8081/);
  await gw.waitForLog(/a2a agent discovered url=http:\/\/delta\.agents\.svc\.cluster\.local:8080/);
  const agents = await listing();
  const gamma = agents.find((a) => a.url === 'http://gamma.agents.svc.cluster.local:8081');
  assert.ok(gamma, JSON.stringify(agents));
  assert.equal(gamma.healthy, false); // not resolvable from the test machine
  assert.match(gamma.origin, /^kubernetes:agents\/gamma$/);
  k8s.setAgents([{ name: 'delta' }]);
  await gw.waitForLog(/a2a agent removed url=http:\/\/gamma\.agents\.svc\.cluster\.local:8081/);
  assert.ok(!(await listing()).some((a) => a.url.includes('gamma')));
});

test('the token file is re-read on every poll (rotated projected tokens)', async () => {
  k8s.tokens.push('token-2');
  fs.writeFileSync(path.join(saDir, 'token'), 'token-2');
  await k8s.waitForRequest((x) => x.headers.authorization === 'Bearer token-2');
});

test('a failing API server keeps the agents known so far', async () => {
  k8s.tokens.length = 0; // every request is now 401
  await gw.waitForLog(/a2a service discovery failed .*HTTP 401/);
  const names = (await listing()).map((a) => a.name).filter(Boolean).sort();
  assert.deepEqual(names, ['Beta Agent', 'Static Agent']);
  k8s.tokens.push('token-2');
  await gw.waitForLog(/a2a service discovery recovered/);
});
