// Shared by tests/node/deploy/*.test.mjs: the repository's paths, the variables the gateway
// knows (from its own --config-table), and podman invoked the way this machine allows.
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GATEWAY_BIN } from './gateway.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEPLOY = path.join(ROOT, 'deploy');

// Every variable `inference-gateway --help` documents. MCP_<NAME>_HEADERS is a family.
export function gatewayVariables() {
  const r = spawnSync(GATEWAY_BIN, ['--config-table'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${GATEWAY_BIN} --config-table failed: ${r.stderr}`);
  const names = new Set([...r.stdout.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((m) => m[1]));
  if (names.size < 50) throw new Error(`only ${names.size} variables in --config-table`);
  const help = spawnSync(GATEWAY_BIN, ['--help'], { encoding: 'utf8' }).stdout;
  return {
    names,
    known: (v) => names.has(v) || (/MCP_<NAME>_HEADERS/.test(help) && /^MCP_[A-Z0-9_]+_HEADERS$/.test(v)),
  };
}

// podman with what works here: runc, cgroupfs, and explicit ulimits on build and run (the
// defaults try to raise limits, which is not permitted).
export const PODMAN_GLOBAL = ['--runtime', 'runc', '--cgroup-manager=cgroupfs'];
export const ULIMITS = ['--ulimit', 'nofile=10000:10000', '--ulimit', 'nproc=1000:1000'];

// Runs a command; resolves { code, stdout, stderr }; never rejects.
export function run(cmd, args, { env, cwd, timeoutMs = 600_000, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: stderr + String(e) }); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.end(input ?? '');
  });
}

export const podman = (args, opts) => run('podman', [...PODMAN_GLOBAL, ...args], opts);

// The Debian 12 base image made from Debian packages (no registry): scripts/base-image.sh keeps
// it in podman's store and its mmdebstrap tarball in IGW_CACHE_DIR (default ~/.cache/igw), so it
// is made once (minutes) and found again in a second. Returns { image, seconds }.
export async function ensureBaseImage() {
  const t0 = Date.now();
  const r = await run(path.join(ROOT, 'scripts/base-image.sh'), [], { timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`scripts/base-image.sh failed (${r.code}):\n${r.stderr.slice(-3000)}`);
  return { image: r.stdout.trim(), seconds: (Date.now() - t0) / 1000, log: r.stderr.trim() };
}
