// The Images and Audio APIs (issue #18): POST /v1/images/{generations,edits,variations} and
// /v1/audio/{speech,transcriptions,translations}, behind ENABLE_IMAGES (alias IMAGES_ENABLED)
// and ENABLE_AUDIO, byte for byte to the providers that serve them (only the model renamed, in
// JSON or in the multipart "model" part), through the same filters as chat — auth, allow-lists,
// limits and budgets, metrics and the access log — with the official openai SDK as the client.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { request, openStream, eventually, assertErrorShape } from './helpers/http.mjs';
import { scrapeMetrics } from './helpers/prom.mjs';
import { loadSpec } from './helpers/openapi.mjs';
import { startFakeMedia, speechBytes, transcriptText, imageB64, AZURE_MEDIA_KEY } from './fakes/media_upstream.mjs';

const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;
const CLIENT_KEY = 'sk-client-must-not-leak';
let up, gw, offGw, authGw, tmp;

before(async () => {
  up = await startFakeMedia();
  const providers = {
    OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-openai',
    GROQ_API_URL: up.url, GROQ_API_KEY: 'gsk-groq',
    AZURE_API_URL: up.origin, AZURE_API_KEY: AZURE_MEDIA_KEY,
    ANTHROPIC_API_KEY: 'sk-ant', MISTRAL_API_URL: up.url, MISTRAL_API_KEY: 'sk-mistral',
  };
  gw = await startGateway({
    ...providers,
    IMAGES_ENABLED: 'true', // the alias of ENABLE_IMAGES
    ENABLE_AUDIO: 'true',
    TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
  });
  offGw = await startGateway(providers);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-media-'));
  fs.writeFileSync(path.join(tmp, 'prices.json'), JSON.stringify({
    'openai/gpt-image-1': { input: 5, output: 40 },
    'openai/gpt-4o-transcribe': { input: 6, output: 10 },
  }));
  authGw = await startGateway({
    ...providers, ENABLE_IMAGES: 'true', ENABLE_AUDIO: 'true',
    AUTH_ENABLED: 'true', AUTH_ADMIN_KEY: ADMIN_KEY, DATABASE_URL: `sqlite://${tmp}/gateway.db`,
    MODEL_PRICES_PATH: path.join(tmp, 'prices.json'), SPEND_LOG_FLUSH_INTERVAL: '100ms',
    SERVER_MAX_REQUEST_BODY_SIZE: '65536',
  });
});
after(async () => {
  await gw?.kill(); await offGw?.kill(); await authGw?.kill();
  await up?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const client = (base = gw.url, apiKey = CLIENT_KEY) => new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0 });
let n = 0;
const uniq = () => `u${++n}x${Date.now()}`;
// Binary test data with every byte value, CR LF pairs and things that look like boundaries.
const binary = (tag, size = 5000) => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + tag.length) & 0xff;
  return Buffer.concat([Buffer.from(`\r\n--${tag}\r\n------formdata-undici-0\r\n`), b, Buffer.from('\r\n--')]);
};
const noClientCredential = (rec) => {
  assert.ok(!JSON.stringify(rec.headers).includes(CLIENT_KEY), 'the caller\'s key reached the provider');
};

test('images.generate: the provider\'s images, model renamed, the provider\'s key, not the caller\'s', async () => {
  const prompt = `a lighthouse ${uniq()}`;
  const res = await client().images.generate({ model: 'openai/dall-e-3', prompt, n: 1, size: '1024x1024', quality: 'hd', style: 'vivid' });
  assert.equal(res.created, 1_713_833_628);
  assert.deepEqual(res.data, [{ url: 'https://images.example/dall-e-3/0.png', revised_prompt: `A picture of ${prompt}` }]);
  const rec = await up.waitForRequest((r) => r.body?.prompt === prompt);
  assert.equal(rec.path, '/v1/images/generations');
  assert.equal(rec.headers.authorization, 'Bearer sk-openai');
  noClientCredential(rec);
  assert.deepEqual(rec.body, { model: 'dall-e-3', prompt, n: 1, size: '1024x1024', quality: 'hd', style: 'vivid' });
});

test('images.generate with b64_json (gpt-image-1): the image bytes and usage come back; the JSON body goes byte for byte', async () => {
  const prompt = `an otter ${uniq()}`;
  const res = await client().images.generate({ model: 'openai/gpt-image-1', prompt, n: 2 });
  assert.deepEqual(res.data.map((d) => d.b64_json), [imageB64(prompt, 0), imageB64(prompt, 1)]);
  assert.equal(res.usage.input_tokens, 50);
  assert.equal(res.usage.output_tokens, 52);
  const body = `{"prompt": "${prompt}",\n "x_extra": [1, 2.50, null],  "model" :"openai/gpt-image-1", "background":"transparent"}`;
  const raw = await request(gw.url, { method: 'POST', path: '/v1/images/generations', body });
  assert.equal(raw.status, 200, raw.text);
  const rec = await up.waitForRequest((r) => r.body?.background === 'transparent' && r.body?.prompt === prompt);
  assert.equal(rec.rawBody.toString('utf8'), body.replace('"openai/gpt-image-1"', '"gpt-image-1"'));
});

test('images.edit: a multipart upload reaches the provider with the exact file bytes and the model renamed', async () => {
  const prompt = `add a hat ${uniq()}`;
  const image = binary('image');
  const mask = binary('mask', 1234);
  const res = await client().images.edit({
    model: 'openai/gpt-image-1', prompt,
    image: await toFile(image, 'cat.png', { type: 'image/png' }),
    mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
    size: '1024x1024',
  });
  assert.deepEqual(res.data.map((d) => d.b64_json), [imageB64(prompt, 0)]);
  const rec = await up.waitForRequest((r) => r.form?.fields?.prompt?.[0] === prompt);
  assert.equal(rec.path, '/v1/images/edits');
  assert.equal(rec.headers.authorization, 'Bearer sk-openai');
  noClientCredential(rec);
  assert.deepEqual(rec.form.fields.model, ['gpt-image-1']);
  assert.deepEqual(rec.form.fields.size, ['1024x1024']);
  assert.equal(rec.form.files.image[0].filename, 'cat.png');
  assert.equal(rec.form.files.image[0].type, 'image/png');
  assert.ok(rec.form.files.image[0].bytes.equals(image), 'image bytes changed on the way');
  assert.ok(rec.form.files.mask[0].bytes.equals(mask), 'mask bytes changed on the way');
});

test('images.createVariation (dall-e-2, n=2, urls)', async () => {
  const image = binary('variation', 3000);
  const res = await client().images.createVariation({ model: 'openai/dall-e-2', image: await toFile(image, 'v.png', { type: 'image/png' }), n: 2, size: '256x256' });
  assert.deepEqual(res.data.map((d) => d.url), ['https://images.example/dall-e-2/0.png', 'https://images.example/dall-e-2/1.png']);
  const rec = await up.waitForRequest((r) => r.path === '/v1/images/variations' && r.form?.fields?.n?.[0] === '2');
  assert.deepEqual(rec.form.fields.model, ['dall-e-2']);
  assert.ok(rec.form.files.image[0].bytes.equals(image));
});

test('a hand-written multipart body goes upstream byte for byte, only the model part\'s value changed', async () => {
  const boundary = 'x-Boundary:(1)';
  const file = binary(boundary.slice(0, -1), 777); // near misses of the delimiter, not the delimiter
  const id = uniq();
  const parts = [
    ['Content-Disposition: form-data; name="file"; filename="speech.ogg"\r\nContent-Type: audio/ogg', file],
    ['Content-Disposition: form-data; name="model"', Buffer.from('groq/whisper-large-v3')],
    ['Content-Disposition: form-data; name="prompt"', Buffer.from(`Names: ${id}, café`)],
  ];
  // (No preamble and quoted names: the fake's parser, undici's, takes no less; the gateway's own
  // takes both, tests/unit/multipart_test.cpp.)
  const body = Buffer.concat([
    ...parts.map(([h, data]) => Buffer.concat([Buffer.from(`--${boundary}\r\n${h}\r\n\r\n`), data, Buffer.from('\r\n')])),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  const contentType = `multipart/form-data; boundary="${boundary}"`;
  const res = await request(gw.url, { method: 'POST', path: '/v1/audio/transcriptions', body, headers: { 'content-type': contentType } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(JSON.parse(res.text), { text: transcriptText(file), usage: { type: 'duration', seconds: 3 } });
  const rec = await up.waitForRequest((r) => r.form?.fields?.prompt?.[0] === `Names: ${id}, café`);
  assert.equal(rec.headers.authorization, 'Bearer gsk-groq');
  assert.equal(rec.headers['content-type'], contentType);
  const expected = Buffer.from(body.toString('latin1').replace('groq/whisper-large-v3', 'whisper-large-v3'), 'latin1');
  assert.ok(rec.rawBody.equals(expected), 'the upstream body differs from the client\'s beyond the model');
  assert.equal(Number(rec.headers['content-length']), expected.length);
});

test('audio.speech.create: the exact audio bytes arrive, streamed (mp3, chunked) or sized (wav)', async () => {
  const input = `Today is a wonderful day ${uniq()}`;
  const res = await client().audio.speech.create({ model: 'openai/gpt-4o-mini-tts', voice: 'coral', input, instructions: 'cheerful' });
  assert.equal(res.headers.get('content-type'), 'audio/mpeg');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.ok(bytes.equals(speechBytes(input, 'mp3')), `got ${bytes.length} bytes, expected ${speechBytes(input, 'mp3').length}`);
  const rec = await up.waitForRequest((r) => r.body?.input === input);
  assert.equal(rec.path, '/v1/audio/speech');
  assert.deepEqual(rec.body, { model: 'gpt-4o-mini-tts', voice: 'coral', input, instructions: 'cheerful' });
  noClientCredential(rec);
  const wav = await client().audio.speech.create({ model: 'groq/playai-tts', voice: 'Fritz-PlayAI', input, response_format: 'wav' });
  assert.equal(wav.headers.get('content-type'), 'audio/wav');
  assert.ok(Buffer.from(await wav.arrayBuffer()).equals(speechBytes(input, 'wav')));
});

test('audio.transcriptions.create: json with token usage, text, verbose_json; usage counts in the metrics', async () => {
  const audio = binary('wav', 20_000);
  const file = await toFile(audio, 'meeting.wav', { type: 'audio/wav' });
  const res = await client().audio.transcriptions.create({ model: 'openai/gpt-4o-transcribe', file, language: 'en' });
  assert.equal(res.text, transcriptText(audio));
  assert.deepEqual(res.usage, { type: 'tokens', input_tokens: 14, input_token_details: { text_tokens: 0, audio_tokens: 14 }, output_tokens: 9, total_tokens: 23 });
  const rec = await up.waitForRequest((r) => r.path === '/v1/audio/transcriptions' && r.form?.fields?.model?.[0] === 'gpt-4o-transcribe');
  assert.ok(rec.form.files.file[0].bytes.equals(audio));
  assert.equal(rec.form.files.file[0].filename, 'meeting.wav');
  assert.deepEqual(rec.form.fields.language, ['en']);
  const text = await client().audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(audio, 'a.wav'), response_format: 'text' });
  assert.equal(text, `${transcriptText(audio)}\n`);
  const verbose = await client().audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(audio, 'a.wav'), response_format: 'verbose_json', timestamp_granularities: ['segment'] });
  assert.equal(verbose.task, 'transcribe');
  assert.equal(verbose.segments[0].text, transcriptText(audio));
  await eventually(async () => {
    const m = await scrapeMetrics(gw.metricsUrl);
    return m.get('llm_usage_prompt_tokens_total', { provider: 'openai', model: 'gpt-4o-transcribe' }) >= 14 &&
      m.get('llm_usage_completion_tokens_total', { provider: 'openai', model: 'gpt-4o-transcribe' }) >= 9 &&
      m.sum('llm_requests_total', { provider: 'openai', request_path: '/v1/audio/transcriptions' }) >= 3;
  }, { what: 'transcription usage and requests in the metrics' });
});

test('audio.transcriptions.create with stream: the transcript events as the provider sent them', async () => {
  const audio = binary('stream', 4000);
  const stream = await client().audio.transcriptions.create({ model: 'openai/gpt-4o-mini-transcribe', file: await toFile(audio, 's.wav'), stream: true });
  const events = [];
  for await (const e of stream) events.push(e);
  assert.ok(events.length >= 2);
  assert.equal(events.filter((e) => e.type === 'transcript.text.delta').map((e) => e.delta).join(''), transcriptText(audio));
  assert.equal(events.at(-1).type, 'transcript.text.done');
  assert.equal(events.at(-1).usage.total_tokens, 23);
  const rec = await up.waitForRequest((r) => r.form?.fields?.model?.[0] === 'gpt-4o-mini-transcribe');
  assert.deepEqual(rec.form.fields.stream, ['true']);
});

test('audio.translations.create on Groq and OpenAI', async () => {
  const audio = binary('german', 2500);
  const res = await client().audio.translations.create({ model: 'groq/whisper-large-v3', file: await toFile(audio, 'de.mp3', { type: 'audio/mpeg' }), prompt: 'Guten Tag' });
  assert.deepEqual(res, { text: transcriptText(audio) });
  const rec = await up.waitForRequest((r) => r.path === '/v1/audio/translations' && r.form?.fields?.model?.[0] === 'whisper-large-v3');
  assert.equal(rec.headers.authorization, 'Bearer gsk-groq');
  assert.ok(rec.form.files.file[0].bytes.equals(audio));
  const oa = await client().audio.translations.create({ model: 'openai/whisper-1', file: await toFile(audio, 'de.mp3') });
  assert.equal(oa.text, transcriptText(audio));
});

test('Azure OpenAI: images and transcriptions go to the deployment\'s URL with api-version and api-key', async () => {
  const prompt = `azure skyline ${uniq()}`;
  const res = await client().images.generate({ model: 'azure/my-dalle3', prompt });
  assert.equal(res.data[0].url, 'https://images.example/my-dalle3/0.png');
  const rec = await up.waitForRequest((r) => r.body?.prompt === prompt);
  assert.equal(rec.path, '/openai/deployments/my-dalle3/images/generations');
  assert.match(rec.query['api-version'], /^\d{4}-\d{2}-\d{2}/);
  assert.equal(rec.headers['api-key'], AZURE_MEDIA_KEY);
  assert.equal(rec.headers.authorization, undefined);
  assert.equal(rec.body.model, 'my-dalle3');
  const audio = binary('az', 900);
  const t = await client().audio.transcriptions.create({ model: 'azure/my-whisper', file: await toFile(audio, 'a.wav') });
  assert.equal(t.text, transcriptText(audio));
  const trec = await up.waitForRequest((r) => r.path === '/openai/deployments/my-whisper/audio/transcriptions');
  assert.deepEqual(trec.form.fields.model, ['my-whisper']);
  // Azure has no variations (no dall-e-2): refused before anything is sent.
  const before = up.requests.length;
  const err = await client().images.createVariation({ model: 'azure/my-dalle3', image: await toFile(audio, 'x.png') }).catch((e) => e);
  assert.equal(err.status, 400);
  assert.match(err.message, /provider 'azure' has no \/v1\/images\/variations; providers that have it: openai/);
  assert.equal(up.requests.length, before);
});

test('a provider without the endpoint gets a 400 naming those that have it; nothing is sent', async () => {
  const before = up.requests.length;
  const img = await client().images.generate({ model: 'anthropic/claude-sonnet-4', prompt: 'x' }).catch((e) => e);
  assert.equal(img.status, 400);
  assert.equal(img.code, 'unsupported_endpoint');
  assert.match(img.message, /provider 'anthropic' has no \/v1\/images\/generations; providers that have it: azure, openai, zai/);
  const speech = await client().audio.speech.create({ model: 'mistral/voxtral', voice: 'x', input: 'y' }).catch((e) => e);
  assert.equal(speech.status, 400);
  assert.match(speech.message, /provider 'mistral' has no \/v1\/audio\/speech; providers that have it: azure, groq, openai/);
  const tr = await client().audio.translations.create({ model: 'mistral/voxtral-mini-latest', file: await toFile(Buffer.from('abc'), 'a.wav') }).catch((e) => e);
  assert.equal(tr.status, 400);
  assert.match(tr.message, /providers that have it: azure, groq, openai, vllm/);
  assert.equal(up.requests.length, before);
});

test('malformed or incomplete multipart bodies get 400s saying what is wrong; nothing is sent', async () => {
  const before = up.requests.length;
  const post = (body, contentType) => request(gw.url, { method: 'POST', path: '/v1/images/edits', body, headers: { 'content-type': contentType } });
  const cases = [
    [Buffer.from('--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nopenai/dall-e-2'), 'multipart/form-data; boundary=B', /no closing boundary/],
    [Buffer.from('--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--'), 'multipart/form-data; boundary=B', /no Content-Disposition/],
    [Buffer.from('--B\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nPNG\r\n--B--'), 'multipart/form-data; boundary=B', /missing required form field 'model'/],
    [Buffer.from('--B--'), 'multipart/form-data', /no boundary/],
    [Buffer.from('--C\r\n'), 'multipart/form-data; boundary=B', /does not occur in the body/],
    [Buffer.from('{"model":"openai/dall-e-2"}'), 'application/json', /takes a multipart\/form-data body/],
    [Buffer.from('--B\r\nContent-Disposition: form-data; name=model\r\n\r\nopenai/a\r\n--B\r\nContent-Disposition: form-data; name=model\r\n\r\nopenai/b\r\n--B--'), 'multipart/form-data; boundary=B', /'model' is given twice/],
  ];
  for (const [body, ct, re] of cases) {
    const e = assertErrorShape(await post(body, ct), 400);
    assert.match(e.message, re);
  }
  // A JSON route with a bad body, and a GET, as on chat.
  assertErrorShape(await request(gw.url, { method: 'POST', path: '/v1/audio/speech', body: '{"model":' }), 400);
  assert.match(assertErrorShape(await request(gw.url, { path: '/v1/images/generations' }), 405).message, /use POST/);
  assert.equal(up.requests.length, before);
});

test('with the flags off the routes answer 404 as the Go gateway does, naming the flag', async () => {
  const sdk = client(offGw.url);
  const img = await sdk.images.generate({ model: 'openai/dall-e-3', prompt: 'x' }).catch((e) => e);
  assert.equal(img.status, 404);
  assert.match(img.message, /The Images API is not enabled\. Set ENABLE_IMAGES=true to enable it\./);
  const edit = assertErrorShape(await request(offGw.url, { method: 'POST', path: '/v1/images/edits', body: 'junk', headers: { 'content-type': 'multipart/form-data; boundary=B' } }), 404);
  assert.match(edit.message, /ENABLE_IMAGES/);
  const speech = await sdk.audio.speech.create({ model: 'openai/tts-1', voice: 'alloy', input: 'x' }).catch((e) => e);
  assert.equal(speech.status, 404);
  assert.match(speech.message, /The Audio API is not enabled\. Set ENABLE_AUDIO=true to enable it\./);
  const tr = await sdk.audio.transcriptions.create({ model: 'openai/whisper-1', file: await toFile(Buffer.from('a'), 'a.wav') }).catch((e) => e);
  assert.equal(tr.status, 404);
});

test('metrics and the access log count every media route', async () => {
  await client().audio.speech.create({ model: 'openai/tts-1', voice: 'alloy', input: 'count me' }).then((r) => r.arrayBuffer());
  await client().images.createVariation({ model: 'openai/dall-e-2', image: await toFile(Buffer.from('png'), 'a.png') });
  const m = await eventually(async () => {
    const s = await scrapeMetrics(gw.metricsUrl);
    const paths = ['/v1/images/generations', '/v1/images/edits', '/v1/images/variations', '/v1/audio/speech', '/v1/audio/transcriptions', '/v1/audio/translations'];
    return paths.every((p) => s.sum('llm_requests_total', { request_path: p }) >= 1) && s;
  }, { what: 'a request count for every media path' });
  assert.ok(m.sum('llm_responses_total', { request_path: '/v1/images/generations', status_code: '400' }) >= 1, 'refusals are counted too');
  assert.ok(m.get('llm_usage_prompt_tokens_total', { provider: 'openai', model: 'gpt-image-1' }) >= 50);
  await gw.waitForLog(/request .*method=POST path=\/v1\/audio\/speech status=200 .*provider=openai model=tts-1/);
  await gw.waitForLog(/request .*path=\/v1\/images\/variations status=200 .*provider=openai model=dall-e-2/);
});

test('auth, per-key models, rate limits and budgets apply to the media routes as to chat', async () => {
  const anon = await request(authGw.url, { method: 'POST', path: '/v1/images/generations', body: { model: 'openai/dall-e-3', prompt: 'x' } });
  assert.equal(anon.status, 401);
  const created = await request(authGw.url, {
    method: 'POST', path: '/admin/keys', headers: { authorization: `Bearer ${ADMIN_KEY}` },
    body: { name: 'media', rpm: 3, budget: { usd: 1, period: 'day' }, models: ['openai/gpt-image-1', 'openai/gpt-4o-transcribe'] },
  });
  assert.equal(created.status, 201, created.text);
  const sdk = client(authGw.url, created.json.key);
  const img = await sdk.images.generate({ model: 'openai/gpt-image-1', prompt: 'budgeted' });
  assert.equal(img.data.length, 1);
  const audio = binary('auth', 3000);
  const t = await sdk.audio.transcriptions.create({ model: 'openai/gpt-4o-transcribe', file: await toFile(audio, 'a.wav') });
  assert.equal(t.text, transcriptText(audio));
  const refused = await sdk.images.generate({ model: 'openai/dall-e-3', prompt: 'x' }).catch((e) => e);
  assert.equal(refused.status, 403);
  assert.equal(refused.code, 'model_not_allowed_for_key');
  // gpt-image-1: 50 in at $5/M, 51 out at $40/M; gpt-4o-transcribe: 14 in at $6/M, 9 out at $10/M.
  const spend = await eventually(async () => {
    const r = await request(authGw.url, { path: `/admin/spend?key=${created.json.id}`, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    return r.json?.total?.requests >= 2 && r.json.total.tokens.input === 64 && r;
  }, { what: 'the media requests in the spend log' });
  assert.deepEqual(spend.json.total.tokens, { input: 64, output: 60, cached_input: 0, reasoning: 0, total: 124 });
  assert.ok(Math.abs(spend.json.total.usd - (50 * 5 + 51 * 40 + 14 * 6 + 9 * 10) / 1e6) < 1e-12, JSON.stringify(spend.json));
  // rpm 3: the 403 (refused before limits) is not counted; the third passes, the fourth is refused.
  await sdk.images.generate({ model: 'openai/gpt-image-1', prompt: 'fourth' });
  const limited = await sdk.images.generate({ model: 'openai/gpt-image-1', prompt: 'fifth' }).catch((e) => e);
  assert.equal(limited.status, 429);
  assert.match(limited.message, /3 requests per minute/);
});

test('an upload over SERVER_MAX_REQUEST_BODY_SIZE is refused with 413 before anything is sent', async () => {
  const before = up.requests.length;
  const created = await request(authGw.url, { method: 'POST', path: '/admin/keys', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: { name: 'big' } });
  // Sent with node:http, which reads the early 413 (undici's fetch reports the closed upload as
  // a network error instead).
  const body = Buffer.concat([
    Buffer.from('--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nopenai/whisper-1\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n\r\n'),
    Buffer.alloc(70_000, 1), Buffer.from('\r\n--B--\r\n'),
  ]);
  const res = await request(authGw.url, { method: 'POST', path: '/v1/audio/transcriptions', body, headers: { 'content-type': 'multipart/form-data; boundary=B', authorization: `Bearer ${created.json.key}` } });
  assert.match(assertErrorShape(res, 413).message, /SERVER_MAX_REQUEST_BODY_SIZE/);
  assert.equal(up.requests.length, before);
});

test('the answers, errors included, are what openapi.yaml documents for each media route', async () => {
  const spec = loadSpec();
  const call = async (base, p, opts, status) => {
    const res = await request(base, { method: 'POST', path: p, ...opts });
    assert.equal(res.status, status, `${p}: ${res.text.slice(0, 300)}`);
    spec.assertResponse('post', p, res);
    return res;
  };
  const form = (fields, file) => {
    const b = 'spec-boundary';
    const parts = Object.entries(fields).map(([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
    if (file) parts.push(`--${b}\r\nContent-Disposition: form-data; name="${file}"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\nBYTES\r\n`);
    return { body: `${parts.join('')}--${b}--\r\n`, headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
  };
  await call(gw.url, '/v1/images/generations', { body: { model: 'openai/gpt-image-1', prompt: 'p' } }, 200);
  await call(gw.url, '/v1/images/generations', { body: { model: 'groq/x', prompt: 'p' } }, 400);
  await call(gw.url, '/v1/images/generations', { body: { model: 'openai/error-429', prompt: 'p' } }, 429);
  await call(offGw.url, '/v1/images/generations', { body: { model: 'openai/dall-e-3', prompt: 'p' } }, 404);
  await call(gw.url, '/v1/images/edits', form({ model: 'openai/dall-e-2', prompt: 'p' }, 'image'), 200);
  await call(gw.url, '/v1/images/edits', form({ prompt: 'p' }, 'image'), 400);
  await call(gw.url, '/v1/images/variations', form({ model: 'openai/dall-e-2' }, 'image'), 200);
  await call(gw.url, '/v1/audio/speech', { body: { model: 'openai/tts-1', voice: 'alloy', input: 'hi', response_format: 'wav' } }, 200);
  await call(offGw.url, '/v1/audio/speech', { body: { model: 'openai/tts-1', voice: 'alloy', input: 'hi' } }, 404);
  await call(gw.url, '/v1/audio/transcriptions', form({ model: 'openai/gpt-4o-transcribe' }, 'file'), 200);
  await call(gw.url, '/v1/audio/transcriptions', form({ model: 'openai/whisper-1', response_format: 'text' }, 'file'), 200);
  await call(gw.url, '/v1/audio/transcriptions', form({ model: 'openai/whisper-1' }), 400); // the provider's: no file
  await call(gw.url, '/v1/audio/translations', form({ model: 'openai/whisper-1' }, 'file'), 200);
  await call(gw.url, '/v1/audio/translations', form({ model: 'anthropic/x' }, 'file'), 400);
  const s = await openStream(gw.url, { method: 'POST', path: '/v1/audio/transcriptions', ...form({ model: 'openai/gpt-4o-transcribe', stream: 'true' }, 'file') });
  assert.equal(s.status, 200);
  spec.assertResponse('post', '/v1/audio/transcriptions', { status: 200, headers: s.headers, text: '' });
  const events = await s.sse.rest();
  assert.equal(events.at(-1).json.type, 'transcript.text.done');
});
