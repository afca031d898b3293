// A fake OpenAI-compatible provider for black-box tests of the gateway.
//
//   const up = await startFakeOpenAI({ models: ['gpt-4o'] });
//   up.url            -> "http://127.0.0.1:PORT/v1" (use as {ID}_API_URL)
//   up.origin         -> "http://127.0.0.1:PORT"
//   up.requests       -> every request received: { method, url, path, query, headers, rawBody, body, connId, closed, release }
//   up.connections    -> number of TCP connections accepted so far
//   await up.waitForRequest(pred) -> first (past or future) request matching pred
//   await rec.closed  -> resolves when the TCP socket that carried rec closes
//   rec.release()     -> lets a held request ("slow-headers", "slow-stream") continue
//   await up.close()
//
// Behaviour of POST .../chat/completions is selected by the (bare) model name:
//   "tools"             -> two tool calls (get_weather, get_time)
//   "tools-mixed"       -> three tool calls, one per tool type (MIXED_TOOL_CALLS: mcp_*, a2a_*, plain)
//   "slow-headers"      -> no response at all until rec.release()
//   "slow-stream"       -> stream: role + first content chunks, then silence until rec.release()
//   "reset-mid-stream"  -> stream: a few chunks, then a TCP reset
//   "error-NNN"         -> HTTP NNN with an OpenAI error body (429 adds retry-after)
//   "long-stream"       -> stream of LONG_PIECES, written in odd-sized byte slices that split
//                          events and multi-byte UTF-8 characters across writes
//   "big"               -> non-stream completion whose content is BIG_CONTENT (~1 MiB)
//   anything else       -> a normal completion, content CONTENT
// GET .../models returns options.models (modelsBehavior: 'ok' | 'error' | 'hang').
// Any other path echoes the request as JSON ({ method, path, query, headers, body });
// a path containing "/status/NNN" answers with status NNN; a path ending in "/sse"
// streams SSE_EVENTS (holding after the first one until rec.release()).
import http from 'node:http';
import { EventEmitter } from 'node:events';

export const CONTENT_PIECES = ['Hello', ' from', ' the', ' fake', ' upstream', '!'];
export const CONTENT = CONTENT_PIECES.join('');
export const USAGE = { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 };
export const TOOL_CALLS = [
  { id: 'call_fake_weather', name: 'get_weather', arguments: '{"location":"Paris","unit":"celsius"}',
    pieces: ['{"loc', 'ation":"Pa', 'ris","unit', '":"celsius"}'] },
  { id: 'call_fake_time', name: 'get_time', arguments: '{"tz":"Europe/Paris"}',
    pieces: ['{"tz":', '"Europe/', 'Paris"}'] },
];
// For "tools-mixed": the gateway classifies tool calls by name prefix (mcp_ / a2a_ / other).
export const MIXED_TOOL_CALLS = [
  { id: 'call_fake_mcp', name: 'mcp_search_docs', arguments: '{"q":"gateway"}', pieces: ['{"q":', '"gateway"}'] },
  { id: 'call_fake_a2a', name: 'a2a_delegate_task', arguments: '{"agent":"planner"}', pieces: ['{"agent"', ':"planner"}'] },
  { id: 'call_fake_plain', name: 'lookup_order', arguments: '{"id":42}', pieces: ['{"id":42}'] },
];
export const LONG_PIECES = Array.from({ length: 400 }, (_, i) => `tok${i} héllo ✓ 日本 🚀 `);
export const BIG_CONTENT = 'The quick brown fox ✓ jumps. '.repeat(36_000);
export const SSE_EVENTS = ['{"n":1}', '{"n":2}', '{"n":3}'];
export const RATE_LIMIT_MESSAGE = 'Rate limit reached for gpt-4o in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1.';

const CREATED = 1_700_000_000;

function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

function errorBody(status) {
  const table = {
    400: ['Invalid request from fake upstream', 'invalid_request_error', 'invalid_value'],
    401: ['Incorrect API key provided to fake upstream', 'invalid_request_error', 'invalid_api_key'],
    429: [RATE_LIMIT_MESSAGE, 'requests', 'rate_limit_exceeded'],
    500: ['The fake upstream had an internal error', 'server_error', null],
  };
  const [message, type, code] = table[status] ?? [`Fake upstream error ${status}`, 'api_error', null];
  return { error: { message, type, param: null, code } };
}

const toolCallsFor = (model) => (model === 'tools' ? TOOL_CALLS : model === 'tools-mixed' ? MIXED_TOOL_CALLS : null);

function completionObject(model, toolMode) {
  const message = toolMode
    ? { role: 'assistant', content: null, refusal: null,
        tool_calls: toolCallsFor(model).map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } })) }
    : { role: 'assistant', content: model === 'big' ? BIG_CONTENT : CONTENT, refusal: null };
  return {
    id: 'chatcmpl-fake123', object: 'chat.completion', created: CREATED, model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message, logprobs: null, finish_reason: toolMode ? 'tool_calls' : 'stop' }],
    usage: USAGE,
  };
}

// Returns the list of stream chunk objects (without the usage chunk).
function streamChunks(model, toolMode, includeUsage) {
  const base = { id: 'chatcmpl-fake123', object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_fake' };
  const extra = includeUsage ? { usage: null } : {};
  const chunk = (delta, finish = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
  const out = [chunk({ role: 'assistant', content: toolMode ? null : '', refusal: null })];
  if (toolMode) {
    toolCallsFor(model).forEach((t, index) => {
      out.push(chunk({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] }));
      for (const p of t.pieces) out.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
    });
    out.push(chunk({}, 'tool_calls'));
  } else {
    for (const p of model === 'long-stream' ? LONG_PIECES : CONTENT_PIECES) out.push(chunk({ content: p }));
    out.push(chunk({}, 'stop'));
  }
  return { out, usageChunk: { ...base, choices: [], usage: USAGE } };
}

const sse = (res, obj) => res.write(`data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`);

export async function startFakeOpenAI(options = {}) {
  const models = options.models ?? ['gpt-4o', 'gpt-4o-mini'];
  const modelsBehavior = options.modelsBehavior ?? 'ok';
  const requests = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);
  let connections = 0;

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body;
    try { body = rawBody ? JSON.parse(rawBody) : undefined; } catch { body = undefined; }
    const u = new URL(req.url, 'http://fake');
    const gate = deferred();
    const closed = deferred();
    if (req.socket.destroyed) closed.resolve(); else req.socket.once('close', () => closed.resolve());
    const rec = {
      method: req.method, url: req.url, path: u.pathname, query: Object.fromEntries(u.searchParams),
      headers: req.headers, rawBody, body, connId: req.socket.fakeConnId,
      closed: closed.promise, release: () => gate.resolve(),
    };
    requests.push(rec);
    events.emit('request', rec);
    try {
      await handle(req, res, rec, gate.promise);
    } catch (err) {
      if (!res.headersSent && !res.destroyed) { res.writeHead(500); res.end(String(err)); }
    }
  });

  async function handle(req, res, rec, gate) {
    const alive = () => !res.destroyed && !req.socket.destroyed;
    const json = (status, obj, headers = {}) => {
      const s = JSON.stringify(obj);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...headers });
      res.end(s);
    };

    if (req.method === 'POST' && rec.path.endsWith('/chat/completions')) {
      const model = rec.body?.model ?? 'unknown';
      const m = /^error-(\d{3})$/.exec(model);
      if (m) {
        const status = Number(m[1]);
        return json(status, errorBody(status), status === 429 ? { 'retry-after': '20' } : {});
      }
      if (model === 'slow-headers') {
        await Promise.race([gate, rec.closed]);
        if (!alive()) return;
      }
      const toolMode = toolCallsFor(model) !== null;
      if (!rec.body?.stream) return json(200, completionObject(model, toolMode));

      const includeUsage = rec.body?.stream_options?.include_usage === true;
      const { out, usageChunk } = streamChunks(model, toolMode, includeUsage);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      if (model === 'reset-mid-stream') {
        for (const c of out.slice(0, 3)) sse(res, c);
        // Make sure the chunks leave before the reset.
        await new Promise((r) => res.write('', r));
        req.socket.resetAndDestroy();
        return;
      }
      if (model === 'long-stream') {
        const all = Buffer.from([...out, ...(includeUsage ? [usageChunk] : [])].map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n');
        for (let off = 0, k = 0; off < all.length; k++) {
          const len = [1, 7, 33, 250, 3, 1500, 2][k % 7];
          if (!res.write(all.subarray(off, off + len))) await new Promise((r) => res.once('drain', r));
          off += len;
        }
        return res.end();
      }
      for (let i = 0; i < out.length; i++) {
        if (model === 'slow-stream' && i === 2) {
          await Promise.race([gate, rec.closed]);
          if (!alive()) return;
        }
        sse(res, out[i]);
      }
      if (includeUsage) sse(res, usageChunk);
      sse(res, '[DONE]');
      return res.end();
    }

    if (req.method === 'GET' && rec.path.endsWith('/models')) {
      if (modelsBehavior === 'error') return json(500, errorBody(500));
      if (modelsBehavior === 'hang') { await Promise.race([gate, rec.closed]); if (!alive()) return; }
      return json(200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'fake-org' })) });
    }

    if (rec.path.endsWith('/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      sse(res, SSE_EVENTS[0]);
      await Promise.race([gate, rec.closed]);
      if (!alive()) return;
      for (const e of SSE_EVENTS.slice(1)) sse(res, e);
      return res.end();
    }

    const st = /\/status\/(\d{3})/.exec(rec.path);
    const echo = { method: rec.method, path: rec.path, query: rec.query, headers: rec.headers, body: rec.rawBody };
    return json(st ? Number(st[1]) : 200, st ? errorBody(Number(st[1])) : echo, { 'x-fake-upstream': 'yes' });
  }

  server.on('connection', (socket) => { socket.fakeConnId = ++connections; socket.setMaxListeners(0); });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get connections() { return connections; },
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

// A port on which nothing listens (connection refused).
export async function closedPort() {
  const s = http.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
