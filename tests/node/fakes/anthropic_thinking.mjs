// A fake Anthropic Messages API (https://docs.anthropic.com/en/api/messages) with extended
// thinking and tool use, checking what the real API checks when a tool_use turn comes back:
// the assistant turn must start with its thinking block, and that block's thinking text and
// signature must be the ones the model produced
// (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks).
//
//   const up = await startThinkingAnthropic({ tool: 'mcp_echo' });
//   up.url       -> "http://127.0.0.1:PORT/v1" (ANTHROPIC_API_URL)
//   up.requests  -> every request: { headers, body, status }
//   await up.close()
//
// POST /v1/messages, thinking enabled ({"type":"enabled","budget_tokens":N}, N >= 1024 and
// below max_tokens), otherwise 400 invalid_request_error:
//   last message is not a tool_result -> a thinking block (THINKING, signed SIGNATURE), then a
//                                       tool_use of options.tool with TOOL_INPUT; stop_reason
//                                       "tool_use"
//   last message is a tool_result     -> Anthropic's 400 invalid_request_error when the assistant
//                                       turn before it does not start with a thinking block or
//                                       the block differs from the one produced; otherwise the
//                                       text ANSWER_PREFIX + the tool result's text, "end_turn"
//                                       (no new thinking block: without interleaved thinking the
//                                       model does not think again after a tool result)
//   "stream": true                    -> the same message as Anthropic's SSE events:
//                                       message_start, content_block_start / _delta / _stop per
//                                       block (thinking_delta pieces then one signature_delta;
//                                       input_json_delta pieces; text_delta pieces), ping,
//                                       message_delta with the stop_reason, message_stop.
import http from 'node:http';

export const THINKING_PIECES = ['The user wants the message echoed. ', 'I will call the echo tool', ' and report what it says.'];
export const THINKING = THINKING_PIECES.join('');
export const SIGNATURE = 'ErUBCkYIBRgCIkDfakeThinkingSignatureOfTheFirstTurnQWERTYuiop0123456789==';
export const TOOL_INPUT = { message: 'reasoning kept' };
export const ANSWER_PREFIX = 'The tool said: ';
const USAGE = { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 30 };

const invalid = (message) => ({ type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_fake_thinking_400' });

const isToolResult = (msg) => msg?.role === 'user' && Array.isArray(msg.content) && msg.content.some((b) => b?.type === 'tool_result');

// What Anthropic answers when the assistant turn before the tool results lost its thinking.
function checkReplay(messages) {
  const at = messages.map((m) => m.role).lastIndexOf('assistant');
  if (at < 0) return invalid('messages: a tool_result must follow an assistant tool_use turn');
  const content = Array.isArray(messages[at].content) ? messages[at].content : [{ type: 'text', text: String(messages[at].content) }];
  const first = content[0];
  if (first?.type !== 'thinking' && first?.type !== 'redacted_thinking') {
    return invalid(`messages.${at}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`);
  }
  if (first.type === 'thinking' && (first.signature !== SIGNATURE || first.thinking !== THINKING)) {
    return invalid(`messages.${at}.content.0: Invalid \`signature\` in \`thinking\` block`);
  }
  return null;
}

function toolResultText(msg) {
  const block = msg.content.find((b) => b?.type === 'tool_result');
  if (typeof block.content === 'string') return block.content;
  return (block.content ?? []).filter((c) => c?.type === 'text').map((c) => c.text).join('');
}

function message(body, tool) {
  const last = body.messages[body.messages.length - 1];
  const base = { id: 'msg_01FakeThinking', type: 'message', role: 'assistant', model: body.model, stop_sequence: null, usage: { ...USAGE } };
  if (isToolResult(last)) {
    return { ...base, content: [{ type: 'text', text: ANSWER_PREFIX + toolResultText(last) }], stop_reason: 'end_turn' };
  }
  return {
    ...base,
    content: [
      { type: 'thinking', thinking: THINKING, signature: SIGNATURE },
      { type: 'tool_use', id: 'toolu_01FakeThinkingEcho', name: tool, input: TOOL_INPUT },
    ],
    stop_reason: 'tool_use',
  };
}

const ev = (type, obj) => `event: ${type}\ndata: ${JSON.stringify({ type, ...obj })}\n\n`;

function stream(msg) {
  let out = ev('message_start', { message: { ...msg, content: [], stop_reason: null, usage: { ...USAGE, output_tokens: 1 } } });
  msg.content.forEach((block, index) => {
    if (block.type === 'thinking') {
      out += ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      out += ev('ping', {});
      for (const thinking of THINKING_PIECES) out += ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } });
      out += ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    } else if (block.type === 'tool_use') {
      out += ev('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      const json = JSON.stringify(block.input);
      const cut = Math.floor(json.length / 2);
      for (const partial_json of ['', json.slice(0, cut), json.slice(cut)]) out += ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    } else {
      out += ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      if (index === 0) out += ev('ping', {});
      const words = block.text.split(/(?<= )/);
      for (const text of words) out += ev('content_block_delta', { index, delta: { type: 'text_delta', text } });
    }
    out += ev('content_block_stop', { index });
  });
  out += ev('message_delta', { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: USAGE.output_tokens } });
  out += ev('message_stop', {});
  return out;
}

export async function startThinkingAnthropic({ tool }) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    let body;
    try { body = JSON.parse(raw); } catch { body = undefined; }
    const rec = { headers: req.headers, body, status: 200 };
    requests.push(rec);
    const send = (status, obj) => {
      rec.status = status;
      const s = JSON.stringify(obj);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), 'request-id': 'req_fake_thinking' });
      res.end(s);
    };
    if (req.method !== 'POST' || new URL(req.url, 'http://x').pathname !== '/v1/messages') {
      return send(404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
    }
    if (!body || !Array.isArray(body.messages) || body.messages.length === 0) return send(400, invalid('messages: Field required'));
    const thinking = body.thinking;
    if (thinking?.type !== 'enabled' || !(thinking.budget_tokens >= 1024) || !(thinking.budget_tokens < body.max_tokens)) {
      return send(400, invalid('thinking: this fake expects extended thinking enabled with 1024 <= budget_tokens < max_tokens'));
    }
    if (isToolResult(body.messages[body.messages.length - 1])) {
      const refused = checkReplay(body.messages);
      if (refused) return send(400, refused);
    } else if (!(body.tools ?? []).some((t) => t.name === tool)) {
      return send(400, invalid(`tools: this fake expects the tool ${tool} to be offered`));
    }
    const msg = message(body, tool);
    if (!body.stream) return send(200, msg);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_fake_thinking' });
    res.end(stream(msg));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
