// deploy/kubernetes: the base, every overlay and addon render with `kubectl kustomize`, every
// object validates against the Kubernetes schemas (kubernetes-models, and the Prometheus
// Operator's for ServiceMonitor), the objects reference each other correctly (selectors, ports,
// ConfigMaps, Secrets, claims, roles, the autoscaler's target), and every environment variable
// given to the gateway is one it knows (--config-table).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DEPLOY, run, gatewayVariables } from '../helpers/deploy.mjs';

const K8S = path.join(DEPLOY, 'kubernetes');
const dirs = [
  'base',
  ...fs.readdirSync(path.join(K8S, 'addons')).map((d) => `addons/${d}`),
  ...fs.readdirSync(path.join(K8S, 'overlays')).map((d) => `overlays/${d}`),
];
// Secrets an overlay expects to exist already (made by cert-manager or by hand, see README.md).
const EXTERNAL_SECRETS = new Set(['inference-gateway-tls']);
const rendered = new Map(); // dir -> [objects]
const KUBECTL = process.env.KUBECTL ?? 'kubectl'; // e.g. Debian 12's 1.20 when another is installed
let vars;

before(async () => {
  vars = gatewayVariables();
  const v = await run(KUBECTL, ['version', '--client']);
  assert.equal(v.code, 0, `kubectl is needed (Debian: kubernetes-client): ${v.stderr}`);
  await Promise.all(dirs.map(async (d) => {
    const r = await run(KUBECTL, ['kustomize', path.join(K8S, d)]);
    assert.equal(r.code, 0, `kubectl kustomize ${d}:\n${r.stderr}`);
    rendered.set(d, YAML.parseAllDocuments(r.stdout).map((doc) => doc.toJS()).filter(Boolean));
  }));
});

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const mod = group === 'monitoring.coreos.com'
    ? await import(`@kubernetes-models/prometheus-operator/${group}/${version}`)
    : await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  assert.ok(mod[kind], `no schema for ${apiVersion} ${kind}`);
  return mod[kind];
}

const of = (objs, kind) => objs.filter((o) => o.kind === kind);
const named = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const matches = (selector, labels = {}) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
const workloads = (objs) => objs.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));

test('every directory renders and every object matches its Kubernetes schema', async () => {
  for (const [d, objs] of rendered) {
    assert.ok(objs.length > 0, `${d} renders nothing`);
    for (const o of objs) {
      const Model = await modelFor(o.apiVersion, o.kind);
      try { new Model(o).validate(); } catch (e) {
        assert.fail(`${d}: ${o.kind}/${o.metadata?.name}: ${e.message}`);
      }
    }
  }
});

test('references between objects resolve', () => {
  for (const [d, objs] of rendered) {
    const where = (o) => `${d}: ${o.kind}/${o.metadata.name}`;
    for (const w of workloads(objs)) {
      const pod = w.spec.template;
      assert.ok(matches(w.spec.selector.matchLabels, pod.metadata.labels), `${where(w)}: selector does not match its pods`);
      for (const c of pod.spec.containers) {
        for (const ref of c.envFrom ?? []) {
          if (ref.configMapRef) assert.ok(named(objs, 'ConfigMap', ref.configMapRef.name), `${where(w)}: no ConfigMap ${ref.configMapRef.name}`);
          if (ref.secretRef) assert.ok(named(objs, 'Secret', ref.secretRef.name), `${where(w)}: no Secret ${ref.secretRef.name}`);
        }
        const mounts = new Set((pod.spec.volumes ?? []).map((v) => v.name));
        for (const m of c.volumeMounts ?? []) {
          assert.ok(mounts.has(m.name) || (w.spec.volumeClaimTemplates ?? []).some((t) => t.metadata.name === m.name), `${where(w)}: no volume ${m.name}`);
        }
      }
      for (const v of pod.spec.volumes ?? []) {
        if (v.persistentVolumeClaim) assert.ok(named(objs, 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName), `${where(w)}: no claim ${v.persistentVolumeClaim.claimName}`);
        if (v.secret && !EXTERNAL_SECRETS.has(v.secret.secretName)) assert.ok(named(objs, 'Secret', v.secret.secretName), `${where(w)}: no Secret ${v.secret.secretName}`);
        if (v.configMap) assert.ok(named(objs, 'ConfigMap', v.configMap.name), `${where(w)}: no ConfigMap ${v.configMap.name}`);
      }
      if (pod.spec.serviceAccountName) assert.ok(named(objs, 'ServiceAccount', pod.spec.serviceAccountName), `${where(w)}: no ServiceAccount`);
    }
    for (const s of of(objs, 'Service')) {
      const targets = workloads(objs).filter((w) => matches(s.spec.selector, w.spec.template.metadata.labels));
      assert.equal(targets.length, 1, `${where(s)}: selects ${targets.length} workloads`);
      const ports = targets[0].spec.template.spec.containers.flatMap((c) => c.ports ?? []);
      for (const p of s.spec.ports) {
        const ok = typeof p.targetPort === 'string' ? ports.some((cp) => cp.name === p.targetPort) : ports.some((cp) => cp.containerPort === (p.targetPort ?? p.port));
        assert.ok(ok, `${where(s)}: port ${p.name} targets ${p.targetPort}, which no container declares`);
      }
    }
    for (const h of of(objs, 'HorizontalPodAutoscaler')) {
      assert.equal(h.apiVersion, 'autoscaling/v2');
      assert.ok(named(objs, h.spec.scaleTargetRef.kind, h.spec.scaleTargetRef.name), `${where(h)}: no scale target`);
    }
    for (const p of of(objs, 'PodDisruptionBudget')) {
      assert.ok(workloads(objs).some((w) => matches(p.spec.selector.matchLabels, w.spec.template.metadata.labels)), `${where(p)}: selects no pods`);
    }
    for (const b of of(objs, 'RoleBinding')) {
      assert.ok(named(objs, b.roleRef.kind, b.roleRef.name), `${where(b)}: no ${b.roleRef.kind} ${b.roleRef.name}`);
      for (const s of b.subjects) assert.ok(named(objs, s.kind, s.name), `${where(b)}: no ${s.kind} ${s.name}`);
    }
    for (const m of of(objs, 'ServiceMonitor')) {
      const svcs = of(objs, 'Service').filter((s) => matches(m.spec.selector.matchLabels, s.metadata.labels));
      assert.ok(svcs.length > 0, `${where(m)}: selects no Service`);
      for (const e of m.spec.endpoints) assert.ok(svcs.some((s) => s.spec.ports.some((p) => p.name === e.port)), `${where(m)}: no port ${e.port}`);
    }
    for (const i of of(objs, 'Ingress')) {
      for (const r of i.spec.rules) for (const p of r.http.paths) {
        const s = named(objs, 'Service', p.backend.service.name);
        assert.ok(s && s.spec.ports.some((sp) => sp.name === p.backend.service.port.name), `${where(i)}: no Service port ${p.backend.service.name}:${p.backend.service.port.name}`);
      }
    }
  }
});

// The gateway's environment: its ConfigMap and Secret (envFrom) and any env entries.
function gatewayEnv(objs) {
  const gw = named(objs, 'Deployment', 'inference-gateway');
  if (!gw) return null;
  const names = [];
  for (const c of gw.spec.template.spec.containers) {
    for (const e of c.env ?? []) names.push(e.name);
    for (const ref of c.envFrom ?? []) {
      const o = ref.configMapRef ? named(objs, 'ConfigMap', ref.configMapRef.name) : named(objs, 'Secret', ref.secretRef.name);
      names.push(...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {}));
    }
  }
  return { gw, names };
}

test('the gateway gets only variables it knows, and the base is hardened', () => {
  for (const [d, objs] of rendered) {
    const env = gatewayEnv(objs);
    if (!env) continue;
    const unknown = env.names.filter((n) => !vars.known(n));
    assert.deepEqual(unknown, [], `${d}: variables the gateway does not know (see --help)`);
    const pod = env.gw.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.readinessProbe.httpGet.path, '/health', d);
    assert.equal(c.livenessProbe.httpGet.path, '/health', d);
    assert.equal(pod.securityContext.runAsNonRoot, true, d);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true, d);
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory, `${d}: resources`);
    for (const kind of ['Service', 'ConfigMap', 'Secret', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ServiceAccount']) {
      assert.ok(of(objs, kind).length > 0, `${d}: no ${kind}`);
    }
  }
});

test('each overlay does what its name says', () => {
  const env = (d) => {
    const objs = rendered.get(`overlays/${d}`);
    const cm = named(objs, 'ConfigMap', 'inference-gateway-config').data;
    const sec = named(objs, 'Secret', 'inference-gateway-secrets').stringData ?? {};
    return { objs, all: { ...cm, ...sec } };
  };
  assert.equal(env('mcp').all.MCP_ENABLE, 'true');
  assert.match(env('mcp').all.MCP_SERVERS, /mcp-everything:3001/);
  assert.equal(env('a2a').all.A2A_SERVICE_DISCOVERY_ENABLE, 'true');
  assert.ok(of(env('a2a').objs, 'Service').some((s) => s.metadata.labels?.['inference-gateway.com/a2a-agent'] === 'true'));
  assert.match(env('hybrid').all.OLLAMA_API_URL, /ollama:11434/);
  assert.equal(env('auth').all.AUTH_ENABLED, 'true');
  assert.match(env('auth').all.DATABASE_URL, /@postgres:5432/);
  assert.ok(named(env('auth').objs, 'StatefulSet', 'postgres'));
  assert.ok(named(env('limits').objs, 'Deployment', 'redis') && named(env('limits').objs, 'StatefulSet', 'postgres'));
  const mon = env('monitoring');
  assert.equal(of(mon.objs, 'ServiceMonitor').length, 1);
  const hpa = of(mon.objs, 'HorizontalPodAutoscaler')[0];
  assert.ok(hpa.spec.metrics.some((m) => m.type === 'Pods' && m.pods.metric.name === 'llm_requests_in_flight'));
  const tls = env('tls');
  assert.ok(tls.all.SERVER_TLS_CERT_PATH && tls.all.SERVER_TLS_KEY_PATH);
  assert.equal(named(tls.objs, 'Deployment', 'inference-gateway').spec.template.spec.containers[0].readinessProbe.httpGet.scheme, 'HTTPS');
  assert.equal(of(env('web-ui').objs, 'Ingress').length, 1);
});
