// One agent loop for every kind of tool: MCP tools (server-everything over Streamable HTTP), A2A
// skills (an @a2a-js/sdk agent) and the client's own tools in the same request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { startEverything } from './helpers/servers.mjs';
import { startToolLlm } from './fakes/tool_llm.mjs';
import { startA2aAgent } from './fakes/a2a_agents.mjs';

let llm, everything, agent, gw, client, calcTool;

before(async () => {
  llm = await startToolLlm();
  everything = await startEverything();
  agent = await startA2aAgent({ name: 'Calc Agent', version: '1.0', streaming: false });
  gw = await startGateway({
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: 'sk-provider-key',
    MCP_ENABLE: 'true',
    MCP_SERVERS: everything.url,
    A2A_ENABLE: 'true',
    A2A_EXPOSE: 'true',
    A2A_AGENTS: agent.url,
  });
  await Promise.all([gw.waitForLog(/mcp server ready/), gw.waitForLog(/a2a agent ready/)]);
  const agents = await (await fetch(`${gw.url}/v1/a2a/agents`)).json();
  calcTool = agents.data[0].skills.find((s) => s.id === 'calc').tool;
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client-key', maxRetries: 0 });
});

after(async () => {
  await gw?.stop();
  everything?.stop();
  await agent?.close();
  await llm?.close();
});

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

test('MCP tools, A2A skills and client tools are offered together, in one list', async () => {
  assert.match(calcTool, /^a2a_calc_agent_calc$/);
  const from = llm.requests.length;
  await client.chat.completions.create({
    model: 'openai/tool-model',
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'hi' }],
  });
  const names = llm.requests[from].body.tools.map((t) => t.function.name);
  assert.equal(names[0], 'get_weather');
  assert.ok(names.includes('mcp_get-sum'));
  assert.ok(names.includes(calcTool));
});

test('one turn calling an MCP tool and an A2A skill runs both; a later client tool call goes back', async () => {
  const from = llm.requests.length;
  const res = await client.chat.completions.create({
    model: 'openai/tool-model',
    tools: [weatherTool],
    messages: [{
      role: 'user',
      content: `CALL mcp_get-sum {"a":30,"b":12}\nCALL ${calcTool} {"input":"calc 2 3"}\nTHEN\nCALL get_weather {"city":"Bern"}`,
    }],
  });
  const reqs = llm.requests.slice(from);
  assert.equal(reqs.length, 2);
  const toolMsgs = reqs[1].body.messages.filter((m) => m.role === 'tool');
  assert.equal(toolMsgs.length, 2);
  assert.match(toolMsgs[0].content, /\b42\b/);
  assert.match(toolMsgs[1].content, /sum=5/);
  assert.deepEqual(res.choices[0].message.tool_calls.map((c) => c.function.name), ['get_weather']);
  // The agent got the gateway's bypass headers, and nothing of the client's credentials.
  const sent = agent.requests.filter((r) => r.body?.method);
  assert.ok(sent.length > 0);
  for (const r of sent) {
    assert.equal(r.headers.authorization, undefined);
    assert.equal(r.headers['x-a2a-bypass'], 'true');
  }
});

test('X-A2A-Bypass leaves the skills out but keeps MCP tools', async () => {
  const from = llm.requests.length;
  await client.chat.completions.create(
    { model: 'openai/tool-model', messages: [{ role: 'user', content: 'hi' }] },
    { headers: { 'X-A2A-Bypass': 'true' } },
  );
  const names = llm.requests[from].body.tools.map((t) => t.function.name);
  assert.ok(names.includes('mcp_get-sum'));
  assert.ok(!names.some((n) => n.startsWith('a2a_')));
});
