// A fake provider for OpenAI's embeddings and legacy completions APIs, following their documented
// wire formats (platform.openai.com/docs/api-reference/embeddings, .../completions).
//
//   const up = await startFakeOpenAIApi();
//   up.url -> "http://127.0.0.1:PORT/v1"; up.requests, await up.waitForRequest(pred), await up.close()
//
// POST .../embeddings: one embedding per input (a string, an array of strings, an array of token
//   ids or an array of those), `dimensions` long (default 8), value j of input i being
//   embeddingValue(i, j) — exact in float32, so base64 answers decode to the same numbers.
//   encoding_format "base64" answers little-endian float32 bytes in base64, as OpenAI does.
//   Usage: a token per whitespace-separated word (per id for token arrays).
// POST .../completions: text COMPLETION_PIECES joined; with "stream": true, one
//   text_completion chunk per piece, a last one with finish_reason "stop", the usage chunk
//   (choices: []) when stream_options.include_usage is true, then [DONE].
// POST .../models/M:batchEmbedContents, POST /v2/embed: Gemini's and Cohere's native embeddings.
// Models "error-NNN" answer HTTP NNN with an OpenAI error body; options.chunked: JSON answers are
// sent without Content-Length (Transfer-Encoding: chunked), as some providers do.
import http from 'node:http';
import { EventEmitter } from 'node:events';

export const COMPLETION_PIECES = ['This', ' is', ' indeed', ' a', ' test'];
export const COMPLETION_TEXT = COMPLETION_PIECES.join('');
export const embeddingValue = (i, j) => ((i + 1) * (j + 1)) / 64;
const CREATED = 1_700_000_000;

const words = (s) => s.split(/\s+/).filter(Boolean).length;
function inputsOf(input) {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && typeof input[0] === 'number') return [input];
  return Array.isArray(input) ? input : [];
}
const tokensOf = (item) => (typeof item === 'string' ? words(item) : item.length);
const promptTokens = (prompt) => inputsOf(prompt).reduce((n, p) => n + tokensOf(p), 0);

function embeddingOf(i, dims, format) {
  const values = Array.from({ length: dims }, (_, j) => embeddingValue(i, j));
  if (format !== 'base64') return values;
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

export async function startFakeOpenAIApi(options = {}) {
  const requests = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body;
    try { body = rawBody ? JSON.parse(rawBody) : undefined; } catch { body = undefined; }
    const u = new URL(req.url, 'http://fake');
    const rec = { method: req.method, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, rawBody, body };
    requests.push(rec);
    events.emit('request', rec);

    const json = (status, obj) => {
      const s = JSON.stringify(obj);
      const headers = { 'content-type': 'application/json', 'x-request-id': 'upstream-id', 'openai-processing-ms': '7' };
      if (!options.chunked) headers['content-length'] = Buffer.byteLength(s);
      res.writeHead(status, headers);
      if (options.chunked) { res.write(s.slice(0, 10)); res.end(s.slice(10)); } else res.end(s);
    };
    const model = body?.model ?? '';
    const m = /^error-(\d{3})$/.exec(model);
    if (m) {
      json(Number(m[1]), { error: { message: `Fake upstream error ${m[1]}`, type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    // Gemini's native batchEmbedContents (ai.google.dev/api/embeddings): {"embeddings":[{"values"}]}
    // for {"requests":[{"model","content":{"parts":[{"text"}]},"outputDimensionality"}]}; errors in
    // Google's shape for models/error-NNN.
    const gm = /\/models\/([^/:]+):batchEmbedContents$/.exec(u.pathname);
    if (req.method === 'POST' && gm) {
      const e = /^error-(\d{3})$/.exec(gm[1]);
      if (e) {
        json(Number(e[1]), { error: { code: Number(e[1]), message: `Fake Gemini error ${e[1]}`, status: 'RESOURCE_EXHAUSTED' } });
        return;
      }
      const reqs = body?.requests ?? [];
      json(200, { embeddings: reqs.map((r, i) => ({ values: embeddingOf(i, r.outputDimensionality ?? 8, 'float') })) });
      return;
    }
    // Cohere's v2 embed (docs.cohere.com/reference/embed): embeddings by type, billed units.
    if (req.method === 'POST' && u.pathname === '/v2/embed') {
      const texts = body?.texts ?? [];
      const tokens = texts.reduce((n, t) => n + words(t), 0);
      json(200, {
        id: 'embed-fake', texts, response_type: 'embeddings_by_type',
        embeddings: { float: texts.map((_, i) => embeddingOf(i, body.output_dimension ?? 8, 'float')) },
        meta: { api_version: { version: '2' }, billed_units: { input_tokens: tokens } },
      });
      return;
    }
    if (req.method === 'POST' && u.pathname.endsWith('/embeddings')) {
      const inputs = inputsOf(body.input);
      const dims = body.dimensions ?? 8;
      const tokens = inputs.reduce((n, p) => n + tokensOf(p), 0);
      json(200, {
        object: 'list',
        data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: embeddingOf(i, dims, body.encoding_format) })),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
      return;
    }
    if (req.method === 'POST' && u.pathname.endsWith('/completions') && !u.pathname.endsWith('/chat/completions')) {
      const prompt = promptTokens(body.prompt);
      const usage = { prompt_tokens: prompt, completion_tokens: COMPLETION_PIECES.length, total_tokens: prompt + COMPLETION_PIECES.length };
      const base = { id: 'cmpl-fake123', object: 'text_completion', created: CREATED, model, system_fingerprint: 'fp_fake' };
      if (!body.stream) {
        json(200, { ...base, choices: [{ text: COMPLETION_TEXT, index: 0, logprobs: null, finish_reason: 'stop' }], usage });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const send = (obj) => res.write(`data: ${typeof obj === 'string' ? obj : JSON.stringify(obj)}\n\n`);
      for (const text of COMPLETION_PIECES) send({ ...base, choices: [{ text, index: 0, logprobs: null, finish_reason: null }] });
      send({ ...base, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] });
      if (body.stream_options?.include_usage === true) send({ ...base, choices: [], usage });
      send('[DONE]');
      res.end();
      return;
    }
    json(404, { error: { message: `Unknown request URL: ${req.method} ${u.pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    requests,
    waitForRequest(pred) {
      const found = requests.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const on = (r) => { if (pred(r)) { events.off('request', on); resolve(r); } };
        events.on('request', on);
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
