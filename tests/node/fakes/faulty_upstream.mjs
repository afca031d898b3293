// A fault-injecting provider for the routing tests: OpenAI's chat completions API
// (POST {base}/chat/completions, JSON or SSE as documented), its embeddings API
// (POST {base}/embeddings) and Anthropic's Messages API
// (POST {base}/messages), each answer naming the deployment (`name`) that served it.
//
//   const up = await startFaultyUpstream('a');
//   up.url                 -> "http://127.0.0.1:PORT/v1" (a deployment's base_url)
//   up.count               -> requests received
//   up.requests            -> [{ path, headers, body }]
//   up.failNext(n, status, headers)  -> the next n requests get `status` with the provider's
//                                       error body (OpenAI shape; Anthropic's on /messages)
//   up.always(status, headers)       -> every request fails so, until up.heal()
//   up.delayHead(ms)       -> wait before the response head (slow first byte)
//   up.holdNext()          -> the next request waits until up.release(); up.held resolves when
//                             it has arrived; up.cancelHold() disarms it
//   up.resetStreamAfter(n) -> streamed answers break the connection after n chunks
//   await up.close()       -> stops listening (the port then refuses connections)
import http from 'node:http';

export const CHUNKS = ['Hello', ' from', ' the', ' deployment'];

function openaiError(status) {
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message: `deployment failure ${status}`, type, param: null, code: type } };
}

function anthropicError(status) {
  const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
  return { type: 'error', error: { type, message: `deployment failure ${status}` } };
}

function completion(name, model) {
  return {
    id: `chatcmpl-${name}`, object: 'chat.completion', created: 1700000000, model,
    choices: [{ index: 0, message: { role: 'assistant', content: `served by ${name}` }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  };
}

function chunk(name, model, delta, finish = null) {
  return { id: `chatcmpl-${name}`, object: 'chat.completion.chunk', created: 1700000000, model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

function message(name, model) {
  return { id: `msg_${name}`, type: 'message', role: 'assistant', model,
    content: [{ type: 'text', text: `served by ${name}` }], stop_reason: 'end_turn', stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 3 } };
}

export async function startFaultyUpstream(name) {
  const state = { failures: 0, failStatus: 500, failHeaders: {}, always: null, delay: 0, hold: false, resetAfter: -1 };
  const requests = [];
  let release = () => {};
  let heldResolve = () => {};
  const up = { name, requests, get count() { return requests.length; } };
  up.held = new Promise((r) => { heldResolve = r; });
  const sockets = new Set();
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    let body = {};
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch {}
    requests.push({ path: req.url, headers: req.headers, body });
    const anthropic = req.url.endsWith('/messages');
    if (state.hold) {
      state.hold = false;
      const gate = new Promise((r) => { release = r; });
      heldResolve();
      await gate;
    }
    if (state.delay > 0) await new Promise((r) => setTimeout(r, state.delay));
    let failure = null;
    if (state.always) failure = state.always;
    else if (state.failures > 0) { state.failures--; failure = { status: state.failStatus, headers: state.failHeaders }; }
    if (failure) {
      const payload = anthropic ? anthropicError(failure.status) : openaiError(failure.status);
      res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
      res.end(JSON.stringify(payload));
      return;
    }
    const model = body.model ?? 'unknown';
    if (req.url.endsWith('/embeddings')) {  // OpenAI's embeddings API
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', model, usage: { prompt_tokens: 2, total_tokens: 2 },
        data: [{ object: 'embedding', index: 0, embedding: [0.5, name.length] }] }));
      return;
    }
    if (anthropic) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(message(name, model)));
      return;
    }
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion(name, model)));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const events = [chunk(name, model, { role: 'assistant', content: '' })];
    for (const c of CHUNKS) events.push(chunk(name, model, { content: c }));
    events.push(chunk(name, model, {}, 'stop'));
    for (let i = 0; i < events.length; i++) {
      if (state.resetAfter >= 0 && i === state.resetAfter) {
        await new Promise((r) => setTimeout(r, 20));
        req.socket.destroy();
        return;
      }
      res.write(`data: ${JSON.stringify(events[i])}\n\n`);
    }
    res.write(`data: ${JSON.stringify({ ...chunk(name, model, {}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  up.port = port;
  up.url = `http://127.0.0.1:${port}/v1`;
  up.failNext = (n, status = 500, headers = {}) => { state.failures = n; state.failStatus = status; state.failHeaders = headers; };
  up.always = (status, headers = {}) => { state.always = { status, headers }; };
  up.heal = () => { state.always = null; state.failures = 0; };
  up.delayHead = (ms) => { state.delay = ms; };
  up.holdNext = () => {
    state.hold = true;
    up.held = new Promise((r) => { heldResolve = r; });
  };
  up.cancelHold = () => { state.hold = false; };
  up.release = () => release();
  up.resetStreamAfter = (n) => { state.resetAfter = n; };
  up.close = () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return up;
}
