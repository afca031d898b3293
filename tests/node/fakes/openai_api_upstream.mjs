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
// POST .../responses: OpenAI's Responses API (platform.openai.com/docs/api-reference/responses):
//   responseObject(body) — a Response with one message item, text RESPONSE_PIECES joined, usage
//   {input_tokens: words of the input, cached 2, output_tokens: the pieces, reasoning 0}; with
//   "stream": true the documented event sequence (responseEvents(body): response.created,
//   response.in_progress, output_item.added, content_part.added, one output_text.delta per piece,
//   output_text.done, content_part.done, output_item.done, response.completed with usage), each
//   "event: TYPE\ndata: JSON\n\n" with sequence_number from 0. Model "cut-stream" stops the stream
//   after the first delta (the connection closed mid-answer). rec.sent holds the exact bytes sent.
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

export const RESPONSE_PIECES = ['Hello', ' from', ' the', ' Responses', ' API.'];
export const RESPONSE_TEXT = RESPONSE_PIECES.join('');
const RESPONSE_ID = 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b';
const MESSAGE_ID = 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b';

// Words of a Responses input: a string, or the texts of its items' content.
function inputWords(input) {
  if (typeof input === 'string') return words(input);
  let n = 0;
  for (const item of Array.isArray(input) ? input : []) {
    if (typeof item.content === 'string') n += words(item.content);
    for (const part of Array.isArray(item.content) ? item.content : []) n += words(part.text ?? '');
    if (typeof item.output === 'string') n += words(item.output);
  }
  return n;
}

export function responseUsage(body) {
  const input = inputWords(body.input);
  return {
    input_tokens: input, input_tokens_details: { cached_tokens: Math.min(2, input) },
    output_tokens: RESPONSE_PIECES.length, output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + RESPONSE_PIECES.length,
  };
}

function responseShell(body, status) {
  return {
    id: RESPONSE_ID, object: 'response', created_at: CREATED, status, background: false, error: null,
    incomplete_details: null, instructions: body.instructions ?? null, max_output_tokens: body.max_output_tokens ?? null,
    model: body.model, output: [], parallel_tool_calls: true, previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null }, store: body.store ?? true, temperature: 1.0,
    text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1.0, truncation: 'disabled',
    usage: null, user: null, metadata: {},
  };
}

const outputText = (text) => ({ type: 'output_text', annotations: [], logprobs: [], text });
const messageItem = (status, content) => ({ id: MESSAGE_ID, type: 'message', status, content, role: 'assistant' });

export function responseObject(body) {
  return { ...responseShell(body, 'completed'), output: [messageItem('completed', [outputText(RESPONSE_TEXT)])], usage: responseUsage(body) };
}

// The documented event sequence for responseObject(body), as [type, data] pairs.
export function responseEvents(body) {
  const events = [];
  const add = (type, fields) => events.push([type, { type, ...fields, sequence_number: events.length }]);
  add('response.created', { response: responseShell(body, 'in_progress') });
  add('response.in_progress', { response: responseShell(body, 'in_progress') });
  add('response.output_item.added', { output_index: 0, item: messageItem('in_progress', []) });
  add('response.content_part.added', { item_id: MESSAGE_ID, output_index: 0, content_index: 0, part: outputText('') });
  for (const delta of RESPONSE_PIECES) {
    add('response.output_text.delta', { item_id: MESSAGE_ID, output_index: 0, content_index: 0, delta, logprobs: [] });
  }
  add('response.output_text.done', { item_id: MESSAGE_ID, output_index: 0, content_index: 0, text: RESPONSE_TEXT, logprobs: [] });
  add('response.content_part.done', { item_id: MESSAGE_ID, output_index: 0, content_index: 0, part: outputText(RESPONSE_TEXT) });
  add('response.output_item.done', { output_index: 0, item: messageItem('completed', [outputText(RESPONSE_TEXT)]) });
  add('response.completed', { response: responseObject(body) });
  return events;
}
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
      rec.sent = s;
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
    if (req.method === 'POST' && u.pathname.endsWith('/responses')) {
      if (!body.stream) {
        json(200, responseObject(body));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'upstream-id' });
      rec.sent = '';
      for (const [type, data] of responseEvents(body)) {
        const bytes = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
        rec.sent += bytes;
        res.write(bytes);
        if (model === 'cut-stream' && type === 'response.output_text.delta') {
          await new Promise((resolve) => res.write('', resolve));  // flushed before the cut
          res.destroy();
          return;
        }
      }
      res.end();
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
