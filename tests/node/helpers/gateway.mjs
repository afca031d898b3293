// Start / stop the gateway binary under test.
//
//   const gw = await startGateway({ OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-x' });
//   gw.url (http://127.0.0.1:PORT), gw.port, gw.logs(), await gw.waitForLog(/re/)
//   const { code, signal } = await gw.stop();   // SIGTERM, resolves on exit
//   gw.kill();                                   // SIGKILL, for cleanup
//   With TELEMETRY_ENABLE(D)=true (or { metrics: true }) it also waits for the
//   "metrics listening on" line: gw.metricsUrl (http://127.0.0.1:PORT), gw.metricsPort.
//   gw.stdout() / gw.stderr() give the two streams separately.
//   { quiet: true }: for LOG_LEVEL=warn|error, where no "listening on" line is logged: the
//   helper picks a free SERVER_PORT (and TELEMETRY_METRICS_PORT) itself and waits until it
//   accepts connections.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from 'node:events';
import net from 'node:net';

const here = path.dirname(fileURLToPath(import.meta.url));
export const GATEWAY_BIN = process.env.GATEWAY_BIN
  ? path.resolve(process.env.GATEWAY_BIN)
  : path.resolve(here, '../../../build/inference-gateway');

// The main listener's line; "metrics listening on ..." (the telemetry listener) is not it.
const LISTENING = /(?<!metrics )listening on (https?):\/\/([^\s:]+):(\d+)/;
const METRICS_LISTENING = /metrics listening on http:\/\/([^\s:]+):(\d+)/;
const truthy = (v) => /^(true|1|yes|on)$/i.test(String(v ?? '').trim());
const live = new Set();
const killAll = () => { for (const p of live) { try { p.kill('SIGKILL'); } catch {} } };
process.on('exit', killAll);

// Sanitizer builds (make asan-test / tsan-test): a report in a gateway's stderr fails the test
// that stops it (stop()/kill() throw) and, in any case, this test file (non-zero exit code), even
// when the report came from a gateway nobody stopped or after the last assertion.
const SANITIZER_REPORT = /WARNING: ThreadSanitizer|ERROR: (?:Address|Leak)Sanitizer|^\S+:\d+:\d+: runtime error: /m;
const sanitizerReports = [];
export const sanitizerReport = (stderr) => {
  const m = SANITIZER_REPORT.exec(stderr);
  return m ? stderr.slice(Math.max(0, m.index - 200), m.index + 8000) : null;
};
process.on('exit', () => {
  if (sanitizerReports.length === 0) return;
  const unseen = sanitizerReports.filter((r) => !r.thrown).map((r) => r.text);
  process.stderr.write(`\n[sanitizer reports from ${sanitizerReports.length} gateway(s)]\n${unseen.join('\n----\n')}\n`);
  process.exitCode = 1;
});
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
  // 'close' comes after the last stderr byte; bounded because a grandchild (an MCP stdio server)
  // could hold the pipe open.
  const closed = new Promise((resolve) => child.on('close', resolve));
  const drained = () => Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
  let entry = null;
  // Returns the report (if any) and records it once for the exit hook; `thrown`: a test failed
  // with it already, so the hook need not print it again.
  const checkSanitizer = async ({ thrown = false } = {}) => {
    await drained();
    const report = sanitizerReport(stderr);
    if (report && !entry) sanitizerReports.push(entry = { text: `[gateway pid ${child.pid}]\n${report}`, thrown: false });
    if (entry && thrown) entry.thrown = true;
    return report;
  };
  exited.then(checkSanitizer);
  return { child, exited, emitter, checkSanitizer, logs: () => out, stdout: () => stdout, stderr: () => stderr };
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

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function connects(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

// Resolves once the port accepts connections; rejects if the process exits or on timeout.
async function waitForPort(p, port, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  p.exited.then(() => { exited = true; });
  while (Date.now() < deadline) {
    if (await connects(port)) return;
    if (exited) throw new Error(`gateway exited while waiting for ${what}; logs:\n${p.logs()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}; logs:\n${p.logs()}`);
}

async function startQuiet(args, env, timeoutMs, wantMetrics) {
  if (!env.SERVER_PORT || env.SERVER_PORT === '0') env = { ...env, SERVER_PORT: String(await freePort()) };
  if (wantMetrics && (!env.TELEMETRY_METRICS_PORT || env.TELEMETRY_METRICS_PORT === '0')) env = { ...env, TELEMETRY_METRICS_PORT: String(await freePort()) };
  const p = spawnGateway(args, gatewayEnv(env));
  p.state = watchExit(p);
  try {
    await waitForPort(p, Number(env.SERVER_PORT), `port ${env.SERVER_PORT}`, timeoutMs);
    if (wantMetrics) await waitForPort(p, Number(env.TELEMETRY_METRICS_PORT), `metrics port ${env.TELEMETRY_METRICS_PORT}`, timeoutMs);
  } catch (err) { p.child.kill('SIGKILL'); throw err; }
  return { p, scheme: 'http', host: '127.0.0.1', port: env.SERVER_PORT, metricsHost: wantMetrics ? '127.0.0.1' : undefined, metricsPort: env.TELEMETRY_METRICS_PORT };
}

export async function startGateway(env = {}, { args = [], timeoutMs = 30_000, metrics, quiet = false } = {}) {
  const wantMetrics = metrics ?? truthy(env.TELEMETRY_ENABLE ?? env.TELEMETRY_ENABLED);
  if (quiet) return handle(await startQuiet(args, env, timeoutMs, wantMetrics), wantMetrics);
  const p = spawnGateway(args, gatewayEnv(env));
  p.state = watchExit(p);
  const m = await waitFor(p.emitter, () => LISTENING.exec(p.logs()), 'the "listening on" line', p.logs, timeoutMs)
    .catch((err) => { p.child.kill('SIGKILL'); throw err; });
  const [, scheme, host, port] = m;
  let metricsHost, metricsPort;
  if (wantMetrics) {
    const mm = await waitFor(p.emitter, () => METRICS_LISTENING.exec(p.logs()), 'the "metrics listening on" line', p.logs, timeoutMs)
      .catch((err) => { p.child.kill('SIGKILL'); throw err; });
    metricsHost = mm[1];
    metricsPort = mm[2];
  }
  return handle({ p, scheme, host, port, metricsHost, metricsPort }, wantMetrics);
}

function watchExit(p) {
  const state = { exitedEarly: false, signalled: false };
  p.exited.then(({ code, signal, error }) => {
    state.exitedEarly = true;
    // Make crashes visible in the test output (the tests then only see ECONNREFUSED).
    if (!state.signalled || (signal && signal !== 'SIGKILL' && signal !== 'SIGTERM' && signal !== 'SIGINT')) {
      process.stderr.write(`\n[gateway pid ${p.child.pid} exited unexpectedly: code=${code} signal=${signal}${error ? ` spawn error=${error.message}` : ''}]\n${p.logs().slice(-3000)}\n`);
    }
  });
  return state;
}

async function failOnSanitizerReport(p, result) {
  const report = await p.checkSanitizer({ thrown: true });
  if (report) throw new Error(`sanitizer report from the gateway (exit ${JSON.stringify(result)}):\n${report}`);
  return result;
}

function handle({ p, scheme, host, port, metricsHost, metricsPort }, wantMetrics) {
  const state = p.state;
  return {
    child: p.child,
    scheme,
    host,
    port: Number(port),
    url: `${scheme}://127.0.0.1:${port}`,
    metricsHost,
    metricsPort: wantMetrics ? Number(metricsPort) : undefined,
    metricsUrl: wantMetrics ? `http://127.0.0.1:${metricsPort}` : undefined,
    logs: p.logs,
    stdout: p.stdout,
    stderr: p.stderr,
    exited: p.exited,
    waitForLog: (re, timeoutMs = 20_000) => waitFor(p.emitter, () => re.exec(p.logs()), String(re), p.logs, timeoutMs),
    signal(sig = 'SIGTERM') { state.signalled = true; p.child.kill(sig); },
    async stop(sig = 'SIGTERM') {
      state.signalled = true;
      if (!state.exitedEarly) p.child.kill(sig);
      return failOnSanitizerReport(p, await p.exited);
    },
    async kill() {
      state.signalled = true;
      if (!state.exitedEarly) p.child.kill('SIGKILL');
      return failOnSanitizerReport(p, await p.exited);
    },
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
