// A fake Kubernetes API server for A2A service discovery tests: HTTPS with a fresh self-signed
// certificate (made with the openssl CLI; the gateway trusts it as the service account's
// ca.crt), bearer-token authentication, and the two list endpoints the gateway reads, in the
// real API shapes (kind, apiVersion, metadata.resourceVersion, items):
//   GET /api/v1/namespaces/{ns}/services?labelSelector=k=v[,k2=v2]   (equality selectors)
//   GET /apis/core.inference-gateway.com/v1alpha1/namespaces/{ns}/agents
//       (404 like a cluster without the operator's CRD until setAgents() is called)
//
//   const k8s = await startFakeK8s({ tokens: ['t1'] });
//   k8s.url, k8s.certFile (PEM, use as ca.crt), k8s.requests [{ path, query, headers, status }]
//   k8s.setServices([{ name, namespace, labels, annotations, ports: [{ name, port }] }])
//   k8s.setAgents([{ name, namespace, port }] | null), k8s.tokens (mutable array of accepted tokens)
//   await k8s.waitForRequest(pred), await k8s.close()
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';

export function makeCert(dir) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { key, cert };
}

function matches(labels, selector) {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return (labels ?? {})[k] === v;
  });
}

export async function startFakeK8s({ tokens = ['token'] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-api-'));
  const { key, cert } = makeCert(dir);
  const ev = new EventEmitter();
  ev.setMaxListeners(50);
  const state = { services: [], agents: null, version: 1, tokens, requests: [] };

  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    const u = new URL(req.url, 'https://x');
    const rec = { path: u.pathname, query: Object.fromEntries(u.searchParams), rawQuery: u.search, headers: req.headers };
    const send = (status, body) => {
      rec.status = status;
      state.requests.push(rec);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      ev.emit('request', rec);
    };
    const auth = req.headers.authorization ?? '';
    if (!state.tokens.some((t) => auth === `Bearer ${t}`)) {
      return send(401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    let m;
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services$/.exec(u.pathname))) {
      const ns = m[1];
      const items = state.services
        .filter((s) => (s.namespace ?? ns) === ns && matches(s.labels, u.searchParams.get('labelSelector')))
        .map((s) => ({
          metadata: { name: s.name, namespace: ns, uid: `uid-${s.name}`, resourceVersion: String(state.version), labels: s.labels ?? {}, annotations: s.annotations },
          spec: { type: 'ClusterIP', clusterIP: '10.0.0.10', ports: (s.ports ?? []).map((p) => ({ protocol: 'TCP', targetPort: p.port, ...p })) },
          status: { loadBalancer: {} },
        }));
      return send(200, { kind: 'ServiceList', apiVersion: 'v1', metadata: { resourceVersion: String(state.version) }, items });
    }
    if ((m = /^\/apis\/core\.inference-gateway\.com\/v1alpha1\/namespaces\/([^/]+)\/agents$/.exec(u.pathname))) {
      if (state.agents === null) {
        return send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
      }
      const ns = m[1];
      const items = state.agents.filter((a) => (a.namespace ?? ns) === ns).map((a) => ({
        apiVersion: 'core.inference-gateway.com/v1alpha1', kind: 'Agent',
        metadata: { name: a.name, namespace: ns, uid: `uid-${a.name}`, resourceVersion: String(state.version), generation: 1 },
        spec: { image: 'ghcr.io/example/agent:latest', ...(a.port ? { port: a.port } : {}) },
        status: { ready: true },
      }));
      return send(200, { apiVersion: 'core.inference-gateway.com/v1alpha1', kind: 'AgentList', metadata: { resourceVersion: String(state.version) }, items });
    }
    return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const sockets = new Set();
  server.on('secureConnection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  return {
    url: `https://127.0.0.1:${server.address().port}`,
    certFile: cert,
    tokens: state.tokens,
    requests: state.requests,
    setServices(list) { state.services = list; state.version++; },
    setAgents(list) { state.agents = list; state.version++; },
    waitForRequest(pred) {
      return new Promise((resolve) => {
        const hit = state.requests.find(pred);
        if (hit) return resolve(hit);
        const on = (rec) => { if (pred(rec)) { ev.off('request', on); resolve(rec); } };
        ev.on('request', on);
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => { fs.rmSync(dir, { recursive: true, force: true }); r(); }));
    },
  };
}
