// An upstream whose next answers the test scripts, for hostile-input tests: one server plays
// every provider (Anthropic /messages, Gemini /models/...:generateContent, Cohere /v2/chat,
// OpenAI /chat/completions). Without a script it answers a short valid reply in the provider's
// shape, so "the gateway is still alive and works" is one request.
//
//   const up = await startScriptedUpstream();
//   up.url                     -> "http://127.0.0.1:PORT"
//   up.next(answer)            -> the next request gets answer = { status, headers, body }
//                                 (body: string or Buffer; headers default to application/json)
//   up.requests                -> [{ method, path, bytes, json? }] (json only for bodies < 1 MB)
//   await up.close()
import http from 'node:http';

export const OK_TEXT = 'scripted ok';

export function defaultAnswer(path) {
  if (path.includes('/messages')) {
    return { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x',
      content: [{ type: 'text', text: OK_TEXT }], stop_reason: 'end_turn',
      usage: { input_tokens: 1, output_tokens: 2 } };
  }
  if (path.includes(':generateContent')) {
    return { candidates: [{ content: { role: 'model', parts: [{ text: OK_TEXT }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 } };
  }
  if (path.includes('/v2/chat') || path.endsWith('/chat')) {
    return { id: 'c1', finish_reason: 'COMPLETE',
      message: { role: 'assistant', content: [{ type: 'text', text: OK_TEXT }] },
      usage: { tokens: { input_tokens: 1, output_tokens: 2 } } };
  }
  return { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: OK_TEXT }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
}

export async function startScriptedUpstream() {
  const queue = [];
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks);
    const entry = { method: req.method, path: req.url, bytes: raw.length };
    if (raw.length < (1 << 20)) { try { entry.json = JSON.parse(raw.toString('utf8')); } catch {} }
    requests.push(entry);
    const a = queue.shift() ?? { status: 200, body: JSON.stringify(defaultAnswer(req.url)) };
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...(a.headers ?? {}) });
    res.end(a.body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    next: (answer) => queue.push(answer),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
