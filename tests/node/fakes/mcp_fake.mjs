// A small MCP server over Streamable HTTP, built on the official SDK (low-level Server +
// StreamableHTTPServerTransport), for the gateway's MCP client tests. It records every HTTP
// request (method, headers, JSON-RPC body), paginates tools/list, can add a tool at run time
// (announced with notifications/tools/list_changed), and misbehaves on request.
//
//   const fake = await startMcpFake({ tools: 250, pageSize: 40 });
//   fake.url            -> "http://127.0.0.1:PORT/mcp"
//   fake.requests       -> [{ method, headers, body }]   every HTTP request
//   fake.addTool(name)  -> adds a tool and notifies every session
//   fake.pingClients()  -> server-to-client ping on every session
//   fake.forgetSessions() -> later requests with a session id get 404
//   await fake.close()
//
// Tools: echo {message} -> "echo: <message>"; broken -> the HTTP answer is not JSON-RPC;
// slow {ms} -> answers after ms (never without ms);
// tool_<n> (options.tools of them) -> "tool <n>".
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema, CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export async function startMcpFake({ tools = 0, pageSize = 0, port = 0 } = {}) {
  const requests = [];
  const list = [
    { name: 'echo', description: 'Echoes a message', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
    { name: 'broken', description: 'Answers with garbage', inputSchema: { type: 'object', properties: {} } },
    { name: 'slow', description: 'Answers after ms milliseconds (never without)', inputSchema: { type: 'object', properties: { ms: { type: 'number' } } } },
  ];
  for (let i = 0; i < tools; i++) list.push({ name: `tool_${i}`, description: `Tool number ${i}`, inputSchema: { type: 'object', properties: {} } });
  const sessions = new Map(); // id -> { transport, server }

  function newServer() {
    const server = new Server({ name: 'mcp-fake', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    server.setRequestHandler(ListToolsRequestSchema, async (req) => {
      if (!pageSize) return { tools: list };
      const start = Number(req.params?.cursor ?? 0);
      const page = list.slice(start, start + pageSize);
      const next = start + pageSize < list.length ? String(start + pageSize) : undefined;
      return next ? { tools: page, nextCursor: next } : { tools: page };
    });
    server.setRequestHandler(CallToolRequestSchema, async (req) => {
      const { name, arguments: args } = req.params;
      if (name === 'echo') return { content: [{ type: 'text', text: `echo: ${args?.message}` }] };
      if (name === 'slow') {
        await new Promise((r) => { if (args?.ms) setTimeout(r, args.ms); });
        return { content: [{ type: 'text', text: 'slow done' }] };
      }
      const m = /^tool_(\d+)$/.exec(name);
      if (m) return { content: [{ type: 'text', text: `tool ${m[1]}` }] };
      if (list.some((t) => t.name === name)) return { content: [{ type: 'text', text: `ran ${name}` }] };
      return { content: [{ type: 'text', text: `unknown tool ${name}` }], isError: true };
    });
    return server;
  }

  const httpServer = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body;
    try { body = raw ? JSON.parse(raw) : undefined; } catch { body = raw; }
    requests.push({ method: req.method, headers: { ...req.headers }, body });
    if (req.method === 'POST' && body?.method === 'tools/call' && body?.params?.name === 'broken') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":' + JSON.stringify(body.id) + ',"result":{"content":[');
      return;
    }
    const sid = req.headers['mcp-session-id'];
    let entry = sid ? sessions.get(sid) : undefined;
    if (!entry) {
      if (req.method === 'POST' && body?.method === 'initialize') {
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => sessions.set(id, entry),
        });
        const server = newServer();
        entry = { transport, server };
        transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
        await server.connect(transport);
      } else {
        res.writeHead(sid ? 404 : 400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no such session' } }));
        return;
      }
    }
    await entry.transport.handleRequest(req, res, body);
  });
  await new Promise((r) => httpServer.listen(port, '127.0.0.1', r));
  const actual = httpServer.address().port;

  return {
    url: `http://127.0.0.1:${actual}/mcp`,
    port: actual,
    requests,
    sessions,
    async addTool(name) {
      list.push({ name, description: `Added ${name}`, inputSchema: { type: 'object', properties: {} } });
      await Promise.all([...sessions.values()].map((s) => s.server.sendToolListChanged().catch(() => {})));
    },
    // Server-to-client ping on every session (over the client's GET stream): resolves with
    // the results, rejects if a client does not answer.
    async pingClients() {
      return Promise.all([...sessions.values()].map((s) => s.server.ping()));
    },
    // Forgets every session, as a restarted server would: the next request gets 404.
    forgetSessions() { sessions.clear(); },
    async close() {
      for (const s of sessions.values()) await s.transport.close().catch(() => {});
      httpServer.closeAllConnections?.();
      await new Promise((r) => httpServer.close(r));
    },
  };
}
