// infer chat in a real terminal (tmux): type, read the streamed answer, multi-line input,
// switch model, stop an answer with Ctrl-C and go on, /tools, /save, /clear, leave.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startGateway } from './helpers/gateway.mjs';
import { startTmux, tempHome } from './helpers/infer.mjs';
import { startFakeOpenAI, CONTENT } from './fakes/openai_upstream.mjs';
import { startToolLlm } from './fakes/tool_llm.mjs';

let openai, llm, gw, home;
before(async () => {
  openai = await startFakeOpenAI({ models: ['gpt-4o'] });
  llm = await startToolLlm();
  gw = await startGateway({ OPENAI_API_URL: openai.url, OPENAI_API_KEY: 'sk-openai', GROQ_API_URL: llm.url, GROQ_API_KEY: 'gsk-tools' });
  home = await tempHome();
});
after(async () => {
  await gw?.kill();
  await openai?.close();
  await llm?.close();
});

const chats = () => openai.requests.filter((r) => r.path.endsWith('/chat/completions'));
const count = (s, part) => s.split(part).length - 1;

test('chat: streamed answers with history, multi-line input, /model, Ctrl-C stops an answer, /exit', async () => {
  const t = await startTmux(['chat', '--model', 'openai/gpt-4o'], { env: { ...home.env, INFER_GATEWAY_URL: gw.url }, cwd: home.dir });
  try {
    await t.waitFor(/infer chat with openai\/gpt-4o \(\/help for commands, Ctrl-D to leave\)\n> $/m);
    await t.type('hello there');
    await t.keys('Enter');
    await t.waitFor((s) => s.includes(`> hello there\n${CONTENT}\n> `));
    assert.deepEqual(chats().at(-1).body.messages, [{ role: 'user', content: 'hello there' }]);
    assert.equal(chats().at(-1).body.stream, true);

    // A line ending in \ goes on with the next; the history goes with every message.
    await t.type('line one\\');
    await t.keys('Enter');
    await t.waitFor(/^\. $/m);
    await t.type('line two');
    await t.keys('Enter');
    await t.waitFor((s) => count(s, CONTENT) === 2);
    assert.deepEqual(chats().at(-1).body.messages, [
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: CONTENT },
      { role: 'user', content: 'line one\nline two' },
    ]);

    // Switch model: the next message goes to it.
    await t.type('/model openai/slow-stream');
    await t.keys('Enter');
    await t.waitFor(/^model: openai\/slow-stream$/m);
    const before = chats().length;
    await t.type('tell me slowly');
    await t.keys('Enter');
    // The first pieces arrive, then the provider goes silent: Ctrl-C stops the answer.
    await t.waitFor((s) => /> tell me slowly\nHello$/m.test(s));
    assert.equal(chats().length, before + 1);
    const slow = chats().at(-1);
    assert.equal(slow.body.model, 'slow-stream');
    await t.keys('C-c');
    await t.waitFor(/^Hello(\^C)?\n\[stopped\]\n> $/m);
    await slow.closed;  // the gateway let go of the provider's request

    // Still in the chat: back to the first model, the stopped answer kept as far as it came.
    await t.type('/model openai/gpt-4o');
    await t.keys('Enter');
    await t.waitFor(/^model: openai\/gpt-4o$/m);
    await t.type('and now?');
    await t.keys('Enter');
    await t.waitFor((s) => count(s, CONTENT) === 3);
    const last = chats().at(-1).body;
    assert.equal(last.model, 'gpt-4o');
    assert.deepEqual(last.messages.slice(-3), [
      { role: 'user', content: 'tell me slowly' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'and now?' },
    ]);

    // Ctrl-C while typing drops the line, not the chat.
    await t.type('never sent');
    await t.keys('C-c');
    await t.waitFor(/never sent\^C\n> $/m);

    const file = path.join(home.dir, 'chat.json');
    await t.type(`/save ${file}`);
    await t.keys('Enter');
    await t.waitFor(new RegExp(`^saved 8 messages to ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    const saved = JSON.parse(await fs.readFile(file, 'utf8'));
    assert.equal(saved.model, 'openai/gpt-4o');
    assert.equal(saved.messages.length, 8);

    await t.type('/tools');
    await t.keys('Enter');
    await t.waitFor(/^MCP tools   not exposed .*\nA2A agents  not exposed .*\nLocal tools off \(infer chat --tools\)\n> $/m);

    await t.type('/clear');
    await t.keys('Enter');
    await t.waitFor(/^conversation cleared$/m);
    await t.type('fresh start');
    await t.keys('Enter');
    await t.waitFor((s) => count(s, CONTENT) === 4);
    assert.deepEqual(chats().at(-1).body.messages, [{ role: 'user', content: 'fresh start' }]);

    await t.type('/exit');
    await t.keys('Enter');
    assert.deepEqual(await t.waitExit(), { status: 0 });
  } finally {
    await t.kill();
  }
});

test('chat: a """ block is one message; an error is one line and the chat goes on; Ctrl-D leaves', async () => {
  const t = await startTmux(['chat', '--model', 'openai/error-500'], { env: { ...home.env, INFER_GATEWAY_URL: gw.url }, cwd: home.dir });
  try {
    await t.waitFor(/^> $/m);
    await t.type('"""');
    await t.keys('Enter');
    for (const line of ['first', 'second']) {
      await t.waitFor(/^\. $/m);
      await t.type(line);
      await t.keys('Enter');
    }
    await t.type('"""');
    await t.keys('Enter');
    await t.waitFor(/^infer: upstream openai returned 500: The fake upstream had an internal error \(HTTP 500\)\n> $/m);
    assert.deepEqual(chats().at(-1).body.messages, [{ role: 'user', content: 'first\nsecond' }]);
    // The failed message left the history.
    await t.type('/model openai/gpt-4o');
    await t.keys('Enter');
    await t.type('again');
    await t.keys('Enter');
    await t.waitFor((s) => s.includes(`> again\n${CONTENT}\n> `));
    assert.deepEqual(chats().at(-1).body.messages, [{ role: 'user', content: 'again' }]);
    await t.keys('C-d');
    assert.deepEqual(await t.waitExit(), { status: 0 });
  } finally {
    await t.kill();
  }
});

test('chat --tools: each run is shown and asked for on the terminal; y runs it, anything else does not', async () => {
  const h = await tempHome();
  await fs.mkdir(path.dirname(h.configPath), { recursive: true });
  await fs.writeFile(h.configPath, JSON.stringify({ gateway_url: gw.url, model: 'groq/tool-model', tools: { allowed_commands: ['echo'] } }));
  const t = await startTmux(['chat', '--tools'], { env: h.env, cwd: h.dir });
  try {
    await t.waitFor(/^> $/m);
    await t.type('CALL run_command {"command":"echo yes please"}\\');
    await t.keys('Enter');
    await t.type('CALL run_command {"command":"echo no thanks"}');
    await t.keys('Enter');
    await t.waitFor(/^\[tool\] run_command echo yes please -- run it\? \[y\/N\] $/m);
    await t.type('y');
    await t.keys('Enter');
    await t.waitFor(/^\[tool\] run_command echo no thanks -- run it\? \[y\/N\] $/m);
    await t.type('n');
    await t.keys('Enter');
    await t.waitFor(/^DONE: \["exit code 0\\nyes please\\n","error: the user did not allow this command"\]\n> $/m);
    await t.type('/tools');
    await t.keys('Enter');
    await t.waitFor(/^Local tools\nread_file     read a file under .*\nrun_command   run echo\n> $/m);
    await t.type('/exit');
    await t.keys('Enter');
    assert.deepEqual(await t.waitExit(), { status: 0 });
  } finally {
    await t.kill();
  }
});
