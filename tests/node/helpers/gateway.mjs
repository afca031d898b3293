// Start / stop the gateway binary under test.
//
//   const gw = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-x' });
//   gw.url (http://127.0.0.1:PORT), gw.port, gw.logs(), await gw.waitForLog(/re/)
//   const { code, signal } = await gw.stop();   // SIGTERM, resolves on exit
//   gw.kill();                                   // SIGKILL, for cleanup
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from 'node:events';

const here = path.dirname(fileURLToPath(import.meta.url));
export const GATEWAY_BIN = process.env.GATEWAY_BIN
  ? path.resolve(process.env.GATEWAY_BIN)
  : path.resolve(here, '../../../build/inference-gateway');

const LISTENING = /listening on (https?):\/\/([^\s:]+):(\d+)/;
const live = new Set();
const killAll = () => { for (const p of live) { try { p.kill('SIGKILL'); } catch {} } };
process.on('exit', killAll);
// If the test runner cancels this file, do not leave gateways behind.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.once(sig, () => { killAll(); process.exit(130); });

// Clean environment: PATH only, plus what the test asks for.
export function gatewayEnv(extra = {}) {
  return {
    PATH: process.env.PATH,
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    ENVIRONMENT: 'development',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

function spawnGateway(args, env) {
  const child = spawn(GATEWAY_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let stdout = '';
  let stderr = '';
  const emitter = new EventEmitter();
  emitter.setMaxListeners(50);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { live.delete(child); resolve({ code, signal }); emitter.emit('exit'); });
    child.on('error', (err) => { live.delete(child); resolve({ code: null, signal: null, error: err }); emitter.emit('exit'); });
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => { out += d; stdout += d; emitter.emit('log'); });
  child.stderr.on('data', (d) => { out += d; stderr += d; emitter.emit('log'); });
  return { child, exited, emitter, logs: () => out, stdout: () => stdout, stderr: () => stderr };
}

function waitFor(emitter, check, what, logs, timeoutMs) {
  return new Promise((resolve, reject) => {
    const done = (fn, v) => { clearTimeout(timer); emitter.off('log', onLog); emitter.off('exit', onExit); fn(v); };
    const onLog = () => { const v = check(); if (v) done(resolve, v); };
    const onExit = () => { const v = check(); if (v) done(resolve, v); else done(reject, new Error(`gateway exited while waiting for ${what}; logs:\n${logs()}`)); };
    const timer = setTimeout(() => done(reject, new Error(`timed out waiting for ${what}; logs:\n${logs()}`)), timeoutMs);
    emitter.on('log', onLog);
    emitter.on('exit', onExit);
    onLog();
  });
}

export async function startGateway(env = {}, { args = [], timeoutMs = 30_000 } = {}) {
  const p = spawnGateway(args, gatewayEnv(env));
  let exitedEarly = false;
  let signalled = false;
  p.exited.then(({ code, signal, error }) => {
    exitedEarly = true;
    // Make crashes visible in the test output (the tests then only see ECONNREFUSED).
    if (!signalled || (signal && signal !== 'SIGKILL' && signal !== 'SIGTERM' && signal !== 'SIGINT')) {
      process.stderr.write(`\n[gateway pid ${p.child.pid} exited unexpectedly: code=${code} signal=${signal}${error ? ` spawn error=${error.message}` : ''}]\n${p.logs().slice(-3000)}\n`);
    }
  });
  const m = await waitFor(p.emitter, () => LISTENING.exec(p.logs()), 'the "listening on" line', p.logs, timeoutMs)
    .catch((err) => { p.child.kill('SIGKILL'); throw err; });
  const [, scheme, host, port] = m;
  return {
    child: p.child,
    scheme,
    host,
    port: Number(port),
    url: `${scheme}://127.0.0.1:${port}`,
    logs: p.logs,
    exited: p.exited,
    waitForLog: (re, timeoutMs = 20_000) => waitFor(p.emitter, () => re.exec(p.logs()), String(re), p.logs, timeoutMs),
    signal(sig = 'SIGTERM') { signalled = true; p.child.kill(sig); },
    async stop(sig = 'SIGTERM') {
      signalled = true;
      if (!exitedEarly) p.child.kill(sig);
      return p.exited;
    },
    kill() { signalled = true; if (!exitedEarly) p.child.kill('SIGKILL'); return p.exited; },
  };
}

// Run the binary to completion (for --help, --version, bad config).
// Fails (kills it) if it starts listening or runs longer than timeoutMs.
export async function runGateway(args = [], env = {}, { timeoutMs = 20_000 } = {}) {
  const p = spawnGateway(args, gatewayEnv(env));
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const onLog = () => { if (LISTENING.test(p.logs())) p.child.kill('SIGKILL'); };
  p.emitter.on('log', onLog);
  const res = await p.exited;
  clearTimeout(timer);
  return { ...res, stdout: p.stdout(), stderr: p.stderr(), logs: p.logs(), listened: LISTENING.test(p.logs()) };
}
