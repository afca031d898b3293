// A fake provider for OpenAI's Images and Audio APIs, following their documented wire formats
// (platform.openai.com/docs/api-reference/images, .../audio), and Azure OpenAI's deployment
// URLs for them (learn.microsoft.com/azure/ai-foundry/openai/reference: the deployment in the
// path, api-version in the query, the key in `api-key`).
//
//   const up = await startFakeMedia();
//   up.url -> "http://127.0.0.1:PORT/v1"; up.origin; up.requests; await up.waitForRequest(pred)
//
// Every request is recorded as { method, path, query, headers, rawBody (Buffer), body (JSON or
// undefined), form } where `form` is the multipart body parsed by undici's own FormData parser
// (independent of the gateway's): { fields: {name: [string]}, files: {name: [{filename, type,
// bytes: Buffer}]} }.
//
// POST .../images/generations (JSON), .../images/edits and .../images/variations (multipart):
//   {created, data:[...n images]}: {url, revised_prompt} or, with response_format "b64_json" (or
//   a gpt-image-* model), {b64_json}; gpt-image-* answers carry usage {input_tokens,
//   output_tokens, total_tokens, input_tokens_details}. Edits require image (or image[]) and
//   prompt, variations image: 400 otherwise, as OpenAI does.
// POST .../audio/speech (JSON): the bytes speechBytes(input, format), Content-Type audio/mpeg
//   (mp3, the default; sent chunked, without Content-Length, as OpenAI does), audio/wav and so on.
// POST .../audio/transcriptions, .../audio/translations (multipart, a "file" required):
//   response_format json (default) {text, usage}, text (text/plain), verbose_json, srt, vtt;
//   the text is transcriptText(file bytes). gpt-4o-* models report token usage
//   {type:"tokens", input_tokens, output_tokens, total_tokens}; whisper-1 duration usage.
//   stream=true (gpt-4o-* transcriptions): transcript.text.delta events, then
//   transcript.text.done with usage.
// Models "error-NNN" answer HTTP NNN with an OpenAI error body.
import http from 'node:http';
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';

export const CREATED = 1_713_833_628;
export const AZURE_MEDIA_KEY = 'az-media-key';
// Deterministic fake audio: a header naming the format, then bytes derived from the input
// (every byte value 0..255 occurs, so any text/binary mangling would show).
export function speechBytes(input, format = 'mp3') {
  const seed = crypto.createHash('sha256').update(`${format}:${input}`).digest();
  const body = Buffer.alloc(70_000);
  for (let i = 0; i < body.length; i++) body[i] = (seed[i % 32] + i) & 0xff;
  return Buffer.concat([Buffer.from(`FAKE-${format.toUpperCase()}\r\n--\r\n`), body]);
}
export const transcriptText = (bytes) => `Heard ${bytes.length} bytes, sha ${crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.`;
export const imageB64 = (prompt, i) => Buffer.from(`PNG:${prompt}:${i}`).toString('base64');

async function parseForm(headers, raw) {
  const ct = headers['content-type'] ?? '';
  if (!ct.startsWith('multipart/form-data')) return undefined;
  try {
    const fd = await new Response(raw, { headers: { 'content-type': ct } }).formData();
    const form = { fields: {}, files: {} };
    for (const [name, value] of fd.entries()) {
      if (typeof value === 'string') (form.fields[name] ??= []).push(value);
      else (form.files[name] ??= []).push({ filename: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
    }
    return form;
  } catch (err) {
    return { error: String(err) };
  }
}

export async function startFakeMedia() {
  const requests = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);

  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const rawBody = Buffer.concat(chunks);
    const u = new URL(req.url, 'http://fake');
    let body;
    if ((req.headers['content-type'] ?? '').startsWith('application/json')) {
      try { body = JSON.parse(rawBody.toString('utf8')); } catch { body = undefined; }
    }
    const form = await parseForm(req.headers, rawBody);
    const rec = { method: req.method, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, rawBody, body, form };
    requests.push(rec);
    events.emit('request', rec);

    const json = (status, obj) => {
      const s = JSON.stringify(obj);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), 'x-request-id': 'media-upstream-id' });
      res.end(s);
    };
    const oaiError = (status, message, param = null) => json(status, { error: { message, type: 'invalid_request_error', param, code: null } });
    const field = (name) => form?.fields?.[name]?.[0];

    // Azure: /openai/deployments/{d}/{op}?api-version=..., api-key header; OpenAI: /v1/{op}.
    let op;
    let deployment;
    const az = /^\/openai\/deployments\/([^/]+)\/(images\/generations|images\/edits|audio\/speech|audio\/transcriptions|audio\/translations)$/.exec(u.pathname);
    if (az) {
      if (req.headers['api-key'] !== AZURE_MEDIA_KEY) return json(401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } });
      if (!u.searchParams.get('api-version')) return json(404, { error: { code: '404', message: 'Resource not found' } });
      deployment = decodeURIComponent(az[1]);
      op = az[2];
    } else {
      const m = /\/(images\/generations|images\/edits|images\/variations|audio\/speech|audio\/transcriptions|audio\/translations)$/.exec(u.pathname);
      if (req.method !== 'POST' || !m) return oaiError(404, `Invalid URL (${req.method} ${u.pathname})`);
      op = m[1];
    }
    if (form?.error) return oaiError(400, `Could not parse multipart form: ${form.error}`);
    const model = deployment ?? body?.model ?? field('model') ?? '';
    const e = /^error-(\d{3})$/.exec(body?.model ?? field('model') ?? '');
    if (e) return oaiError(Number(e[1]), `Fake upstream error ${e[1]}`);

    if (op.startsWith('images/')) {
      const params = body ?? Object.fromEntries(Object.entries(form?.fields ?? {}).map(([k, v]) => [k, v[0]]));
      if (op === 'images/generations' && !body) return oaiError(400, 'expected a JSON body');
      if (op !== 'images/generations') {
        if (!form) return oaiError(400, 'expected multipart/form-data');
        if (!form.files.image && !form.files['image[]']) return oaiError(400, "Missing required parameter: 'image'.", 'image');
        if (op === 'images/edits' && !params.prompt) return oaiError(400, "Missing required parameter: 'prompt'.", 'prompt');
      } else if (!params.prompt) {
        return oaiError(400, "Missing required parameter: 'prompt'.", 'prompt');
      }
      const n = Number(params.n ?? 1);
      const gptImage = /^gpt-image/.test(model);
      const b64 = gptImage || params.response_format === 'b64_json';
      const prompt = params.prompt ?? 'variation';
      const data = Array.from({ length: n }, (_, i) => (b64
        ? { b64_json: imageB64(prompt, i) }
        : { url: `https://images.example/${encodeURIComponent(model)}/${i}.png`, revised_prompt: `A picture of ${prompt}` }));
      const answer = { created: CREATED, data };
      if (gptImage) answer.usage = { total_tokens: 100 + n, input_tokens: 50, output_tokens: 50 + n, input_tokens_details: { text_tokens: 10, image_tokens: 40 } };
      return json(200, answer);
    }

    if (op === 'audio/speech') {
      if (!body?.input || !body?.voice) return oaiError(400, "Missing required parameter: 'input' or 'voice'.");
      const format = body.response_format ?? 'mp3';
      const types = { mp3: 'audio/mpeg', opus: 'audio/opus', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };
      const bytes = speechBytes(body.input, format);
      if (format === 'mp3') {
        // OpenAI streams speech as it is synthesised: chunked, no Content-Length.
        res.writeHead(200, { 'content-type': types[format], 'transfer-encoding': 'chunked' });
        for (let i = 0; i < bytes.length; i += 16_384) res.write(bytes.subarray(i, i + 16_384));
        res.end();
      } else {
        res.writeHead(200, { 'content-type': types[format] ?? 'application/octet-stream', 'content-length': bytes.length });
        res.end(bytes);
      }
      return;
    }

    // Transcriptions and translations.
    if (!form) return oaiError(400, 'expected multipart/form-data');
    const file = form.files.file?.[0];
    if (!file) return oaiError(400, "Missing required parameter: 'file'.", 'file');
    if (!field('model') && !deployment) return oaiError(400, "Missing required parameter: 'model'.", 'model');
    const text = transcriptText(file.bytes);
    const tokens = /^gpt-4o/.test(model);
    const usage = tokens
      ? { type: 'tokens', input_tokens: 14, input_token_details: { text_tokens: 0, audio_tokens: 14 }, output_tokens: 9, total_tokens: 23 }
      : { type: 'duration', seconds: 3 };
    if (field('stream') === 'true' && op === 'audio/transcriptions') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const word of text.split(/(?<= )/)) res.write(`data: ${JSON.stringify({ type: 'transcript.text.delta', delta: word, logprobs: [] })}\n\n`);
      res.end(`data: ${JSON.stringify({ type: 'transcript.text.done', text, logprobs: [], usage })}\n\n`);
      return;
    }
    const format = field('response_format') ?? 'json';
    if (format === 'text' || format === 'srt' || format === 'vtt') {
      const s = format === 'text' ? `${text}\n` : format === 'srt' ? `1\n00:00:00,000 --> 00:00:03,000\n${text}\n\n` : `WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n${text}\n\n`;
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(s) });
      res.end(s);
      return;
    }
    if (format === 'verbose_json') {
      return json(200, {
        task: op === 'audio/transcriptions' ? 'transcribe' : 'translate', language: 'english', duration: 3, text,
        segments: [{ id: 0, seek: 0, start: 0, end: 3, text, tokens: [1, 2, 3], temperature: 0, avg_logprob: -0.2, compression_ratio: 1.1, no_speech_prob: 0.01 }],
        usage: { type: 'duration', seconds: 3 },
      });
    }
    return json(200, op === 'audio/translations' ? { text } : { text, usage });
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    waitForRequest(pred, timeoutMs = 10_000) {
      const hit = requests.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { events.off('request', on); reject(new Error('no matching upstream request')); }, timeoutMs);
        const on = (r) => { if (pred(r)) { clearTimeout(timer); events.off('request', on); resolve(r); } };
        events.on('request', on);
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
