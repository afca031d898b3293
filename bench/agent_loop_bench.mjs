// The agent loop's own cost: one chat request whose model calls one MCP tool (server-everything's
// echo over Streamable HTTP) through the gateway, against doing the same three calls directly
// (model, tool with the official MCP SDK client, model again) from the client. Same machine, same
// fakes, one run: the difference is what the gateway adds for running the loop for the client.
//
//   node bench/agent_loop_bench.mjs [iterations]      (GATEWAY_BIN as for the node tests)
// Prints a markdown table; bench/run.sh appends it to the report.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeDir = path.join(here, '../tests/node');
const require = createRequire(path.join(nodeDir, 'package.json'));
const { startGateway } = await import(path.join(nodeDir, 'helpers/gateway.mjs'));
const { startEverything } = await import(path.join(nodeDir, 'helpers/servers.mjs'));
const { startToolLlm } = await import(path.join(nodeDir, 'fakes/tool_llm.mjs'));
const { Client } = await import(require.resolve('@modelcontextprotocol/sdk/client/index.js'));
const { StreamableHTTPClientTransport } = await import(require.resolve('@modelcontextprotocol/sdk/client/streamableHttp.js'));

const N = Number(process.argv[2] || 300);

const everything = await startEverything();
const mcpUrl = everything.url;
const llm = await startToolLlm();
const gw = await startGateway({ OPENAI_API_URL: llm.url, OPENAI_API_KEY: 'k', MCP_ENABLE: 'true', MCP_SERVERS: mcpUrl, LOG_LEVEL: 'info' });
await gw.waitForLog(/mcp server ready/);

const prompt = 'CALL mcp_echo {"message":"bench"}';
const post = async (url, body, headers = {}) => {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return r.json();
};

async function viaGateway() {
  const res = await post(`${gw.url}/v1/chat/completions`, { model: 'openai/m', messages: [{ role: 'user', content: prompt }] });
  if (!res.choices[0].message.content.startsWith('DONE: ')) throw new Error('unexpected answer');
}

const mcp = new Client({ name: 'bench', version: '1' });
await mcp.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
async function direct() {
  const messages = [{ role: 'user', content: prompt }];
  const first = await post(`${llm.url}/chat/completions`, { model: 'm', messages });
  const call = first.choices[0].message.tool_calls[0];
  const result = await mcp.callTool({ name: 'echo', arguments: JSON.parse(call.function.arguments) });
  messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: result.content[0].text });
  const second = await post(`${llm.url}/chat/completions`, { model: 'm', messages });
  if (!second.choices[0].message.content.startsWith('DONE: ')) throw new Error('unexpected answer');
}

async function plainChat() {
  await post(`${gw.url}/v1/chat/completions`, { model: 'openai/m', messages: [{ role: 'user', content: 'hi' }] }, { 'X-MCP-Bypass': 'true' });
}

async function measure(fn) {
  for (let i = 0; i < 30; i++) await fn();  // warm-up: connections, JIT
  const t = [];
  for (let i = 0; i < N; i++) {
    const s = process.hrtime.bigint();
    await fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  t.sort((a, b) => a - b);
  return { p50: t[Math.floor(N * 0.5)], p99: t[Math.floor(N * 0.99)] };
}

// Interleaved rounds, so machine noise hits both sides alike.
const rounds = { gw: [], direct: [], plain: [] };
for (let r = 0; r < 3; r++) {
  rounds.gw.push(await measure(viaGateway));
  rounds.direct.push(await measure(direct));
  rounds.plain.push(await measure(plainChat));
}
const med = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b)[1];
const row = (name, xs) => `| ${name} | ${med(xs, 'p50').toFixed(2)} | ${med(xs, 'p99').toFixed(2)} |`;
console.log(`### Agent loop (${N} sequential requests per round, median of 3 rounds, ms)\n`);
console.log('| path | p50 | p99 |\n|---|---|---|');
console.log(row('one MCP tool turn through the gateway (2 model calls + 1 tool call)', rounds.gw));
console.log(row('the same three calls made directly by the client', rounds.direct));
console.log(row('plain chat through the gateway (X-MCP-Bypass, 1 model call)', rounds.plain));
console.log(`\nLoop overhead at p50: ${(med(rounds.gw, 'p50') - med(rounds.direct, 'p50')).toFixed(2)} ms per request ` +
  `(gateway/direct ${(med(rounds.gw, 'p50') / med(rounds.direct, 'p50')).toFixed(2)}×).`);

await mcp.close();
await gw.stop();
everything.stop();
await llm.close();
