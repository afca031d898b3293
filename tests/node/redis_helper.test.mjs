// The Redis helper itself: a real server starts on a free port, answers redis-cli (with and
// without a password), survives kill + restart on the same port, and is gone after stop().
import { test } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startRedis, pingOnce } from './helpers/redis.mjs';

test('startRedis: redis-cli talks to it, kill/restart keeps the port, stop() removes it', async () => {
  const redis = await startRedis();
  let stopped = false;
  try {
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await redis.cli('SET', 'k', 'v'), 'OK');
    assert.equal(await redis.cli('INCRBY', 'n', 5), '5');
    assert.equal(await redis.cli('GET', 'k'), 'v');
    await redis.kill();
    await assert.rejects(pingOnce(redis.port), (e) => e.code === 'ECONNREFUSED');
    await redis.restart();
    assert.equal(await pingOnce(redis.port), '+PONG');
    assert.equal(await redis.cli('EXISTS', 'k'), '0'); // no persistence
    await redis.stop();
    stopped = true;
    await assert.rejects(pingOnce(redis.port), (e) => e.code === 'ECONNREFUSED');
    assert.equal(fs.existsSync(redis.dir), false);
  } finally {
    if (!stopped) await redis.stop();
  }
});

test('startRedis({password}): the URL carries it and the server requires it', async () => {
  const redis = await startRedis({ password: 'p@ss word' });
  try {
    assert.equal(redis.url, `redis://:p%40ss%20word@127.0.0.1:${redis.port}`);
    assert.match(await pingOnce(redis.port), /^-NOAUTH/);
    assert.equal(await redis.cli('PING'), 'PONG');
  } finally {
    await redis.stop();
  }
});
