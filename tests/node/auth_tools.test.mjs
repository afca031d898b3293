// Authentication and the agent loop (issue #12): the caller's credential never reaches an MCP
// server or an A2A agent, nor the provider. The real gateway with AUTH_ENABLED=true runs its tool
// loop for a caller holding a gateway key; the MCP server (official SDK) and the A2A agent
// (@a2a-js/sdk) record every HTTP request they get, headers included.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { request } from './helpers/http.mjs';
import { startMcpFake } from './fakes/mcp_fake.mjs';
import { startToolLlm } from './fakes/tool_llm.mjs';
import { startA2aAgent } from './fakes/a2a_agents.mjs';

const ADMIN_KEY = `igw-admin-${crypto.randomBytes(18).toString('base64url')}`;
const PROVIDER_KEY = 'sk-provider-key';

let tmp, llm, mcp, agent, gw, key, calcTool;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'igw-auth-tools-'));
  llm = await startToolLlm();
  mcp = await startMcpFake();
  agent = await startA2aAgent({ name: 'Calc Agent', version: '1.0', streaming: false });
  gw = await startGateway({
    AUTH_ENABLED: 'true',
    AUTH_ADMIN_KEY: ADMIN_KEY,
    DATABASE_URL: `sqlite://${tmp}/gateway.db`,
    OPENAI_API_URL: llm.url,
    OPENAI_API_KEY: PROVIDER_KEY,
    MCP_ENABLE: 'true',
    MCP_SERVERS: mcp.url,
    A2A_ENABLE: 'true',
    A2A_EXPOSE: 'true',
    A2A_AGENTS: agent.url,
  });
  await Promise.all([gw.waitForLog(/mcp server ready/), gw.waitForLog(/a2a agent ready/)]);
  const created = await request(gw.url, {
    method: 'POST', path: '/admin/keys', body: { name: 'tools', team: 'agents' },
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  assert.equal(created.status, 201, created.text);
  key = created.json.key;
  const agents = await request(gw.url, { path: '/v1/a2a/agents', headers: { authorization: `Bearer ${key}` } });
  assert.equal(agents.status, 200, agents.text);
  calcTool = agents.json.data[0].skills.find((s) => s.id === 'calc').tool;
});

after(async () => {
  await gw?.stop();
  await agent?.close();
  await mcp?.close();
  await llm?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// Every header value a server received, lower-cased names.
const headerValues = (reqs) => reqs.flatMap((r) => Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));

for (const [label, headers] of [
  ['Authorization: Bearer', (k) => ({ authorization: `Bearer ${k}` })],
  ['x-api-key', (k) => ({ 'x-api-key': k })],
]) {
  test(`a gateway key sent as ${label} runs MCP and A2A tools, and reaches neither of them nor the provider`, async () => {
    const fromMcp = mcp.requests.length;
    const fromAgent = agent.requests.length;
    const fromLlm = llm.requests.length;
    const res = await request(gw.url, {
      method: 'POST', path: '/v1/chat/completions', headers: headers(key),
      body: {
        model: 'openai/tool-model',
        messages: [{ role: 'user', content: `CALL mcp_echo {"message":"ping"}\nCALL ${calcTool} {"input":"calc 2 3"}` }],
      },
    });
    assert.equal(res.status, 200, res.text);
    // Both tools ran: their results went back to the model in the second turn.
    const turns = llm.requests.slice(fromLlm);
    assert.equal(turns.length, 2);
    const toolMsgs = turns[1].body.messages.filter((m) => m.role === 'tool');
    assert.match(toolMsgs[0].content, /echo: ping/);
    assert.match(toolMsgs[1].content, /sum=5/);

    const mcpCalls = mcp.requests.slice(fromMcp);
    const agentCalls = agent.requests.slice(fromAgent);
    assert.ok(mcpCalls.some((r) => r.body?.method === 'tools/call'), 'the MCP server got the tool call');
    assert.ok(agentCalls.some((r) => r.body?.method), 'the A2A agent got the task');
    for (const [name, value] of headerValues([...mcpCalls, ...agentCalls])) {
      assert.ok(!value.includes(key), `header ${name} carried the caller's key`);
      assert.ok(!value.includes(ADMIN_KEY), `header ${name} carried the admin key`);
      assert.notEqual(name, 'x-api-key');
    }
    for (const r of [...mcpCalls, ...agentCalls]) assert.equal(r.headers.authorization, undefined);
    // The provider got its own key on every turn, never the caller's.
    for (const t of turns) {
      assert.equal(t.headers.authorization, `Bearer ${PROVIDER_KEY}`);
      assert.ok(!headerValues([t]).some(([, v]) => v.includes(key)));
    }
  });
}

test('the tool listings need a credential too', async () => {
  for (const p of ['/v1/mcp/tools', '/v1/a2a/agents']) {
    const res = await request(gw.url, { path: p });
    assert.equal(res.status, 401, `${p}: ${res.text}`);
  }
  const agentsBefore = agent.requests.length;
  const mcpBefore = mcp.requests.length;
  const res = await request(gw.url, {
    method: 'POST', path: '/v1/chat/completions', headers: { authorization: 'Bearer sk-igw-not-a-real-key' },
    body: { model: 'openai/tool-model', messages: [{ role: 'user', content: 'CALL mcp_echo {"message":"x"}' }] },
  });
  assert.equal(res.status, 401);
  // A refused caller makes no tool call.
  assert.equal(mcp.requests.slice(mcpBefore).filter((r) => r.body?.method === 'tools/call').length, 0);
  assert.equal(agent.requests.length, agentsBefore);
});
