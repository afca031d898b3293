// A scripted fake LLM for tool-loop tests. It speaks OpenAI chat completions (POST
// .../chat/completions) and Anthropic Messages (POST .../messages), streaming or not, exactly as
// those APIs document it, and decides what to answer from the FIRST user message:
//
//   SAY <text>              the assistant says <text> in this step (before any tool calls)
//   CALL <tool> <json>      the assistant calls <tool> with arguments <json> (several CALL lines
//                           in one step = parallel tool calls)
//   THEN                    ends a step; the next step is answered once the previous tool
//                           results are in the conversation
//   LOOP <tool> <json>      calls <tool> on every turn, forever (for the iteration cap)
//
// Step k is answered when the conversation already holds k assistant messages with tool calls.
// After the last step the model answers "DONE: " + JSON.stringify(<contents of every tool
// message in the conversation, in order>). A user message without any of these lines gets
// "Hello from the tool LLM".
//
//   const llm = await startToolLlm();
//   llm.url     -> "http://127.0.0.1:PORT/v1" (OPENAI_API_URL, ANTHROPIC_API_URL, ...)
//   llm.requests -> [{ path, headers, body }] every request received
//   await llm.close()
import http from 'node:http';

export const USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
export const HELLO = 'Hello from the tool LLM';

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p.type === 'text' ? p.text : typeof p.content === 'string' ? p.content : '')).join('');
  }
  return '';
}

function parseArgs(s) {
  s = (s ?? '').trim();
  return s === '' ? '{}' : s;
}

// The script from the first user message: { steps: [{ say, calls: [{name, arguments}] }], loop }.
export function parseScript(text) {
  const steps = [];
  let cur = { say: '', calls: [] };
  let loop = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m;
    if ((m = /^CALL\s+(\S+)\s*(.*)$/.exec(line))) cur.calls.push({ name: m[1], arguments: parseArgs(m[2]) });
    else if ((m = /^SAY\s+(.*)$/.exec(line))) cur.say += m[1];
    else if ((m = /^LOOP\s+(\S+)\s*(.*)$/.exec(line))) loop = { name: m[1], arguments: parseArgs(m[2]) };
    else if (line === 'THEN') { steps.push(cur); cur = { say: '', calls: [] }; }
  }
  if (cur.calls.length || cur.say) steps.push(cur);
  return { steps, loop };
}

// What the model says next, from a normalised conversation:
// messages = [{ role: 'user'|'assistant'|'tool', text, toolCalls: n }]
export function decide(messages) {
  const firstUser = messages.find((m) => m.role === 'user');
  const { steps, loop } = parseScript(firstUser ? firstUser.text : '');
  const done = messages.filter((m) => m.role === 'assistant' && m.toolCalls > 0).length;
  const results = messages.filter((m) => m.role === 'tool').map((m) => m.text);
  if (loop) return { say: '', calls: [loop], turn: done };
  if (done < steps.length && steps[done].calls.length) return { ...steps[done], turn: done };
  if (!steps.length) return { say: HELLO, calls: [], turn: done };
  const say = done < steps.length ? steps[done].say : '';
  return { say: say + 'DONE: ' + JSON.stringify(results), calls: [], turn: done };
}

// ---- OpenAI chat completions --------------------------------------------------------------

function openaiConversation(body) {
  return (body.messages || []).map((m) => ({
    role: m.role,
    text: textOf(m.content),
    toolCalls: Array.isArray(m.tool_calls) ? m.tool_calls.length : 0,
  }));
}

function openaiToolCalls(d) {
  return d.calls.map((c, i) => ({
    id: `call_${d.turn}_${i}`,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
}

function openaiResponse(body, d) {
  const msg = { role: 'assistant', content: d.say || null };
  if (d.calls.length) msg.tool_calls = openaiToolCalls(d);
  return {
    id: `chatcmpl-fake-${d.turn}`,
    object: 'chat.completion',
    created: 1700000000,
    model: body.model,
    choices: [{ index: 0, message: msg, logprobs: null, finish_reason: d.calls.length ? 'tool_calls' : 'stop' }],
    usage: USAGE,
  };
}

function openaiStream(res, body, d) {
  const base = { id: `chatcmpl-fake-${d.turn}`, object: 'chat.completion.chunk', created: 1700000000, model: body.model };
  const send = (choices, extra = {}) => res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (d.say) {
    // Two pieces, so clients see the text arrive in parts.
    const half = Math.ceil(d.say.length / 2);
    for (const piece of [d.say.slice(0, half), d.say.slice(half)]) {
      if (piece) send([{ index: 0, delta: { content: piece }, finish_reason: null }]);
    }
  }
  openaiToolCalls(d).forEach((tc, i) => {
    send([{ index: 0, delta: { tool_calls: [{ index: i, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] }, finish_reason: null }]);
    const a = tc.function.arguments;
    const cut = Math.ceil(a.length / 2);
    for (const piece of [a.slice(0, cut), a.slice(cut)]) {
      if (piece) send([{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: piece } }] }, finish_reason: null }]);
    }
  });
  send([{ index: 0, delta: {}, finish_reason: d.calls.length ? 'tool_calls' : 'stop' }]);
  if (body.stream_options?.include_usage) send([], { usage: USAGE });
  res.write('data: [DONE]\n\n');
  res.end();
}

// ---- Anthropic Messages -------------------------------------------------------------------

function anthropicConversation(body) {
  const out = [];
  for (const m of body.messages || []) {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, text: m.content, toolCalls: 0 });
      continue;
    }
    const blocks = m.content || [];
    const uses = blocks.filter((b) => b.type === 'tool_use').length;
    const texts = blocks.filter((b) => b.type === 'text').map((b) => b.text).join('');
    const results = blocks.filter((b) => b.type === 'tool_result');
    if (results.length) {
      for (const r of results) out.push({ role: 'tool', text: textOf(r.content), toolCalls: 0 });
      if (texts) out.push({ role: m.role, text: texts, toolCalls: 0 });
    } else {
      out.push({ role: m.role, text: texts, toolCalls: uses });
    }
  }
  return out;
}

const ANTHROPIC_USAGE = { input_tokens: USAGE.prompt_tokens, output_tokens: USAGE.completion_tokens };

function anthropicBlocks(d) {
  const blocks = [];
  if (d.say) blocks.push({ type: 'text', text: d.say });
  d.calls.forEach((c, i) => {
    let input = {};
    try { input = JSON.parse(c.arguments); } catch {}
    blocks.push({ type: 'tool_use', id: `toolu_${d.turn}_${i}`, name: c.name, input });
  });
  return blocks;
}

function anthropicResponse(body, d) {
  return {
    id: `msg_fake_${d.turn}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: anthropicBlocks(d),
    stop_reason: d.calls.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: ANTHROPIC_USAGE,
  };
}

function anthropicStream(res, body, d) {
  const ev = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  ev('message_start', { message: { ...anthropicResponse(body, d), content: [], stop_reason: null, usage: { input_tokens: ANTHROPIC_USAGE.input_tokens, output_tokens: 1 } } });
  anthropicBlocks(d).forEach((b, index) => {
    if (b.type === 'text') {
      ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index, delta: { type: 'text_delta', text: b.text } });
    } else {
      ev('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    }
    ev('content_block_stop', { index });
  });
  ev('message_delta', { delta: { stop_reason: d.calls.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: ANTHROPIC_USAGE.output_tokens } });
  ev('message_stop', {});
  res.end();
}

// ---- server -------------------------------------------------------------------------------

export async function startToolLlm() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const path = req.url.split('?')[0];
      let body = {};
      try { body = JSON.parse(raw || '{}'); } catch {}
      requests.push({ path, headers: req.headers, body });
      if (req.method === 'GET' && path.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'tool-model', object: 'model', created: 0, owned_by: 'fake' }] }));
        return;
      }
      const anthropic = path.endsWith('/messages');
      if (req.method !== 'POST' || !(anthropic || path.endsWith('/chat/completions'))) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}`, type: 'not_found' } }));
        return;
      }
      const d = decide(anthropic ? anthropicConversation(body) : openaiConversation(body));
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        (anthropic ? anthropicStream : openaiStream)(res, body, d);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify((anthropic ? anthropicResponse : openaiResponse)(body, d)));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}
