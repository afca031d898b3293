// deploy/compose: every example has a README, parses (as YAML and with podman-compose), gives the
// gateway only variables it knows (--config-table), and mounts only files that exist. The
// Prometheus config of the monitoring example passes promtool. (container.test.mjs runs the
// basic example.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DEPLOY, run, gatewayVariables } from '../helpers/deploy.mjs';
import { findPromtool } from '../helpers/telemetry_contract.mjs';

const COMPOSE = path.join(DEPLOY, 'compose');
const EXAMPLES = ['basic', 'mcp', 'a2a', 'hybrid', 'authentication', 'monitoring', 'web-ui'];
let vars;
before(() => { vars = gatewayVariables(); });

const load = (ex) => YAML.parse(fs.readFileSync(path.join(COMPOSE, ex, 'compose.yaml'), 'utf8'));
const envNames = (env) => (Array.isArray(env) ? env.map((e) => e.split('=')[0]) : Object.keys(env ?? {}));

test('the examples are the ones the README lists, each with a README', () => {
  const present = fs.readdirSync(COMPOSE).filter((d) => fs.statSync(path.join(COMPOSE, d)).isDirectory()).sort();
  assert.deepEqual(present, [...EXAMPLES].sort());
  const readme = fs.readFileSync(path.join(DEPLOY, '..', 'README.md'), 'utf8');
  for (const ex of EXAMPLES) {
    assert.ok(fs.statSync(path.join(COMPOSE, ex, 'README.md')).size > 200, `${ex}/README.md`);
    assert.ok(readme.includes(`deploy/compose/${ex}`), `README.md does not mention deploy/compose/${ex}`);
  }
});

test('the gateway service gets only variables it knows, and mounts exist', () => {
  for (const ex of EXAMPLES) {
    const doc = load(ex);
    const gw = doc.services['inference-gateway'];
    assert.ok(gw, `${ex}: no inference-gateway service`);
    assert.match(gw.image, /GATEWAY_IMAGE/, `${ex}: the gateway image is not overridable`);
    assert.equal(path.resolve(COMPOSE, ex, gw.build.context), path.resolve(DEPLOY, '..'), `${ex}: build context is not the repository`);
    const unknown = envNames(gw.environment).filter((n) => !vars.known(n));
    assert.deepEqual(unknown, [], `${ex}: variables the gateway does not know (see --help)`);
    assert.ok(!gw.env_file, `${ex}: env_file hides variables from this check`);
    for (const [name, svc] of Object.entries(doc.services)) {
      for (const v of svc.volumes ?? []) {
        const src = (typeof v === 'string' ? v : v.source).split(':')[0];
        if (src.startsWith('.') || src.startsWith('/')) assert.ok(fs.existsSync(path.resolve(COMPOSE, ex, src)), `${ex}/${name}: mounts missing ${src}`);
        else assert.ok(doc.volumes && src in doc.volumes, `${ex}/${name}: undeclared volume ${src}`);
      }
      for (const dep of Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {})) {
        assert.ok(doc.services[dep], `${ex}/${name}: depends on missing ${dep}`);
      }
    }
  }
});

test('podman-compose reads every example', async () => {
  const env = { ...process.env, AUTH_ADMIN_KEY: 'x', OPENAI_API_KEY: 'x', ANTHROPIC_API_KEY: 'x', GATEWAY_IMAGE: 'localhost/igw-dry-run:none' };
  await Promise.all(EXAMPLES.map(async (ex) => {
    const r = await run('podman-compose', ['--dry-run', '-f', path.join(COMPOSE, ex, 'compose.yaml'), 'up', '-d'], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${ex}: podman-compose --dry-run up:\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
    assert.match(r.stdout, /podman run .*--name=\S*inference-gateway/, `${ex}: no gateway container`);
    assert.doesNotMatch(r.stdout, /\$\{/, `${ex}: a variable was left unsubstituted`);
  }));
});

test('the monitoring example scrapes the gateway, and its Prometheus config is valid', async () => {
  const prom = YAML.parse(fs.readFileSync(path.join(COMPOSE, 'monitoring/prometheus.yml'), 'utf8'));
  assert.deepEqual(prom.scrape_configs[0].static_configs[0].targets, ['inference-gateway:9464']);
  const gw = load('monitoring').services['inference-gateway'];
  assert.equal(gw.environment.TELEMETRY_ENABLE, 'true');
  assert.equal(gw.environment.TELEMETRY_METRICS_PORT, '9464');
  const promtool = findPromtool();
  assert.ok(promtool, 'promtool (Debian: prometheus) is needed');
  const r = await run(promtool, ['check', 'config', path.join(COMPOSE, 'monitoring/prometheus.yml')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
