// Fake NATIVE provider APIs (Anthropic Messages, Gemini generateContent, Cohere v2 chat) that
// replay the golden adapter fixtures in tests/golden/openai-{anthropic,gemini,cohere}/.
//
//   const up = await startNativeUpstream('anthropic' | 'gemini' | 'cohere', { apiKey: 'k' });
//   up.url        -> base URL to use as {ID}_API_URL:
//                    anthropic http://127.0.0.1:PORT/v1, gemini http://127.0.0.1:PORT/v1beta,
//                    cohere http://127.0.0.1:PORT
//   up.cases      -> Map name -> { name, dir, clientRequest, upstreamRequest, upstreamPath,
//                    upstreamStatus, upstreamResponse, upstreamStream, clientResponse,
//                    clientStatus, clientStream }
//   up.requests   -> every request: { method, url, path, query, headers, rawBody, body, fixture }
//                    (fixture: name of the golden case that was replayed, or null)
//   up.use(name)  -> prefer this case when several fixtures have the same upstream request
//                    (e.g. anthropic stream_text / stream_usage_cache / stream_error_mid_stream)
//   await up.close()
//
// Chat requests (anthropic POST /v1/messages, gemini POST /v1beta/models/M:generateContent or
// :streamGenerateContent?alt=sse, cohere POST /v2/chat) are matched against every fixture's
// upstream_request.json with "model" ignored (gemini: the path with its model segment ignored).
// The match answers with its upstream_response.json (status from upstream_status.txt, default
// 200) or streams upstream_stream.txt byte for byte, in a few pieces separated by setImmediate.
// A fixture without a response (gemini tool_choice_*) gets a minimal native answer (OK_RESPONSE).
// No match: 400 in the provider's error shape, message starting NO_MATCH.
//
// Selected by the model (body "model", gemini: the path's model segment):
//   "error-NNN"  -> HTTP NNN with the provider's documented error body (ERRORS below);
//                   anthropic 429 rate_limit_error, 529 overloaded_error; gemini 429
//                   RESOURCE_EXHAUSTED; cohere {"message"} 429. 429 adds retry-after: 7.
// With options.apiKey set, a request whose key differs gets the provider's invalid-key error
// (anthropic 401 authentication_error, gemini 400 INVALID_ARGUMENT "API key not valid...",
// cohere 401 {"message":"invalid api token"}).
//
// GET models: anthropic /v1/models {data:[{id}]}, gemini /v1beta/models?pageSize=1000
// {models:[{name:"models/x", supportedGenerationMethods}]} (one embedding-only model included),
// cohere /v1/models {models:[{name}]}; lists from options.models or MODELS.
// OpenAI-compatible endpoints ({ID}_API_FORMAT=openai): POST .../chat/completions answers
// with an OpenAI chat.completion (content OPENAI_COMPAT_CONTENT) for the body's model.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const GOLDEN_DIR = path.resolve(here, '../../golden');
const FAMILY_DIR = { anthropic: 'openai-anthropic', gemini: 'openai-gemini', cohere: 'openai-cohere' };

export const MODELS = {
  anthropic: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
  gemini: ['gemini-2.0-flash', 'gemini-2.5-flash', 'text-embedding-004'], // the last: embedContent only
  cohere: ['command-a-03-2025', 'command-a-vision-07-2025'],
};
export const EMBEDDING_ONLY = 'text-embedding-004';
export const OPENAI_COMPAT_CONTENT = 'Hello from the OpenAI-compatible endpoint.';

export const ERROR_MESSAGES = {
  anthropic: {
    429: 'Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage.',
    529: 'Overloaded',
    401: 'invalid x-api-key',
  },
  gemini: {
    429: 'Resource has been exhausted (e.g. check quota).',
    400: 'API key not valid. Please pass a valid API key.',
  },
  cohere: {
    429: "You are using a Trial key, which is limited to 10 API calls / minute.",
    401: 'invalid api token',
  },
};

const ANTHROPIC_TYPES = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error' };
const GRPC_STATUS = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };

export function errorBody(family, status, message = ERROR_MESSAGES[family]?.[status] ?? `fake ${family} error ${status}`) {
  if (family === 'anthropic') return { type: 'error', error: { type: ANTHROPIC_TYPES[status] ?? 'api_error', message } };
  if (family === 'gemini') return { error: { code: status, message, status: GRPC_STATUS[status] ?? 'UNKNOWN' } };
  return { message };
}

function invalidKeyError(family) {
  if (family === 'anthropic') return [401, errorBody('anthropic', 401)];
  if (family === 'gemini') {
    return [400, { error: { code: 400, message: ERROR_MESSAGES.gemini[400], status: 'INVALID_ARGUMENT',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }] } }];
  }
  return [401, errorBody('cohere', 401)];
}

const OK_RESPONSE = {
  gemini: { candidates: [{ content: { parts: [{ text: 'ok' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 }, modelVersion: 'gemini-2.0-flash', responseId: 'fake-ok' },
  anthropic: { id: 'msg_fake_ok', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'ok' }],
    stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } },
  cohere: { id: 'fake-ok', finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    usage: { billed_units: { input_tokens: 1, output_tokens: 1 }, tokens: { input_tokens: 1, output_tokens: 1 } } },
};

const readOpt = (file, parse) => (fs.existsSync(file) ? parse(fs.readFileSync(file, 'utf8')) : undefined);
const json = (s) => JSON.parse(s);
const num = (s) => Number(s.trim());

// Parse an OpenAI SSE transcript into [{ data, json }] (json undefined for [DONE]).
export function parseSSE(text) {
  const out = [];
  for (const block of text.replace(/\r\n/g, '\n').split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.startsWith('data:'));
    if (!lines.length) continue;
    const data = lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n');
    let j;
    try { j = JSON.parse(data); } catch { j = undefined; }
    out.push({ data, json: j });
  }
  return out;
}

export function loadCases(family) {
  const dir = path.join(GOLDEN_DIR, FAMILY_DIR[family]);
  const cases = new Map();
  for (const name of fs.readdirSync(dir).sort()) {
    const d = path.join(dir, name);
    if (!fs.statSync(d).isDirectory()) continue;
    const c = {
      name, dir: d,
      clientRequest: readOpt(path.join(d, 'client_request.json'), json),
      upstreamRequest: readOpt(path.join(d, 'upstream_request.json'), json),
      upstreamPath: readOpt(path.join(d, 'upstream_path.txt'), (s) => s.trim()),
      upstreamStatus: readOpt(path.join(d, 'upstream_status.txt'), num) ?? 200,
      upstreamResponse: readOpt(path.join(d, 'upstream_response.json'), json),
      upstreamStream: readOpt(path.join(d, 'upstream_stream.txt'), (s) => s),
      clientResponse: readOpt(path.join(d, 'client_response.json'), json),
      clientStatus: readOpt(path.join(d, 'client_status.txt'), num) ?? 200,
      clientStream: readOpt(path.join(d, 'client_stream.txt'), (s) => s),
    };
    if (fs.existsSync(path.join(d, 'upstream_stream.txt'))) c.upstreamStreamBytes = fs.readFileSync(path.join(d, 'upstream_stream.txt'));
    if (c.upstreamRequest) cases.set(name, c);
  }
  return cases;
}

const withoutModel = (o) => {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return o;
  const { model, ...rest } = o;
  return rest;
};
// "/models/gemini-2.0-flash:streamGenerateContent?alt=sse" -> ["gemini-2.0-flash", ":streamGenerateContent?alt=sse"]
export function splitGeminiPath(p) {
  const m = /\/models\/([^/:?]+)(:[^/]*)$/.exec(p);
  return m ? [decodeURIComponent(m[1]), m[2]] : [null, p];
}

export async function startNativeUpstream(family, options = {}) {
  if (!FAMILY_DIR[family]) throw new Error(`unknown family ${family}`);
  const cases = loadCases(family);
  const models = options.models ?? MODELS[family];
  const prefix = family === 'anthropic' ? '/v1' : family === 'gemini' ? '/v1beta' : '';
  const requests = [];
  let preferred = null;

  function keyOf(headers) {
    if (family === 'anthropic') return headers['x-api-key'];
    if (family === 'gemini') return headers['x-goog-api-key'];
    return (headers.authorization ?? '').replace(/^Bearer /, '');
  }

  function match(rec) {
    let method = null;
    if (family === 'gemini') method = splitGeminiPath(rec.url.slice(prefix.length))[1];
    const candidates = [...cases.values()].filter((c) => {
      if (family === 'gemini' && splitGeminiPath(c.upstreamPath ?? '')[1] !== method) return false;
      return isDeepStrictEqual(withoutModel(c.upstreamRequest), withoutModel(rec.body));
    });
    if (!candidates.length) return null;
    return candidates.find((c) => c.name === preferred) ?? candidates[0];
  }

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body;
    try { body = rawBody ? JSON.parse(rawBody) : undefined; } catch { body = undefined; }
    const u = new URL(req.url, 'http://fake');
    const rec = { method: req.method, url: req.url, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, rawBody, body, fixture: null };
    requests.push(rec);
    try { await handle(req, res, rec); } catch (err) {
      if (!res.headersSent && !res.destroyed) { res.writeHead(500); res.end(String(err?.stack ?? err)); }
    }
  });

  const send = (res, status, obj, headers = {}) => {
    const s = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...headers });
    res.end(s);
  };

  async function streamBytes(res, buf) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // A few pieces at fixed fractions (they split events, and maybe UTF-8 sequences).
    const cuts = [0, 0.13, 0.37, 0.61, 0.83, 1].map((f) => Math.floor(buf.length * f));
    for (let i = 0; i + 1 < cuts.length; i++) {
      if (res.destroyed) return;
      const piece = buf.subarray(cuts[i], cuts[i + 1]);
      if (piece.length) await new Promise((r) => res.write(piece, r));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  }

  async function handle(req, res, rec) {
    const p = rec.path;
    // OpenAI-compatible endpoints (only used with {ID}_API_FORMAT=openai).
    if (req.method === 'POST' && p.endsWith('/chat/completions')) {
      return send(res, 200, {
        id: 'chatcmpl-compat', object: 'chat.completion', created: 1_700_000_000, model: rec.body?.model ?? 'unknown',
        choices: [{ index: 0, message: { role: 'assistant', content: OPENAI_COMPAT_CONTENT, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 },
      });
    }
    const isChat = req.method === 'POST' && (
      (family === 'anthropic' && p === `${prefix}/messages`) ||
      (family === 'gemini' && p.startsWith(`${prefix}/models/`) && /:(stream)?generateContent$/i.test(p)) ||
      (family === 'cohere' && p === '/v2/chat'));
    const isModels = req.method === 'GET' && (
      (family === 'anthropic' && p === `${prefix}/models`) ||
      (family === 'gemini' && p === `${prefix}/models`) ||
      (family === 'cohere' && p === '/v1/models'));

    if (options.apiKey !== undefined && (isChat || isModels) && keyOf(rec.headers) !== options.apiKey) {
      const [status, obj] = invalidKeyError(family);
      return send(res, status, obj);
    }

    if (isModels) {
      if (family === 'anthropic') {
        const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-09-29T00:00:00Z' }));
        return send(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
      }
      if (family === 'gemini') {
        return send(res, 200, { models: models.map((id) => ({
          name: `models/${id}`, version: '001', displayName: id,
          supportedGenerationMethods: id === EMBEDDING_ONLY ? ['embedContent'] : ['generateContent', 'countTokens'],
        })) });
      }
      return send(res, 200, { models: models.map((name) => ({ name, endpoints: ['chat'], context_length: 256000 })) });
    }

    if (!isChat) return send(res, 404, errorBody(family, 404, `fake ${family}: no route for ${req.method} ${rec.url}`));

    const model = family === 'gemini' ? splitGeminiPath(rec.url.slice(prefix.length))[0] : rec.body?.model;
    const em = /^error-(\d{3})$/.exec(model ?? '');
    if (em) {
      const status = Number(em[1]);
      return send(res, status, errorBody(family, status), status === 429 ? { 'retry-after': '7' } : {});
    }

    const c = match(rec);
    if (!c) return send(res, 400, errorBody(family, 400, `NO_MATCH: fake ${family}: no golden fixture matches this request`));
    rec.fixture = c.name;
    if (c.upstreamStreamBytes) return streamBytes(res, c.upstreamStreamBytes);
    if (c.upstreamResponse !== undefined) return send(res, c.upstreamStatus, c.upstreamResponse);
    return send(res, 200, OK_RESPONSE[family]);
  }

  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    family, port, origin, url: origin + prefix, cases, requests,
    use(name) {
      if (name !== null && !cases.has(name)) throw new Error(`no fixture ${family}/${name}`);
      preferred = name;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
