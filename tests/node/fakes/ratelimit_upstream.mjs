// Fake providers that send each provider's documented rate-limit headers, report token usage
// with exact numbers, and can hold a request (no answer, or a stream that stops after its first
// event) so tests can watch the gateway cancel its upstream call.
//
//   const up = await startRateLimitedUpstream('anthropic' | 'openai' | 'gemini');
//   up.url        -> base URL for {ID}_API_URL: anthropic/openai http://127.0.0.1:PORT/v1,
//                    gemini http://127.0.0.1:PORT/v1beta
//   up.requests   -> every request: { method, url, path, query, headers, rawBody, body, model,
//                    responseBody (exact bytes answered, once complete), responseHeaders,
//                    status, closed (promise: resolves with performance.now() when the TCP
//                    socket that carried the request closes) }
//   await up.waitForRequest(pred) -> first (past or future) request matching pred
//   await up.close()
//
// Wire formats:
//   anthropic  POST /v1/messages (https://docs.anthropic.com/en/api/messages, streaming:
//              https://docs.anthropic.com/en/api/messages-streaming). Every answer, success or
//              error, carries the documented rate-limit headers RATE_LIMIT_HEADERS.anthropic
//              (https://docs.anthropic.com/en/api/rate-limits#response-headers) and request-id;
//              429 adds retry-after. Errors: {"type":"error","error":{"type","message"}}
//              (https://docs.anthropic.com/en/api/errors), 529 is overloaded_error.
//              Usage ANTHROPIC_USAGE (cache tokens included); streams carry input and cache
//              tokens in message_start and the cumulative output_tokens in message_delta.
//   openai     POST /v1/chat/completions, GET /v1/models. Every answer carries the documented
//              x-ratelimit-* headers RATE_LIMIT_HEADERS.openai
//              (https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers) and
//              x-request-id; 429 adds retry-after. Usage OPENAI_USAGE (streams: with
//              stream_options.include_usage, a final chunk with empty choices).
//   gemini     POST /v1beta/models/{m}:generateContent and :streamGenerateContent?alt=sse.
//              Google documents no rate-limit response headers: none are sent. Errors are
//              {"error":{"code","message","status"}}; 429 RESOURCE_EXHAUSTED carries a
//              google.rpc.RetryInfo detail (https://ai.google.dev/gemini-api/docs/troubleshooting).
//
// Behaviour by model ("model" in the body; gemini: the path's model segment):
//   "error-NNN"   -> HTTP NNN with the provider's error body (and headers as above)
//   "hang", "hang.<tag>"               -> no response at all; held until the gateway closes it
//   "hang-stream", "hang-stream.<tag>" -> stream: the response head and the first event(s),
//                                         then nothing more (the tag tells requests apart)
//   anything else -> a text answer TEXT, streamed in TEXT_PIECES when "stream" is true
import http from 'node:http';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

export const TEXT_PIECES = ['Rate', '-limited', ' hello', '.'];
export const TEXT = TEXT_PIECES.join('');
export const ANTHROPIC_USAGE = { input_tokens: 21, cache_creation_input_tokens: 250, cache_read_input_tokens: 1800, output_tokens: 37 };
export const OPENAI_USAGE = { prompt_tokens: 13, completion_tokens: 8, total_tokens: 21 };
export const GEMINI_USAGE = { promptTokenCount: 9, candidatesTokenCount: 5, totalTokenCount: 14 };
export const RETRY_AFTER = '7';

export const RATE_LIMIT_HEADERS = {
  anthropic: {
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '49',
    'anthropic-ratelimit-requests-reset': '2026-12-02T06:00:01Z',
    'anthropic-ratelimit-tokens-limit': '90000',
    'anthropic-ratelimit-tokens-remaining': '88000',
    'anthropic-ratelimit-tokens-reset': '2026-12-02T06:00:02Z',
    'anthropic-ratelimit-input-tokens-limit': '40000',
    'anthropic-ratelimit-input-tokens-remaining': '39000',
    'anthropic-ratelimit-input-tokens-reset': '2026-12-02T06:00:03Z',
    'anthropic-ratelimit-output-tokens-limit': '8000',
    'anthropic-ratelimit-output-tokens-remaining': '7900',
    'anthropic-ratelimit-output-tokens-reset': '2026-12-02T06:00:04Z',
  },
  openai: {
    'x-ratelimit-limit-requests': '60',
    'x-ratelimit-limit-tokens': '150000',
    'x-ratelimit-remaining-requests': '59',
    'x-ratelimit-remaining-tokens': '149984',
    'x-ratelimit-reset-requests': '1s',
    'x-ratelimit-reset-tokens': '6m0s',
  },
  gemini: {},
};
// What a client-facing rate-limit header is, by name.
export const isRateLimitHeader = (name) => /^(x-ratelimit-|anthropic-ratelimit-)/i.test(name) || /^retry-after$/i.test(name);

const ANTHROPIC_TYPES = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error' };
export const ANTHROPIC_MESSAGES = { 429: 'Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage.', 529: 'Overloaded' };
const GRPC_STATUS = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };
export const GEMINI_MESSAGES = { 429: 'You exceeded your current quota, please check your plan and billing details.', 503: 'The model is overloaded. Please try again later.' };
export const OPENAI_MESSAGES = { 429: 'Rate limit reached for gpt-4o in organization org-fake on tokens per min (TPM): Limit 150000, Used 150000, Requested 16.', 503: 'The engine is currently overloaded, please try again later.' };

export function errorBody(family, status) {
  if (family === 'anthropic') {
    return { type: 'error', error: { type: ANTHROPIC_TYPES[status] ?? 'api_error', message: ANTHROPIC_MESSAGES[status] ?? `fake anthropic error ${status}` } };
  }
  if (family === 'gemini') {
    const error = { code: status, message: GEMINI_MESSAGES[status] ?? `fake gemini error ${status}`, status: GRPC_STATUS[status] ?? 'UNKNOWN' };
    if (status === 429) error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${RETRY_AFTER}s` }];
    return { error };
  }
  const type = status === 429 ? 'tokens' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 429 ? 'rate_limit_exceeded' : null;
  return { error: { message: OPENAI_MESSAGES[status] ?? `fake openai error ${status}`, type, param: null, code } };
}

// ---- answers ---------------------------------------------------------------------------------

const CREATED = 1_700_000_000;

function anthropicMessage(model) {
  return { id: 'msg_01RateLimitFake', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: TEXT }],
    stop_reason: 'end_turn', stop_sequence: null, usage: { ...ANTHROPIC_USAGE } };
}
const aev = (type, obj) => `event: ${type}\ndata: ${JSON.stringify({ type, ...obj })}\n\n`;
// [first events (sent before a "hang-stream" holds), rest]
function anthropicStream(model) {
  const { output_tokens, ...input } = ANTHROPIC_USAGE;
  const head = aev('message_start', { message: { ...anthropicMessage(model), content: [], stop_reason: null, usage: { ...input, output_tokens: 1 } } })
    + aev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
    + aev('ping', {})
    + aev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: TEXT_PIECES[0] } });
  let rest = '';
  for (const text of TEXT_PIECES.slice(1)) rest += aev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  rest += aev('content_block_stop', { index: 0 });
  rest += aev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens } });
  rest += aev('message_stop', {});
  return [head, rest];
}

function openaiCompletion(model) {
  return { id: 'chatcmpl-ratelimit', object: 'chat.completion', created: CREATED, model, system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message: { role: 'assistant', content: TEXT, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { ...OPENAI_USAGE } };
}
function openaiStream(model, includeUsage) {
  const base = { id: 'chatcmpl-ratelimit', object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_fake' };
  const extra = includeUsage ? { usage: null } : {};
  const chunk = (delta, finish = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
  const head = chunk({ role: 'assistant', content: '', refusal: null }) + chunk({ content: TEXT_PIECES[0] });
  let rest = TEXT_PIECES.slice(1).map((content) => chunk({ content })).join('') + chunk({}, 'stop');
  if (includeUsage) rest += `data: ${JSON.stringify({ ...base, choices: [], usage: { ...OPENAI_USAGE } })}\n\n`;
  rest += 'data: [DONE]\n\n';
  return [head, rest];
}

const geminiEnvelope = (model, text, finish) => ({
  candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(finish ? { finishReason: 'STOP' } : {}), index: 0 }],
  ...(finish ? { usageMetadata: { ...GEMINI_USAGE } } : {}), modelVersion: model, responseId: 'fake-ratelimit-gemini',
});
function geminiStream(model) {
  const ev = (o) => `data: ${JSON.stringify(o)}\r\n\r\n`;
  const last = TEXT_PIECES.length - 1;
  const head = ev(geminiEnvelope(model, TEXT_PIECES[0], false));
  const rest = TEXT_PIECES.slice(1).map((t, i) => ev(geminiEnvelope(model, t, i + 1 === last))).join('');
  return [head, rest];
}

// ---- server ----------------------------------------------------------------------------------

export async function startRateLimitedUpstream(family) {
  if (!(family in RATE_LIMIT_HEADERS)) throw new Error(`unknown family ${family}`);
  const prefix = family === 'gemini' ? '/v1beta' : '/v1';
  const requests = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);

  const server = http.createServer(async (req, res) => {
    const socket = req.socket;
    const closed = new Promise((resolve) => {
      if (socket.destroyed) resolve(performance.now());
      else socket.once('close', () => resolve(performance.now()));
    });
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body;
    try { body = rawBody ? JSON.parse(rawBody) : undefined; } catch { body = undefined; }
    const u = new URL(req.url, 'http://fake');
    const gm = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(u.pathname);
    const rec = {
      method: req.method, url: req.url, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers,
      rawBody, body, model: family === 'gemini' ? (gm ? decodeURIComponent(gm[1]) : null) : body?.model,
      responseBody: undefined, responseHeaders: undefined, status: undefined, closed,
    };
    requests.push(rec);
    events.emit('request', rec);
    try { await handle(req, res, rec, gm); } catch (err) {
      if (!res.headersSent && !res.destroyed) { res.writeHead(500); res.end(String(err?.stack ?? err)); }
    }
  });
  server.on('connection', (s) => s.setNoDelay(true));

  const idHeader = () => (family === 'anthropic' ? { 'request-id': 'req_fake_ratelimit' } : family === 'openai' ? { 'x-request-id': 'req_fake_openai_ratelimit' } : {});
  const headersFor = (status, extra) => ({
    ...RATE_LIMIT_HEADERS[family], ...idHeader(),
    ...(status === 429 && family !== 'gemini' ? { 'retry-after': RETRY_AFTER } : {}),
    ...(status === 429 && family === 'anthropic' ? { 'anthropic-ratelimit-requests-remaining': '0' } : {}),
    ...(status === 429 && family === 'openai' ? { 'x-ratelimit-remaining-tokens': '0' } : {}),
    ...extra,
  });
  const send = (res, rec, status, obj) => {
    const s = JSON.stringify(obj);
    const h = headersFor(status, { 'content-type': family === 'gemini' ? 'application/json; charset=UTF-8' : 'application/json', 'content-length': Buffer.byteLength(s) });
    rec.status = status;
    rec.responseHeaders = h;
    rec.responseBody = s;
    res.writeHead(status, h);
    res.end(s);
  };
  const write = (res, s) => new Promise((r) => res.write(s, r));
  async function stream(res, rec, [head, rest], hang) {
    const h = headersFor(200, { 'content-type': family === 'anthropic' ? 'text/event-stream; charset=utf-8' : 'text/event-stream', 'cache-control': 'no-cache' });
    rec.status = 200;
    rec.responseHeaders = h;
    res.writeHead(200, h);
    await write(res, head);
    if (hang) { await rec.closed; return; }
    await new Promise((r) => setImmediate(r));
    if (res.destroyed) return;
    await write(res, rest);
    rec.responseBody = head + rest;
    res.end();
  }

  async function handle(req, res, rec, gm) {
    const p = rec.path;
    if (family === 'openai' && req.method === 'GET' && p === '/v1/models') {
      return send(res, rec, 200, { object: 'list', data: ['gpt-4o', 'gpt-4o-mini'].map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'fake-org' })) });
    }
    const isChat = req.method === 'POST' && (
      (family === 'anthropic' && p === '/v1/messages') ||
      (family === 'openai' && p === '/v1/chat/completions') ||
      (family === 'gemini' && gm !== null));
    if (!isChat) return send(res, rec, 404, errorBody(family, 404));
    if (typeof rec.model !== 'string') return send(res, rec, 400, errorBody(family, 400));
    const em = /^error-(\d{3})$/.exec(rec.model);
    if (em) return send(res, rec, Number(em[1]), errorBody(family, Number(em[1])));
    if (/^hang(\.|$)/.test(rec.model)) { await rec.closed; return; }
    const hang = /^hang-stream(\.|$)/.test(rec.model);
    const streaming = family === 'gemini' ? gm[2] === 'streamGenerateContent' : rec.body?.stream === true;
    if (family === 'anthropic') {
      return streaming ? stream(res, rec, anthropicStream(rec.model), hang) : send(res, rec, 200, anthropicMessage(rec.model));
    }
    if (family === 'openai') {
      return streaming ? stream(res, rec, openaiStream(rec.model, rec.body?.stream_options?.include_usage === true), hang)
        : send(res, rec, 200, openaiCompletion(rec.model));
    }
    if (streaming && rec.query.alt !== 'sse') return send(res, rec, 400, errorBody('gemini', 400));
    return streaming ? stream(res, rec, geminiStream(rec.model), hang) : send(res, rec, 200, geminiEnvelope(rec.model, TEXT, true));
  }

  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    family, port, origin, url: origin + prefix, requests,
    waitForRequest(pred = () => true) {
      const found = requests.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const on = (rec) => { if (pred(rec)) { events.off('request', on); resolve(rec); } };
        events.on('request', on);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
