// A generic fake Gemini API (generativelanguage v1beta, https://ai.google.dev/api/generate-content)
// that answers any request, unlike fakes/native_upstream.mjs which only replays golden fixtures.
//
//   const up = await startFakeGemini({ apiKey: 'AIza-up' });
//   up.url        -> "http://127.0.0.1:PORT/v1beta" (use as GOOGLE_API_URL)
//   up.requests   -> every request: { method, url, path, query, headers, rawBody, body, model, method_: 'generateContent'|'streamGenerateContent'|null }
//   await up.close()
//
// POST /v1beta/models/{model}:generateContent        -> one GenerateContentResponse
// POST /v1beta/models/{model}:streamGenerateContent?alt=sse
//                                                    -> "data: {json}\r\n\r\n" chunks
// What is answered depends on the request:
//   last content holds a functionResponse part  -> text AFTER_TOOL_TEXT
//   request has tools (functionDeclarations)    -> one functionCall part: FUNCTION_CALL (first declared
//                                                  function's name if it is not get_weather)
//   otherwise                                   -> text TEXT; streamed as 3 chunks (TEXT_PIECES),
//                                                  usageMetadata and finishReason STOP in the last
//   model "error-NNN"                           -> HTTP NNN with Google's error body
// With options.apiKey set, a wrong/missing x-goog-api-key gets 400 INVALID_ARGUMENT "API key not valid".
import http from 'node:http';

export const TEXT_PIECES = ['Hello', ' from the fake', ' Gemini upstream.'];
export const TEXT = TEXT_PIECES.join('');
export const AFTER_TOOL_TEXT = 'It is 18 °C and sunny in Paris.';
export const FUNCTION_CALL = { name: 'get_weather', args: { location: 'Paris', unit: 'celsius' } };
export const USAGE = { promptTokenCount: 9, candidatesTokenCount: 5, totalTokenCount: 14 };
const GRPC_STATUS = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

export const geminiError = (status, message = `fake gemini error ${status}`) =>
  ({ error: { code: status, message, status: GRPC_STATUS[status] ?? 'UNKNOWN' } });

const hasTools = (body) => Array.isArray(body?.tools) && body.tools.some((t) => Array.isArray(t.functionDeclarations) && t.functionDeclarations.length);
const lastHasFunctionResponse = (body) => (body?.contents?.at(-1)?.parts ?? []).some((p) => p.functionResponse);

function candidate(parts, finishReason) {
  const c = { content: { parts, role: 'model' }, index: 0 };
  if (finishReason) c.finishReason = finishReason;
  return c;
}
const envelope = (model, candidates, usage) => ({
  candidates, ...(usage ? { usageMetadata: usage } : {}), modelVersion: model, responseId: 'fake-gemini-response-id',
});

// Parts of the answer for a request: [{ text }] or [{ functionCall }].
function answerParts(body) {
  if (lastHasFunctionResponse(body)) return [{ text: AFTER_TOOL_TEXT }];
  if (hasTools(body)) {
    const declared = body.tools.flatMap((t) => t.functionDeclarations ?? []).map((f) => f.name);
    const name = declared.includes(FUNCTION_CALL.name) ? FUNCTION_CALL.name : declared[0];
    return [{ functionCall: { name, args: FUNCTION_CALL.args } }];
  }
  return [{ text: TEXT }];
}

export function responseFor(model, body) {
  return envelope(model, [candidate(answerParts(body), 'STOP')], USAGE);
}

// The chunks of a streamed answer.
export function streamChunksFor(model, body) {
  const parts = answerParts(body);
  if (parts[0].functionCall) return [envelope(model, [candidate(parts, 'STOP')], USAGE)];
  const pieces = parts[0].text === TEXT ? TEXT_PIECES : [parts[0].text.slice(0, 6), parts[0].text.slice(6, 15), parts[0].text.slice(15)];
  return pieces.map((text, i) => (i === pieces.length - 1
    ? envelope(model, [candidate([{ text }], 'STOP')], USAGE)
    : envelope(model, [candidate([{ text }])])));
}

export async function startFakeGemini(options = {}) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body;
    try { body = rawBody ? JSON.parse(rawBody) : undefined; } catch { body = undefined; }
    const u = new URL(req.url, 'http://fake');
    const m = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(u.pathname);
    const rec = { method: req.method, url: req.url, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, rawBody, body,
      model: m ? decodeURIComponent(m[1]) : null, method_: m ? m[2] : null };
    requests.push(rec);
    try { await handle(req, res, rec); } catch (err) {
      if (!res.headersSent && !res.destroyed) { res.writeHead(500); res.end(String(err?.stack ?? err)); }
    }
  });

  const send = (res, status, obj) => {
    const s = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(s) });
    res.end(s);
  };

  async function handle(req, res, rec) {
    if (req.method !== 'POST' || !rec.method_) return send(res, 404, geminiError(404, `fake gemini: no route for ${req.method} ${rec.url}`));
    if (options.apiKey !== undefined && rec.headers['x-goog-api-key'] !== options.apiKey) {
      return send(res, 400, geminiError(400, 'API key not valid. Please pass a valid API key.'));
    }
    const em = /^error-(\d{3})$/.exec(rec.model);
    if (em) return send(res, Number(em[1]), geminiError(Number(em[1])));
    if (!rec.body || !Array.isArray(rec.body.contents)) return send(res, 400, geminiError(400, '* GenerateContentRequest.contents: contents is not specified'));
    if (rec.method_ === 'generateContent') return send(res, 200, responseFor(rec.model, rec.body));
    if (rec.query.alt !== 'sse') return send(res, 400, geminiError(400, 'fake gemini: only alt=sse streaming is implemented'));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const c of streamChunksFor(rec.model, rec.body)) {
      if (res.destroyed) return;
      await new Promise((r) => res.write(`data: ${JSON.stringify(c)}\r\n\r\n`, r));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  }

  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    port, origin, url: `${origin}/v1beta`, requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
