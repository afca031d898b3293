// A stdio MCP server (official SDK). `environment` answers with the names of the environment
// variables it was started with (the gateway must give tool servers a clean environment, never
// its provider keys); `pid` with its process id; `crash` exits mid-call; `fds` with what its
// open file descriptors point at (it must inherit no socket of the gateway's).
import fs from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ListToolsRequestSchema, CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'mcp-stdio-env', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    { name: 'environment', description: 'Names of the environment variables', inputSchema: { type: 'object', properties: {} } },
    { name: 'pid', description: 'The process id', inputSchema: { type: 'object', properties: {} } },
    { name: 'fds', description: 'Targets of the open file descriptors', inputSchema: { type: 'object', properties: {} } },
    { name: 'crash', description: 'Exits the process mid-call', inputSchema: { type: 'object', properties: {} } },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (req) => {
  if (req.params.name === 'pid') return { content: [{ type: 'text', text: String(process.pid) }] };
  if (req.params.name === 'crash') process.exit(3);
  if (req.params.name === 'fds') {
    const fds = {};
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      try { fds[fd] = fs.readlinkSync(`/proc/self/fd/${fd}`); } catch { /* the readdir's own fd */ }
    }
    return { content: [{ type: 'text', text: JSON.stringify(fds) }] };
  }
  return { content: [{ type: 'text', text: JSON.stringify(Object.keys(process.env).sort()) }] };
});
process.stderr.write('mcp-stdio-env up\n');
await server.connect(new StdioServerTransport());
