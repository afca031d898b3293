// A hand-written MCP server (Streamable HTTP, JSON answers) whose one tool, "deep", answers with
// structuredContent nested `depth` levels: a JSON text no SDK can produce (JSON.stringify
// overflows long before), for the gateway's hostile-tool-result tests.
//
//   const mcp = await startDeepMcp({ depth: 80000 });
//   mcp.url -> "http://127.0.0.1:PORT/mcp"; mcp.calls -> tools/call requests seen
//   await mcp.close()
import http from 'node:http';

export async function startDeepMcp({ depth = 80_000 } = {}) {
  const deep = '['.repeat(depth) + ']'.repeat(depth);
  let calls = 0;
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'POST') { res.writeHead(req.method === 'DELETE' ? 200 : 405); res.end(); return; }
    let raw = '';
    for await (const c of req) raw += c;
    let msg;
    try { msg = JSON.parse(raw); } catch { res.writeHead(400); res.end(); return; }
    if (msg.id === undefined) { res.writeHead(202); res.end(); return; } // a notification
    const answer = (result) => {
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'deep-1' });
      res.end(typeof result === 'string' ? result : JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    };
    if (msg.method === 'initialize') {
      return answer({ protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'deep', version: '1.0.0' } });
    }
    if (msg.method === 'tools/list') {
      return answer({ tools: [{ name: 'deep', description: 'Answers deeply nested JSON', inputSchema: { type: 'object', properties: {} } }] });
    }
    if (msg.method === 'tools/call') {
      calls++;
      return answer(`{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{"content":[{"type":"text","text":"deep"}],"structuredContent":{"x":${deep}}}}`);
    }
    answer({});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/mcp`,
    get calls() { return calls; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
