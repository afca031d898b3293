// The agent loop keeps the model's reasoning between turns: with Anthropic extended thinking on
// (reasoning_effort) and a gateway-run MCP tool, the second model call carries the tool_use turn
// with its signed thinking block exactly as the model produced it (the fake answers 400
// invalid_request_error otherwise, as Anthropic does), and the client sees the reasoning —
// streaming and not, through the official OpenAI client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { startMcpFake } from './fakes/mcp_fake.mjs';
import { startThinkingAnthropic, THINKING, SIGNATURE, TOOL_INPUT, ANSWER_PREFIX } from './fakes/anthropic_thinking.mjs';

const TOOL = 'mcp_echo';
const ANSWER = `${ANSWER_PREFIX}echo: ${TOOL_INPUT.message}`;
let anthropic, mcp, gw, client;

before(async () => {
  anthropic = await startThinkingAnthropic({ tool: TOOL });
  mcp = await startMcpFake();
  gw = await startGateway({
    ANTHROPIC_API_URL: anthropic.url,
    ANTHROPIC_API_KEY: 'sk-ant-provider-key',
    MCP_ENABLE: 'true',
    MCP_SERVERS: `fake=${mcp.url}`,
  });
  await gw.waitForLog(/mcp server ready/);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client-key', maxRetries: 0 });
});

after(async () => {
  await gw?.stop();
  await mcp?.close();
  await anthropic?.close();
});

const request = { model: 'anthropic/claude-sonnet-4-5', reasoning_effort: 'low', messages: [{ role: 'user', content: 'Echo "reasoning kept" with the tool.' }] };

// The two model calls of one client request: the tool turn, then the answer. The second carries
// the assistant turn with the thinking block first, byte for byte, before the tool_use.
function assertReplayed(from) {
  const calls = anthropic.requests.slice(from);
  assert.deepEqual(calls.map((r) => r.status), [200, 200], 'both model calls succeed');
  const msgs = calls[1].body.messages;
  const assistant = msgs[msgs.length - 2];
  assert.equal(assistant.role, 'assistant');
  assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: THINKING, signature: SIGNATURE });
  assert.equal(assistant.content.at(-1).type, 'tool_use');
  assert.equal(assistant.content.at(-1).name, TOOL);
  assert.deepEqual(assistant.content.at(-1).input, TOOL_INPUT);
  const result = msgs[msgs.length - 1].content.find((b) => b.type === 'tool_result');
  assert.equal(result.tool_use_id, assistant.content.at(-1).id);
}

test('non-streaming: the tool turn goes back with its signed thinking and the client gets the reasoning', async () => {
  const from = anthropic.requests.length;
  const res = await client.chat.completions.create(request);
  assertReplayed(from);
  assert.equal(res.choices[0].message.content, ANSWER);
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.equal(res.choices[0].message.reasoning_content, THINKING);
  // The signature comes with it, so the client can send the turn back itself.
  assert.equal(res.choices[0].message.reasoning_signature, SIGNATURE);
});

test('streaming: the tool turn goes back with its signed thinking and the client sees the reasoning as it comes', async () => {
  const from = anthropic.requests.length;
  const stream = await client.chat.completions.create({ ...request, stream: true });
  let content = '', reasoning = '', signature = '', finish;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    content += choice.delta?.content ?? '';
    reasoning += choice.delta?.reasoning_content ?? '';
    signature += choice.delta?.reasoning_signature ?? '';
    finish = choice.finish_reason ?? finish;
  }
  assertReplayed(from);
  assert.equal(content, ANSWER);
  assert.equal(reasoning, THINKING);
  assert.equal(signature, SIGNATURE);
  assert.equal(finish, 'stop');
});

test('the fake refuses a tool turn without its thinking block, as Anthropic does', async () => {
  // Direct to the fake: the check the two tests above rely on is real.
  const tools = [{ name: TOOL, input_schema: { type: 'object' } }];
  const turn = [{ type: 'tool_use', id: 'toolu_1', name: TOOL, input: TOOL_INPUT }];
  const body = (assistant) => JSON.stringify({
    model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, tools,
    messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: assistant },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'echo' }] }],
  });
  const post = (assistant) => fetch(`${anthropic.url}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(assistant) });
  let res = await post(turn);
  assert.equal(res.status, 400);
  let err = await res.json();
  assert.equal(err.error.type, 'invalid_request_error');
  assert.match(err.error.message, /Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
  res = await post([{ type: 'thinking', thinking: THINKING, signature: 'forged' }, ...turn]);
  assert.equal(res.status, 400);
  err = await res.json();
  assert.match(err.error.message, /Invalid `signature` in `thinking` block/);
  res = await post([{ type: 'thinking', thinking: THINKING, signature: SIGNATURE }, ...turn]);
  assert.equal(res.status, 200);
});
