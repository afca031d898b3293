// Helpers for tests that start their own servers.
//
//   await freePort()                          -> a TCP port free on 127.0.0.1 right now
//   const s = await startEverything(mode)     -> the official MCP "everything" server,
//       mode 'streamableHttp' (s.url = http://127.0.0.1:PORT/mcp) or 'sse' (…/sse); s.stop()
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const EVERYTHING = path.join(here, '../node_modules/@modelcontextprotocol/server-everything/dist/index.js');

export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// Resolves once the server says it is listening (its own log line, not a sleep).
export async function startEverything(mode = 'streamableHttp') {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING, mode], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise((resolve, reject) => {
    const onData = (d) => { log += d; if (/listening on port|running on port/i.test(log)) resolve(); };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server-everything exited (${code}): ${log}`)));
  });
  const route = mode === 'sse' ? 'sse' : 'mcp';
  return { url: `http://127.0.0.1:${port}/${route}`, port, stop: () => child.kill('SIGKILL') };
}
