// A fake Azure OpenAI resource, following Azure's documented data-plane wire format
// (learn.microsoft.com/azure/ai-foundry/openai/reference): the deployment in the URL,
// api-version in the query, the key in an `api-key` header.
//
//   const az = await startFakeAzure({ deployments: { 'my-gpt4o': 'gpt-4o-2024-08-06' } });
//   az.url -> "http://127.0.0.1:PORT" (the resource endpoint); az.requests; await az.close()
//
// POST /openai/deployments/{d}/chat/completions: "Hello from {d}" as a chat.completion with
//   Azure's prompt_filter_results / content_filter_results; streamed: Azure's first chunk with
//   empty choices and prompt_filter_results, one chunk per word, the finish chunk, the usage
//   chunk when stream_options.include_usage, then [DONE].
// POST /openai/deployments/{d}/embeddings and /completions: OpenAI's shapes.
// GET /openai/models: the models the resource can deploy (Azure's "Models - List").
// POST /openai/v1/responses: the Responses API on Azure's v1 surface (learn.microsoft.com/azure/
//   ai-foundry/openai/api-version-lifecycle): the deployment named as "model" in the body, no
//   dated api-version (one is refused with 400; "preview" and "latest" are accepted). Answers
//   "Hello from {d}" as a Response object, or streamed as the documented events; rec.sent holds
//   the exact bytes.
// A wrong key answers 401, an unknown deployment 404 DeploymentNotFound, a missing api-version
// 404 as Azure does (error bodies in Azure's {"error":{"code","message"}} shape).
import http from 'node:http';

export const AZURE_KEY = 'az-key-123';

export const azureResponseText = (deployment) => `Hello from ${deployment}`;

// POST /openai/v1/responses: a Response object (or its event stream) for `deployment`.
function azureResponses(res, rec, body, deployment) {
  const text = azureResponseText(deployment);
  const pieces = ['Hello', ' from', ` ${deployment}`];
  const usage = { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: pieces.length, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 11 + pieces.length };
  const shell = (status) => ({
    id: 'resp_az1', object: 'response', created_at: 1_723_075_300, status, error: null, incomplete_details: null,
    instructions: body.instructions ?? null, max_output_tokens: null, model: deployment, output: [], parallel_tool_calls: true,
    previous_response_id: null, reasoning: { effort: null, summary: null }, store: body.store ?? true, temperature: 1.0,
    text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1.0, truncation: 'disabled', usage: null, user: null, metadata: {},
  });
  const part = (t) => ({ type: 'output_text', annotations: [], logprobs: [], text: t });
  const item = (status, content) => ({ id: 'msg_az1', type: 'message', status, content, role: 'assistant' });
  const done = { ...shell('completed'), output: [item('completed', [part(text)])], usage };
  if (!body.stream) {
    const s = JSON.stringify(done);
    rec.sent = s;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), 'apim-request-id': 'azure-req-1' });
    res.end(s);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let seq = 0;
  rec.sent = '';
  const send = (type, fields) => {
    const bytes = `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: seq++ })}\n\n`;
    rec.sent += bytes;
    res.write(bytes);
  };
  send('response.created', { response: shell('in_progress') });
  send('response.in_progress', { response: shell('in_progress') });
  send('response.output_item.added', { output_index: 0, item: item('in_progress', []) });
  send('response.content_part.added', { item_id: 'msg_az1', output_index: 0, content_index: 0, part: part('') });
  for (const delta of pieces) send('response.output_text.delta', { item_id: 'msg_az1', output_index: 0, content_index: 0, delta, logprobs: [] });
  send('response.output_text.done', { item_id: 'msg_az1', output_index: 0, content_index: 0, text, logprobs: [] });
  send('response.content_part.done', { item_id: 'msg_az1', output_index: 0, content_index: 0, part: part(text) });
  send('response.output_item.done', { output_index: 0, item: item('completed', [part(text)]) });
  send('response.completed', { response: done });
  res.end();
}

export async function startFakeAzure(options = {}) {
  const deployments = options.deployments ?? { 'my-gpt4o': 'gpt-4o-2024-08-06' };
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body;
    try { body = rawBody ? JSON.parse(rawBody) : undefined; } catch { body = undefined; }
    const u = new URL(req.url, 'http://fake');
    const rec = { method: req.method, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, rawBody, body };
    requests.push(rec);
    const json = (status, obj) => {
      const s = JSON.stringify(obj);
      rec.sent = s;
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), 'apim-request-id': 'azure-req-1' });
      res.end(s);
    };
    const azureError = (status, code, message) => json(status, { error: { code, message } });

    if (req.headers['api-key'] !== AZURE_KEY) {
      return azureError(401, '401', 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.');
    }
    if (req.headers.authorization !== undefined) return azureError(400, 'BadRequest', 'unexpected Authorization header');
    if (req.method === 'GET' && u.pathname === '/openai/models') {
      if (!u.searchParams.get('api-version')) return azureError(404, '404', 'Resource not found');
      return json(200, { object: 'list', data: [
        { id: 'gpt-4o-2024-08-06', object: 'model', created_at: 1723075200, status: 'succeeded', capabilities: { chat_completion: true, completion: false, embeddings: false, fine_tune: true, inference: true }, lifecycle_status: 'generally-available' },
        { id: 'text-embedding-3-small', object: 'model', created_at: 1706140800, status: 'succeeded', capabilities: { chat_completion: false, completion: false, embeddings: true, fine_tune: false, inference: true }, lifecycle_status: 'generally-available' },
      ] });
    }
    if (req.method === 'POST' && u.pathname === '/openai/v1/responses') {
      const v = u.searchParams.get('api-version');
      if (v !== null && v !== 'preview' && v !== 'latest') {
        return azureError(400, 'BadRequest', `API version not supported: the v1 API takes no dated api-version (got ${v})`);
      }
      if (!body) return azureError(400, 'BadRequest', 'invalid JSON body');
      const deployment = body.model;
      if (!deployments[deployment]) {
        return azureError(404, 'DeploymentNotFound', 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.');
      }
      return azureResponses(res, rec, body, deployment);
    }
    const m = u.pathname.match(/^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings|completions)$/);
    if (req.method !== 'POST' || !m) return azureError(404, '404', 'Resource not found');
    if (!u.searchParams.get('api-version')) return azureError(404, '404', 'Resource not found');
    const deployment = decodeURIComponent(m[1]);
    const model = deployments[deployment];
    if (!model) {
      return azureError(404, 'DeploymentNotFound', 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.');
    }
    if (!body) return azureError(400, 'BadRequest', 'invalid JSON body');
    const created = 1_723_075_300;
    const filters = { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } };
    if (m[2] === 'embeddings') {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return json(200, { object: 'list', model: 'text-embedding-3-small', data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: [i + 0.5, 0.25] })), usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 } });
    }
    if (m[2] === 'completions') {
      return json(200, { id: 'cmpl-az1', object: 'text_completion', created, model, choices: [{ text: `completed by ${deployment}`, index: 0, logprobs: null, finish_reason: 'stop', content_filter_results: filters }], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } });
    }
    const words = ['Hello', ' from', ` ${deployment}`];
    const usage = { prompt_tokens: 9, completion_tokens: words.length, total_tokens: 9 + words.length };
    if (!body.stream) {
      return json(200, {
        id: 'chatcmpl-az1', object: 'chat.completion', created, model, system_fingerprint: 'fp_az',
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: filters }],
        choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: words.join(''), refusal: null }, content_filter_results: filters }],
        usage,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    send({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: filters }] });
    const base = { id: 'chatcmpl-az2', object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_az' };
    words.forEach((w, i) => send({ ...base, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: w } : { content: w }, finish_reason: null, logprobs: null, content_filter_results: filters }] }));
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }] });
    if (body.stream_options?.include_usage) send({ ...base, choices: [], usage });
    res.end('data: [DONE]\n\n');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
