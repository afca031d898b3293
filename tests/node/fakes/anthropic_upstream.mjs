// A small fake Anthropic Messages API (https://docs.anthropic.com/en/api/messages) for the
// gateway's /v1/messages passthrough.
//
//   const up = await startFakeAnthropic({ apiKey: 'sk-ant-up' });
//   up.url        -> "http://127.0.0.1:PORT/v1" (use as ANTHROPIC_API_URL)
//   up.requests   -> every request: { method, url, path, query, headers, rawBody, body, responseBody }
//                    (responseBody: the exact bytes/string the fake answered with)
//   await up.close()
//
// POST /v1/messages:
//   model "error-NNN"      -> HTTP NNN with Anthropic's error envelope (429 adds retry-after: 7)
//   request has "tools"    -> a tool_use answer (TOOL_USE: get_weather {"location":"Paris","unit":"celsius"}),
//                             preceded by a short text block; stop_reason "tool_use"
//   otherwise              -> a text answer (TEXT), stop_reason "end_turn"
//   "thinking" enabled     -> a thinking block (THINKING, signature THINKING_SIGNATURE) first
//   "stream": true         -> the same message as real Anthropic SSE: message_start, ping,
//                             content_block_start / *_delta / content_block_stop per block
//                             (text_delta pieces, input_json_delta split over several deltas,
//                             thinking_delta + signature_delta), message_delta, message_stop;
//                             written in a few slices that split events.
// With options.apiKey set, a request whose x-api-key differs gets 401 authentication_error.
import http from 'node:http';

export const TEXT_PIECES = ['Hello', ' from', ' the fake', ' Anthropic', ' upstream.'];
export const TEXT = TEXT_PIECES.join('');
export const TOOL_PREAMBLE = 'Let me check the weather.';
export const TOOL_USE = {
  id: 'toolu_01FakeWeather', name: 'get_weather', input: { location: 'Paris', unit: 'celsius' },
  pieces: ['', '{"locat', 'ion": "Par', 'is", "unit": ', '"celsius"}'],
};
export const THINKING = 'The user wants a greeting; keep it short.';
export const THINKING_SIGNATURE = 'EqQBCkYIARgCIkBfakeSignatureAAAAbbbbCCCCddddEEEE==';
export const USAGE = { input_tokens: 25, output_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 20 };
export const ERROR_MESSAGES = {
  429: 'Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage.',
  529: 'Overloaded',
  401: 'invalid x-api-key',
};
const ERROR_TYPES = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error' };

export function anthropicError(status, message = ERROR_MESSAGES[status] ?? `fake anthropic error ${status}`) {
  return { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } };
}

// The message this fake answers a request with (also the content of its stream).
export function messageFor(body) {
  const content = [];
  if (body?.thinking?.type === 'enabled') content.push({ type: 'thinking', thinking: THINKING, signature: THINKING_SIGNATURE });
  const tools = Array.isArray(body?.tools) && body.tools.length > 0;
  if (tools) {
    content.push({ type: 'text', text: TOOL_PREAMBLE });
    content.push({ type: 'tool_use', id: TOOL_USE.id, name: TOOL_USE.name, input: TOOL_USE.input });
  } else {
    content.push({ type: 'text', text: TEXT });
  }
  return {
    id: 'msg_01FakeAnthropicUpstream', type: 'message', role: 'assistant', model: body?.model ?? 'unknown',
    content, stop_reason: tools ? 'tool_use' : 'end_turn', stop_sequence: null, usage: { ...USAGE },
  };
}

const ev = (type, obj) => `event: ${type}\ndata: ${JSON.stringify({ type, ...obj })}\n\n`;

// Real-shaped Anthropic SSE transcript for messageFor(body).
export function streamFor(body) {
  const msg = messageFor(body);
  let out = ev('message_start', { message: { ...msg, content: [], stop_reason: null, stop_sequence: null,
    usage: { input_tokens: USAGE.input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: USAGE.cache_read_input_tokens, output_tokens: 1 } } });
  msg.content.forEach((block, index) => {
    if (block.type === 'text') {
      out += ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      if (index === 0) out += ev('ping', {});
      const pieces = block.text === TEXT ? TEXT_PIECES : [block.text];
      for (const text of pieces) out += ev('content_block_delta', { index, delta: { type: 'text_delta', text } });
    } else if (block.type === 'thinking') {
      out += ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      if (index === 0) out += ev('ping', {});
      out += ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: block.thinking } });
      out += ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    } else if (block.type === 'tool_use') {
      out += ev('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      for (const partial_json of TOOL_USE.pieces) out += ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    }
    out += ev('content_block_stop', { index });
  });
  out += ev('message_delta', { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: USAGE.output_tokens } });
  out += ev('message_stop', {});
  return out;
}

export async function startFakeAnthropic(options = {}) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body;
    try { body = rawBody ? JSON.parse(rawBody) : undefined; } catch { body = undefined; }
    const u = new URL(req.url, 'http://fake');
    const rec = { method: req.method, url: req.url, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, rawBody, body, responseBody: undefined };
    requests.push(rec);
    try { await handle(req, res, rec); } catch (err) {
      if (!res.headersSent && !res.destroyed) { res.writeHead(500); res.end(String(err?.stack ?? err)); }
    }
  });

  const send = (res, rec, status, obj, headers = {}) => {
    const s = JSON.stringify(obj);
    rec.responseBody = s;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), 'request-id': 'req_fake_anthropic', ...headers });
    res.end(s);
  };

  async function handle(req, res, rec) {
    if (!(req.method === 'POST' && rec.path === '/v1/messages')) {
      return send(res, rec, 404, anthropicError(404, `fake anthropic: no route for ${req.method} ${rec.url}`));
    }
    if (options.apiKey !== undefined && rec.headers['x-api-key'] !== options.apiKey) return send(res, rec, 401, anthropicError(401));
    if (!rec.body || typeof rec.body.model !== 'string') return send(res, rec, 400, anthropicError(400, 'model: Field required'));
    const em = /^error-(\d{3})$/.exec(rec.body.model);
    if (em) {
      const status = Number(em[1]);
      return send(res, rec, status, anthropicError(status), status === 429 ? { 'retry-after': '7' } : {});
    }
    if (!rec.body.stream) return send(res, rec, 200, messageFor(rec.body));

    const text = streamFor(rec.body);
    rec.responseBody = text;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_fake_anthropic' });
    const buf = Buffer.from(text);
    const cuts = [0, 0.11, 0.29, 0.5, 0.77, 1].map((f) => Math.floor(buf.length * f));
    for (let i = 0; i + 1 < cuts.length; i++) {
      if (res.destroyed) return;
      await new Promise((r) => res.write(buf.subarray(cuts[i], cuts[i + 1]), r));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  }

  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    port, origin, url: `${origin}/v1`, requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
