// The PostgreSQL helper itself: a real server starts, answers over TCP and the Unix socket, and
// is gone (port closed, directory removed) after stop().
import { test } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { startPostgres, PG_BIN } from './helpers/postgres.mjs';

const run = promisify(execFile);

test('startPostgres: psql answers through the URL, stop() shuts it down', async () => {
  const pg = await startPostgres();
  let stopped = false;
  try {
    assert.match(pg.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const tcp = await run(path.join(PG_BIN, 'psql'), [pg.url, '-Atc', 'select 1']);
    assert.equal(tcp.stdout.trim(), '1');
    const sock = await run(path.join(PG_BIN, 'psql'), [pg.socketUrl, '-Atc', "select current_setting('server_encoding')"]);
    assert.equal(sock.stdout.trim(), 'UTF8');
    await pg.stop();
    stopped = true;
    // pg_isready exits 2 when nothing answers on the port.
    await assert.rejects(
      run(path.join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(pg.port), '-t', '1']),
      (e) => e.code === 2,
    );
    assert.equal(fs.existsSync(pg.dir), false);
  } finally {
    if (!stopped) await pg.stop();
  }
});
