// Running `infer`, the command-line client, in tests. Its binary sits next to the gateway's
// (GATEWAY_BIN, see gateway.mjs): build/infer.
//
//   const r = await runInfer(['models'], { env: { INFER_GATEWAY_URL: gw.url }, input: 'piped' });
//   r.code, r.stdout, r.stderr
//   const home = await tempHome();    -> a fresh HOME / XDG_CONFIG_HOME, so no user config leaks in
//
//   const t = await startTmux(['chat', '--model', 'openai/gpt-4o'], { env, cwd });
//   await t.type('hello'); await t.keys('Enter'); await t.keys('C-c');
//   await t.waitFor(/text/)            -> polls the pane until it matches (timeout: fails with the screen)
//   t.screen()                         -> the pane's text, scrollback included
//   await t.waitExit()                 -> { status } once the program has left (its exit code)
//   await t.kill()
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GATEWAY_BIN } from './gateway.mjs';

const execFileP = promisify(execFile);
export const INFER_BIN = path.join(path.dirname(GATEWAY_BIN), 'infer');

export async function tempHome() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'infer-home-'));
  return { dir, env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, '.config') }, configPath: path.join(dir, '.config', 'infer', 'config.json') };
}

// A clean environment: PATH only, plus what the test gives (HOME pointing at a fresh directory
// unless given).
function inferEnv(env) {
  return { PATH: process.env.PATH, HOME: env.HOME ?? os.tmpdir(), ...env };
}

export function runInfer(args, { env = {}, input, cwd, timeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    // detached: a session of its own, without a controlling terminal (no /dev/tty to ask on).
    const child = spawn(INFER_BIN, args, { env: inferEnv(env), cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`infer ${args.join(' ')} ran longer than ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`)); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

// infer in a tmux pane (a real pseudo-terminal), on a private tmux server.
export async function startTmux(args, { env = {}, cwd = os.tmpdir(), width = 160, height = 50 } = {}) {
  const socket = `infer-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const tmux = (...a) => execFileP('tmux', ['-L', socket, '-f', '/dev/null', ...a], { env: { PATH: process.env.PATH, TERM: 'xterm-256color' } });
  const vars = Object.entries(inferEnv(env)).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  // The shell reports infer's exit status on the pane (tmux 3.3's #{pane_dead_status} stays
  // empty); remain-on-exit keeps the pane readable afterwards.
  const command = `cd ${shellQuote(cwd)} && env -i TERM=xterm-256color ${vars} ${shellQuote(INFER_BIN)} ${args.map(shellQuote).join(' ')}; echo "[infer exited with status $?]"`;
  await tmux('start-server', ';', 'set-option', '-g', 'remain-on-exit', 'on', ';',
    'new-session', '-d', '-s', 'main', '-x', String(width), '-y', String(height), command);
  const screen = async () => (await tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'main')).stdout;
  const poll = async (check, what, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const v = await check();
      if (v) return v;
      last = await screen().catch((e) => String(e));
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
  };
  return {
    screen,
    type: (text) => tmux('send-keys', '-t', 'main', '-l', text),
    keys: (...keys) => tmux('send-keys', '-t', 'main', ...keys),
    // The screen once it matches (a RegExp, or a function of the screen's text).
    waitFor: (match, { timeoutMs = 10_000 } = {}) => poll(async () => {
      const s = await screen();
      const ok = typeof match === 'function' ? match(s) : match.test(s);
      return ok ? s : null;
    }, String(match), timeoutMs),
    waitExit: ({ timeoutMs = 10_000 } = {}) => poll(async () => {
      const m = /^\[infer exited with status (\d+)\]$/m.exec(await screen());
      return m ? { status: Number(m[1]) } : null;
    }, 'infer to leave', timeoutMs),
    kill: () => tmux('kill-server').catch(() => {}),
  };
}
