// A real Redis server (Debian's redis-server) for tests, on a free port, without persistence.
//
//   const redis = await startRedis({ password: 's3cret' });   // password optional
//   redis.url          redis://:s3cret@127.0.0.1:PORT   (redis://127.0.0.1:PORT without one)
//   redis.port
//   await redis.cli('INCR', 'k')     redis-cli's output, trimmed ('1')
//   redis.kill()                     SIGKILL, as a crash (resolves when the process is gone)
//   await redis.restart()            a new server on the same port (after kill())
//   await redis.stop()               kill, then the directory is removed
//
// Readiness is the server's own "Ready to accept connections" log line and then a PING over
// TCP, never a sleep. A missing binary throws: tests that need Redis must not silently skip.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './servers.mjs';

const run = promisify(execFile);
export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_CLI = '/usr/bin/redis-cli';
const live = new Set();
process.on('exit', () => { for (const s of live) s.killSync(); });

// One PING over a fresh TCP connection: the first reply line ('+PONG', '-NOAUTH ...').
export function pingOnce(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let line = '';
    sock.setTimeout(5000, () => { sock.destroy(); reject(new Error(`redis on port ${port}: no answer to PING`)); });
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      line += d;
      if (line.includes('\n')) { sock.destroy(); resolve(line.trim()); }
    });
    sock.on('error', reject);
  });
}

function spawnServer(port, dir, password) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--daemonize', 'no', '--enable-debug-command', 'local'];
  if (password) args.push('--requirepass', password);
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (d) => {
      log += d;
      if (log.includes('Ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => reject(new Error(`redis-server exited (${code ?? signal}) during start:\n${log}`)));
    child.on('error', reject);
  });
  ready.catch(() => {});
  return { child, ready, log: () => log };
}

export async function startRedis({ password } = {}) {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} not found: install the Debian package redis-server (scripts/install-deps.sh test)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-redis-'));
  const port = await freePort();
  let proc = null;
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  const server = {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    log: () => proc?.log() ?? '',
    async cli(...args) {
      const pre = ['-h', '127.0.0.1', '-p', String(port)];
      if (password) pre.push('-a', password, '--no-auth-warning');
      const { stdout } = await run(REDIS_CLI, [...pre, ...args.map(String)]);
      return stdout.trim();
    },
    async restart() {
      if (proc) return;
      proc = spawnServer(port, dir, password);
      try {
        await proc.ready;
        const pong = await pingOnce(port);
        if (!pong.startsWith('+PONG') && !pong.startsWith('-NOAUTH')) throw new Error(`unexpected PING answer: ${pong}`);
      } catch (e) {
        server.killSync();
        throw e;
      }
    },
    async kill() {
      if (!proc) return;
      const { child } = proc;
      proc = null;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
    async stop() {
      live.delete(server);
      await server.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    // For process exit: no promises left to wait on.
    killSync() {
      if (proc) { proc.child.kill('SIGKILL'); proc = null; }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(server);
  try {
    await server.restart();
  } catch (e) {
    live.delete(server);
    server.killSync();
    throw e;
  }
  return server;
}
