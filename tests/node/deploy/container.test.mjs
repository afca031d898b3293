// The container image, built and run with podman: the Dockerfile's `prebuilt` target around the
// binary under test (make build's), on a Debian 12 base made with mmdebstrap (no registry). The
// container serves /health, a chat completion and a stream from a fake provider, runs as a
// non-root user, passes its own HEALTHCHECK, finds every shared library, and stops cleanly on
// SIGTERM. Then deploy/compose/basic runs with podman-compose against the same fake.
// (`make image` builds the full multi-stage image; README "Deploy" has its time and size.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { GATEWAY_BIN } from '../helpers/gateway.mjs';
import { request, openStream, eventually } from '../helpers/http.mjs';
import { freePort } from '../helpers/servers.mjs';
import { startFakeOpenAI, CONTENT } from '../fakes/openai_upstream.mjs';
import { ROOT, DEPLOY, podman, run, ULIMITS, PODMAN_GLOBAL, ensureBaseImage } from '../helpers/deploy.mjs';

const IMAGE = `localhost/inference-gateway:test-${process.pid}`;
const RUNTIME_BASE = 'localhost/igw-runtime-base:test';
const T = { timeout: 900_000 };
let up, ctx;
const containers = [];

before(async () => {
  up = await startFakeOpenAI({ models: ['gpt-4o'] });
});
after(async () => {
  for (const c of containers) await podman(['rm', '-f', '-t', '0', c]);
  await podman(['rmi', '-f', IMAGE]);
  await up?.close();
  if (ctx) fs.rmSync(ctx, { recursive: true, force: true });
});

const health = async (port) => {
  try { return (await request(`http://127.0.0.1:${port}`, { path: '/health', timeoutMs: 2000 })).status === 200; } catch { return false; }
};

test('the image builds from the binary under test, on a base made from Debian packages', T, async (t) => {
  const base = await ensureBaseImage();
  t.diagnostic(`base image ${base.image} ready in ${base.seconds.toFixed(1)} s ${base.log}`);
  // The build context holds only the binary, without its debug sections (as `make image` does).
  ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-image-'));
  const strip = await run('strip', ['--strip-debug', '-o', path.join(ctx, 'inference-gateway'), GATEWAY_BIN]);
  assert.equal(strip.code, 0, strip.stderr);
  const t0 = Date.now();
  const build = (target, tag) => podman(['build', '--network', 'host', ...ULIMITS, '--format', 'docker',
    '-f', path.join(ROOT, 'Dockerfile'), '--target', target,
    '--build-arg', `BASE_IMAGE=${base.image}`, '--build-arg', 'BINARY=inference-gateway',
    '-t', tag, ctx]);
  // The runtime stage without the binary keeps a tag of its own, so its layers (the apt-get of
  // the runtime libraries) stay cached when this test's image is removed.
  for (const [target, tag] of [['runtime-base', RUNTIME_BASE], ['prebuilt', IMAGE]]) {
    const b = await build(target, tag);
    assert.equal(b.code, 0, `podman build --target ${target} failed:\n${b.stdout.slice(-3000)}\n${b.stderr.slice(-3000)}`);
  }
  const size = await podman(['image', 'inspect', '--format', '{{.Size}}', IMAGE]);
  t.diagnostic(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s; image size ${(Number(size.stdout) / 1e6).toFixed(1)} MB`);
  const info = JSON.parse((await podman(['image', 'inspect', IMAGE])).stdout)[0];
  const cfg = info.Config;
  assert.equal(cfg.User, '10001:10001');
  assert.ok(cfg.Env.includes('SERVER_HOST=0.0.0.0'), String(cfg.Env));
  assert.ok(cfg.ExposedPorts['8080/tcp'], JSON.stringify(cfg.ExposedPorts));
  const hc = info.Healthcheck ?? cfg.Healthcheck; // where podman puts it (docker format)
  assert.ok(hc?.Test?.join(' ').includes('/health'), JSON.stringify(hc));
  assert.equal(cfg.Labels['org.opencontainers.image.title'], 'inference-gateway');
  // Every shared library the binary links is in the runtime image.
  const ldd = await podman(['run', '--rm', '--network', 'host', ...ULIMITS, '--entrypoint', 'ldd', IMAGE, '/usr/local/bin/inference-gateway']);
  assert.equal(ldd.code, 0, ldd.stderr);
  assert.doesNotMatch(ldd.stdout, /not found/, ldd.stdout);
});

test('the container serves health, a completion and a stream, as a non-root user, read-only', T, async () => {
  const port = await freePort();
  const name = `igw-test-${process.pid}`;
  containers.push(name);
  const r = await podman(['run', '-d', '--name', name, '--network', 'host', ...ULIMITS,
    '--health-interval', 'disable',
    // As the Kubernetes base runs it: read-only root filesystem, no capabilities.
    '--read-only', '--cap-drop', 'ALL',
    '-e', `SERVER_PORT=${port}`, '-e', `OPENAI_API_URL=${up.url}`, '-e', 'OPENAI_API_KEY=sk-container', IMAGE]);
  assert.equal(r.code, 0, r.stderr);
  const logs = async () => (await podman(['logs', name])).stderr;
  await eventually(() => health(port), { timeoutMs: 20_000, what: `/health on ${port}` }).catch(async (e) => {
    throw new Error(`${e.message}\n${await logs()}`);
  });
  const base = `http://127.0.0.1:${port}`;
  const h = await request(base, { path: '/health' });
  assert.deepEqual(h.json, { message: 'OK' });

  const chat = await request(base, { method: 'POST', path: '/v1/chat/completions', body: { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'Hi' }] } });
  assert.equal(chat.status, 200, chat.text);
  assert.equal(chat.json.choices[0].message.content, CONTENT);

  const s = await openStream(base, { method: 'POST', path: '/v1/chat/completions', body: { model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'Hi' }] } });
  assert.equal(s.status, 200);
  const events = await s.sse.rest();
  assert.equal(events.at(-1).data, '[DONE]');
  assert.equal(events.map((e) => e.json?.choices?.[0]?.delta?.content ?? '').join(''), CONTENT);

  // The gateway process itself (seen from the host) is not root.
  const pid = (await podman(['inspect', '--format', '{{.State.Pid}}', name])).stdout.trim();
  const uid = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)[1];
  assert.equal(uid, '10001');
  // JSON logs (ENVIRONMENT defaults to production) and the image's HEALTHCHECK passes.
  assert.match(await logs(), /"msg":"listening on"|listening on/);
  const hc = await podman(['healthcheck', 'run', name]);
  assert.equal(hc.code, 0, `healthcheck: ${hc.stdout}${hc.stderr}`);

  // SIGTERM: a clean exit (0) within the grace period.
  const stop = await podman(['stop', '-t', '20', name]);
  assert.equal(stop.code, 0, stop.stderr);
  const code = (await podman(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout.trim();
  assert.equal(code, '0', await logs());
});

test('deploy/compose/basic runs with podman-compose', T, async () => {
  // podman-compose 1.0.3 (Debian 12) always joins the project's bridge network (it cannot do
  // network_mode: host), so the example runs as written: published on a free GATEWAY_PORT, and
  // reaching the fake provider on the host as host.containers.internal, through a forwarder
  // (the fake listens on 127.0.0.1 only).
  const port = await freePort();
  const fwd = net.createServer((c) => { const u = net.connect(up.port ?? new URL(up.url).port, '127.0.0.1'); c.pipe(u).pipe(c); u.on('error', () => c.destroy()); c.on('error', () => u.destroy()); });
  await new Promise((r) => fwd.listen(0, '0.0.0.0', r));
  const project = `igwtest${process.pid}`;
  const override = path.join(ctx, 'compose.override.yaml');
  fs.writeFileSync(override, [
    'services:',
    '  inference-gateway:',
    '    ulimits:',
    '      nofile: { soft: 10000, hard: 10000 }',
    '      nproc: { soft: 1000, hard: 1000 }',
    '    environment:',
    `      OPENAI_API_URL: http://host.containers.internal:${fwd.address().port}/v1`,
    '',
  ].join('\n'));
  const env = { ...process.env, GATEWAY_IMAGE: IMAGE, GATEWAY_PORT: String(port), OPENAI_API_KEY: 'sk-compose' };
  const file = path.join(DEPLOY, 'compose/basic/compose.yaml');
  const compose = (args) => run('podman-compose', ['--podman-args', PODMAN_GLOBAL.join(' '), '-p', project, '-f', file, '-f', override, ...args], { env, timeoutMs: 300_000 });
  try {
    const upRes = await compose(['up', '-d']);
    // podman-compose exits 0 even when `podman run` failed: look at its output as well.
    assert.ok(upRes.code === 0 && !/exit code: [1-9]/.test(upRes.stdout + upRes.stderr), `podman-compose up:\n${upRes.stdout.slice(-3000)}\n${upRes.stderr.slice(-3000)}`);
    await eventually(() => health(port), { timeoutMs: 30_000, what: 'the compose gateway' }).catch(async (e) => {
      throw new Error(`${e.message}\n${(await compose(['logs'])).stdout.slice(-3000)}`);
    });
    const chat = await request(`http://127.0.0.1:${port}`, { method: 'POST', path: '/v1/chat/completions', body: { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'Hi' }] } });
    assert.equal(chat.status, 200, chat.text);
    assert.equal(chat.json.choices[0].message.content, CONTENT);
    const seen = await up.waitForRequest((r) => r.headers.authorization === 'Bearer sk-compose');
    assert.ok(seen, 'the key from the compose environment reached the provider');
  } finally {
    await compose(['down', '-t', '5']);
    await podman(['network', 'rm', '-f', `${project}_default`]);
    fwd.close();
  }
});
