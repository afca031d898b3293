// A real PostgreSQL 15 server (Debian's postgresql-15) for tests, in a temporary directory.
//
//   const pg = await startPostgres();
//   pg.url          postgres://postgres@127.0.0.1:PORT/postgres   (TCP, trust auth)
//   pg.socketUrl    postgresql://postgres@/postgres?host=DIR&port=PORT   (Unix socket in DIR)
//   await pg.stop() fast shutdown, then the directory is removed
//
// initdb refuses to run as root, so as root every server command runs as the `postgres` user
// (runuser) and the directory is handed to that user. Readiness is pg_ctl -w plus pg_isready,
// never a sleep. Missing binaries throw: tests that need a database must not silently skip.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './servers.mjs';

const run = promisify(execFile);
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const live = new Set();
process.on('exit', () => { for (const s of live) s.stopSync(); });

function asPostgres(cmd, args) {
  if (process.getuid?.() !== 0) return [cmd, args];
  return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
}

async function runPg(tool, args, what) {
  const [cmd, argv] = asPostgres(path.join(PG_BIN, tool), args);
  try {
    return await run(cmd, argv, { timeout: 120_000 });
  } catch (e) {
    throw new Error(`${what} failed (${e.code ?? e.signal}): ${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

export async function startPostgres() {
  for (const tool of ['initdb', 'pg_ctl', 'pg_isready']) {
    if (!fs.existsSync(path.join(PG_BIN, tool))) {
      throw new Error(`${PG_BIN}/${tool} not found: install the Debian package postgresql-15 (scripts/install-deps.sh test)`);
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'log');
  const port = await freePort();
  let started = false;
  const server = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    socketUrl: `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
    port,
    dir,
    log: () => { try { return fs.readFileSync(log, 'utf8'); } catch { return ''; } },
    async stop() {
      live.delete(server);
      if (started) {
        started = false;
        await runPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], 'pg_ctl stop');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
    // For process exit: no promises left to wait on.
    stopSync() {
      if (started) {
        started = false;
        const [cmd, argv] = asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
        try { execFileSync(cmd, argv, { stdio: 'ignore' }); } catch {}
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(server);
  try {
    await runPg('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C', '--no-sync'], 'initdb');
    const opts = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await runPg('pg_ctl', ['-D', data, '-l', log, '-o', opts, '-w', '-t', '60', 'start'], 'pg_ctl start');
    started = true;
    await runPg('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-t', '30'], 'pg_isready');
  } catch (e) {
    const logText = server.log();
    server.stopSync();
    live.delete(server);
    throw new Error(`${e.message}\n${logText}`);
  }
  return server;
}
