// POST /v1/responses (issue #18): OpenAI's Responses API, with the official openai SDK as the
// client (responses.create, responses.stream, create({ stream: true })).
//   - Byte for byte to OpenAI and to Azure OpenAI's v1 surface: the client gets exactly what the
//     provider sent (objects and event streams), only "model" renamed upstream; usage read on the
//     side shows in the token metrics.
//   - Through the bridge onto chat for Anthropic and Gemini: text, function tool calls and their
//     results, reasoning, the streamed event sequence and its final usage, and what the bridge
//     refuses (previous_response_id, built-in tools) as a 400.
//   - The same filters as chat: ALLOWED_MODELS, request metrics.
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway.mjs';
import { request, eventually, assertErrorShape } from './helpers/http.mjs';
import { scrapeMetrics } from './helpers/prom.mjs';
import { startFakeOpenAIApi, RESPONSE_TEXT, RESPONSE_PIECES, responseUsage } from './fakes/openai_api_upstream.mjs';
import { startFakeAzure, AZURE_KEY, azureResponseText } from './fakes/azure_upstream.mjs';
import * as ant from './fakes/anthropic_upstream.mjs';
import * as gem from './fakes/gemini_generic.mjs';

const KEYS = { anthropic: 'sk-ant-up', google: 'AIza-up' };
let oai, az, upAnt, upGem, gw;

before(async () => {
  oai = await startFakeOpenAIApi();
  az = await startFakeAzure({ deployments: { 'my-gpt4o': 'gpt-4o-2024-08-06' } });
  upAnt = await ant.startFakeAnthropic({ apiKey: KEYS.anthropic });
  upGem = await gem.startFakeGemini({ apiKey: KEYS.google });
  gw = await startGateway({
    OPENAI_API_URL: oai.url, OPENAI_API_KEY: 'sk-openai',
    AZURE_API_URL: az.url, AZURE_API_KEY: AZURE_KEY,
    ANTHROPIC_API_URL: upAnt.url, ANTHROPIC_API_KEY: KEYS.anthropic,
    GOOGLE_API_URL: upGem.url, GOOGLE_API_KEY: KEYS.google,
    ALLOWED_MODELS: 'gpt-4.1,gpt-4o-mini,cut-stream,error-429,my-gpt4o,claude-sonnet-4-5,gemini-2.5-flash',
    TELEMETRY_ENABLE: 'true', TELEMETRY_METRICS_PORT: '0',
  });
});
after(async () => {
  await gw?.kill();
  await oai?.close();
  await az?.close();
  await upAnt?.close();
  await upGem?.close();
});

const client = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-secret-never-forwarded', maxRetries: 0 });
let n = 0;
const uniq = () => `u${++n}x${Date.now()}`;

// SSE text -> [{ event, data }] (data parsed).
function parseSse(text) {
  return text.split('\n\n').filter(Boolean).map((block) => {
    const lines = block.split('\n');
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    return { event, data: JSON.parse(data) };
  });
}

// Every event of a Responses stream, as the SDK yields them.
async function collect(stream) {
  const events = [];
  for await (const e of stream) events.push(e);
  return events;
}

// The documented shape of one streamed response: response.created, response.in_progress, each
// output item added -> its content -> done, then one terminal event; sequence_number from 0.
function assertEventGrammar(events) {
  const types = events.map((e) => e.type);
  assert.deepEqual(types.slice(0, 2), ['response.created', 'response.in_progress'], types.join(','));
  assert.ok(['response.completed', 'response.incomplete'].includes(types.at(-1)), types.join(','));
  events.forEach((e, i) => assert.equal(e.sequence_number, i, `sequence_number of ${e.type}`));
  let open = -1;
  for (const e of events.slice(2, -1)) {
    if (e.type === 'response.output_item.added') {
      assert.equal(open, -1, 'one item open at a time');
      open = e.output_index;
    } else if (e.type === 'response.output_item.done') {
      assert.equal(e.output_index, open);
      open = -1;
    } else {
      assert.equal(e.output_index, open, `${e.type} belongs to the open item`);
    }
  }
  assert.equal(open, -1, 'every item is done before the end');
}

// ---------------------------------------------------------------------------------------------
// Byte for byte: OpenAI and Azure OpenAI

test('OpenAI: responses.create goes byte for byte, model renamed upstream, the client gets the provider\'s bytes', async () => {
  const id = uniq();
  const res = await client().responses.create({
    model: 'openai/gpt-4.1', input: `Tell me a story ${id}`, instructions: 'Be brief.', store: false,
    include: ['reasoning.encrypted_content'], text: { verbosity: 'low' },
  });
  assert.equal(res.output_text, RESPONSE_TEXT);
  assert.equal(res.object, 'response');
  assert.equal(res.model, 'gpt-4.1');
  const rec = await oai.waitForRequest((r) => r.body?.input === `Tell me a story ${id}`);
  assert.equal(rec.path, '/v1/responses');
  assert.equal(rec.headers.authorization, 'Bearer sk-openai');
  assert.ok(!rec.rawBody.includes('client-secret'));
  assert.deepEqual(rec.body, {
    model: 'gpt-4.1', input: `Tell me a story ${id}`, instructions: 'Be brief.', store: false,
    include: ['reasoning.encrypted_content'], text: { verbosity: 'low' },
  });
  // The raw answer is exactly the provider's bytes.
  const raw = await request(gw.url, { method: 'POST', path: '/v1/responses', body: { model: 'openai/gpt-4.1', input: `again ${id}` } });
  assert.equal(raw.status, 200);
  const rec2 = await oai.waitForRequest((r) => r.body?.input === `again ${id}`);
  assert.equal(raw.text, rec2.sent);
  // Stored responses are the provider's business: previous_response_id is passed on.
  await client().responses.create({ model: 'openai/gpt-4.1', input: `follow-up ${id}`, previous_response_id: 'resp_abc' });
  const rec3 = await oai.waitForRequest((r) => r.body?.input === `follow-up ${id}`);
  assert.equal(rec3.body.previous_response_id, 'resp_abc');
});

test('OpenAI: a stream goes through event by event as sent; responses.stream assembles it', async () => {
  const id = uniq();
  const raw = await request(gw.url, { method: 'POST', path: '/v1/responses', body: { model: 'openai/gpt-4.1', input: `raw ${id}`, stream: true } });
  assert.equal(raw.status, 200);
  assert.match(raw.headers['content-type'], /^text\/event-stream/);
  const rec = await oai.waitForRequest((r) => r.body?.input === `raw ${id}`);
  assert.equal(rec.headers.accept, 'text/event-stream');
  assert.equal(rec.body.stream_options, undefined, 'nothing added to a Responses body');
  assert.equal(raw.text, rec.sent);

  const stream = client().responses.stream({ model: 'openai/gpt-4.1', input: `sdk ${id}` });
  const deltas = [];
  stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
  const final = await stream.finalResponse();
  assert.deepEqual(deltas, RESPONSE_PIECES);
  assert.equal(final.output_text, RESPONSE_TEXT);
  assert.deepEqual(final.usage, responseUsage({ input: `sdk ${id}` }));
});

test('OpenAI: usage of objects and streams shows in the token metrics', async () => {
  const before = await scrapeMetrics(gw.metricsUrl);
  const base = {
    prompt: before.get('llm_usage_prompt_tokens_total', { provider: 'openai', model: 'gpt-4o-mini' }) ?? 0,
    completion: before.get('llm_usage_completion_tokens_total', { provider: 'openai', model: 'gpt-4o-mini' }) ?? 0,
  };
  await client().responses.create({ model: 'openai/gpt-4o-mini', input: 'one two three' });
  await collect(await client().responses.create({ model: 'openai/gpt-4o-mini', input: 'four five', stream: true }));
  await eventually(async () => {
    const m = await scrapeMetrics(gw.metricsUrl);
    return m.get('llm_usage_prompt_tokens_total', { provider: 'openai', model: 'gpt-4o-mini' }) === base.prompt + 5 &&
      m.get('llm_usage_completion_tokens_total', { provider: 'openai', model: 'gpt-4o-mini' }) === base.completion + 2 * RESPONSE_PIECES.length &&
      m.sum('llm_requests_total', { provider: 'openai', request_path: '/v1/responses' }) >= 2;
  }, { what: 'Responses usage in the token metrics' });
});

test('OpenAI: a stream cut midway ends with an error event the SDK reports; provider errors keep their status', async () => {
  const raw = await request(gw.url, { method: 'POST', path: '/v1/responses', body: { model: 'openai/cut-stream', input: 'x', stream: true } });
  const events = parseSse(raw.text);
  assert.equal(events.at(-1).event, 'error');
  const err = events.at(-1).data;
  assert.equal(err.type, 'error');
  assert.equal(err.sequence_number, events.length - 1);
  assert.match(err.message, /upstream openai/);
  await assert.rejects(client().responses.stream({ model: 'openai/cut-stream', input: 'x' }).finalResponse());
  await assert.rejects(client().responses.create({ model: 'openai/error-429', input: 'x' }), (e) => {
    assert.equal(e.status, 429);
    assert.match(e.message, /Fake upstream error 429/);
    return true;
  });
});

test('Azure OpenAI: its v1 surface, the deployment as model, api-key, no dated api-version; bytes as sent', async () => {
  const res = await client().responses.create({ model: 'azure/my-gpt4o', input: 'hi' });
  assert.equal(res.output_text, azureResponseText('my-gpt4o'));
  const rec = az.requests.at(-1);
  assert.equal(rec.path, '/openai/v1/responses');
  assert.deepEqual(rec.query, {});
  assert.equal(rec.headers['api-key'], AZURE_KEY);
  assert.equal(rec.headers.authorization, undefined);
  assert.deepEqual(rec.body, { model: 'my-gpt4o', input: 'hi' });
  const raw = await request(gw.url, { method: 'POST', path: '/v1/responses', body: { model: 'azure/my-gpt4o', input: 'stream', stream: true } });
  assert.equal(raw.status, 200);
  assert.equal(raw.text, az.requests.at(-1).sent);
  assert.equal(parseSse(raw.text).at(-1).event, 'response.completed');
  const final = await client().responses.stream({ model: 'azure/my-gpt4o', input: 'sdk' }).finalResponse();
  assert.equal(final.output_text, azureResponseText('my-gpt4o'));
  assert.equal(final.usage.total_tokens, 14);
});

// ---------------------------------------------------------------------------------------------
// The bridge: Anthropic and Gemini

test('Anthropic through the bridge: text, instructions as system, max_output_tokens, usage', async () => {
  const res = await client().responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Hi', instructions: 'Be brief.', max_output_tokens: 300 });
  assert.equal(res.object, 'response');
  assert.equal(res.status, 'completed');
  assert.match(res.id, /^resp_/);
  assert.equal(res.model, 'anthropic/claude-sonnet-4-5');
  assert.equal(res.output_text, ant.TEXT);
  assert.equal(res.output.length, 1);
  assert.equal(res.output[0].type, 'message');
  assert.equal(res.instructions, 'Be brief.');
  assert.equal(res.max_output_tokens, 300);
  // Anthropic's input_tokens exclude the cache read; the Responses usage counts them in.
  const u = ant.USAGE;
  assert.deepEqual(res.usage, {
    input_tokens: u.input_tokens + u.cache_read_input_tokens, input_tokens_details: { cached_tokens: u.cache_read_input_tokens },
    output_tokens: u.output_tokens, output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.input_tokens + u.cache_read_input_tokens + u.output_tokens,
  });
  const sent = upAnt.requests.at(-1).body;
  assert.equal(sent.model, 'claude-sonnet-4-5');
  assert.equal(sent.system, 'Be brief.');
  assert.equal(sent.max_tokens, 300);
  assert.deepEqual(sent.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
});

test('Anthropic through the bridge: a function call, then its output sent back as input', async () => {
  const tools = [{ type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } }, required: ['location'] }, strict: false }];
  const input = [{ role: 'user', content: 'Weather in Paris?' }];
  const first = await client().responses.create({ model: 'anthropic/claude-sonnet-4-5', input, tools, tool_choice: 'auto' });
  const call = first.output.find((o) => o.type === 'function_call');
  assert.ok(call, JSON.stringify(first.output));
  assert.equal(call.name, 'get_weather');
  assert.equal(call.call_id, ant.TOOL_USE.id);
  assert.deepEqual(JSON.parse(call.arguments), ant.TOOL_USE.input);
  assert.equal(first.output_text, ant.TOOL_PREAMBLE);
  const sentTools = upAnt.requests.at(-1).body.tools;
  assert.deepEqual(sentTools.map((t) => [t.name, t.input_schema]), [['get_weather', tools[0].parameters]]);

  // The round trip, the way Responses clients without stored responses do it.
  await client().responses.create({
    model: 'anthropic/claude-sonnet-4-5', tools,
    input: [...input, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: '18 °C, sunny' }],
  });
  const msgs = upAnt.requests.at(-1).body.messages;
  assert.equal(msgs.length, 3);
  assert.deepEqual(msgs[1], {
    role: 'assistant',
    content: [{ type: 'text', text: ant.TOOL_PREAMBLE }, { type: 'tool_use', id: ant.TOOL_USE.id, name: 'get_weather', input: ant.TOOL_USE.input }],
  });
  assert.deepEqual(msgs[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: ant.TOOL_USE.id, content: '18 °C, sunny' }] });
});

test('Anthropic through the bridge: reasoning comes back as a reasoning item and round-trips with its signature', async () => {
  const res = await client().responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Hi', reasoning: { effort: 'low' } });
  assert.equal(upAnt.requests.at(-1).body.thinking?.type, 'enabled');
  assert.equal(res.output[0].type, 'reasoning');
  assert.deepEqual(res.output[0].summary, [{ type: 'summary_text', text: ant.THINKING }]);
  assert.equal(res.output[0].encrypted_content, ant.THINKING_SIGNATURE);
  assert.equal(res.output_text, ant.TEXT);
  await client().responses.create({
    model: 'anthropic/claude-sonnet-4-5', reasoning: { effort: 'low' },
    input: [{ role: 'user', content: 'Hi' }, ...res.output, { role: 'user', content: 'More?' }],
  });
  const assistant = upAnt.requests.at(-1).body.messages[1];
  assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: ant.THINKING, signature: ant.THINKING_SIGNATURE });
});

test('Anthropic through the bridge, streamed: the documented event sequence, text, call arguments and final usage', async () => {
  const stream = client().responses.stream({ model: 'anthropic/claude-sonnet-4-5', input: 'Hi', reasoning: { effort: 'low' } });
  const events = [];
  stream.on('event', (e) => events.push(e));
  const final = await stream.finalResponse();
  assertEventGrammar(events);
  const types = events.map((e) => e.type);
  assert.ok(types.includes('response.reasoning_summary_text.delta'), types.join(','));
  assert.equal(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), ant.TEXT);
  assert.equal(final.output_text, ant.TEXT);
  assert.equal(final.output[0].summary[0].text, ant.THINKING);
  assert.equal(events.at(-1).type, 'response.completed');
  assert.equal(final.usage.output_tokens, ant.USAGE.output_tokens);
  assert.equal(final.usage.input_tokens_details.cached_tokens, ant.USAGE.cache_read_input_tokens);

  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } }, strict: false }];
  const raw = await collect(await client().responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Weather?', tools, stream: true }));
  assertEventGrammar(raw);
  const added = raw.find((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call');
  assert.equal(added.item.name, 'get_weather');
  assert.equal(added.item.call_id, ant.TOOL_USE.id);
  const args = raw.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('');
  assert.deepEqual(JSON.parse(args), ant.TOOL_USE.input);
  const done = raw.find((e) => e.type === 'response.function_call_arguments.done');
  assert.equal(done.arguments, args);
  assert.equal(raw.at(-1).response.output.find((o) => o.type === 'function_call').arguments, args);
});

test('Gemini through the bridge: text, a function call round trip, and a stream', async () => {
  const res = await client().responses.create({ model: 'google/gemini-2.5-flash', input: 'Hi' });
  assert.equal(res.output_text, gem.TEXT);
  assert.equal(res.usage.input_tokens, gem.USAGE.promptTokenCount);
  assert.equal(res.usage.output_tokens, gem.USAGE.candidatesTokenCount);

  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } }, strict: false }];
  const first = await client().responses.create({ model: 'google/gemini-2.5-flash', input: 'Weather in Paris?', tools });
  const call = first.output.find((o) => o.type === 'function_call');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), gem.FUNCTION_CALL.args);
  const second = await client().responses.create({
    model: 'google/gemini-2.5-flash', tools,
    input: [{ role: 'user', content: 'Weather in Paris?' }, call, { type: 'function_call_output', call_id: call.call_id, output: '{"temp":18}' }],
  });
  assert.equal(second.output_text, gem.AFTER_TOOL_TEXT);
  const contents = upGem.requests.at(-1).body.contents;
  assert.ok(contents.at(-1).parts.some((p) => p.functionResponse?.name === 'get_weather'), JSON.stringify(contents));

  const events = await collect(await client().responses.create({ model: 'google/gemini-2.5-flash', input: 'Hi', stream: true }));
  assertEventGrammar(events);
  assert.equal(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), gem.TEXT);
  assert.equal(events.at(-1).response.usage.total_tokens, gem.USAGE.totalTokenCount);
});

test('the bridge refuses what it cannot carry with a 400 saying so; nothing goes upstream', async () => {
  const before = upAnt.requests.length;
  await assert.rejects(client().responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'x', previous_response_id: 'resp_1' }), (e) => {
    assert.equal(e.status, 400);
    assert.match(e.message, /previous_response_id .*stored responses/);
    return true;
  });
  const r = await request(gw.url, { method: 'POST', path: '/v1/responses', body: { model: 'anthropic/claude-sonnet-4-5', input: 'x', tools: [{ type: 'web_search' }] } });
  assert.match(assertErrorShape(r, 400).message, /tool type 'web_search' is not supported/);
  assertErrorShape(await request(gw.url, { method: 'POST', path: '/v1/responses', body: '{"model":' }), 400);
  assertErrorShape(await request(gw.url, { method: 'POST', path: '/v1/responses', body: { input: 'x' } }), 400);
  assert.equal(upAnt.requests.length, before);
  // A provider error before the first byte: OpenAI-shaped, with the provider's status.
  await assert.rejects(client().responses.create({ model: 'anthropic/error-429', input: 'x' }), (e) => {
    assert.equal(e.status, 429);
    assert.equal(e.error?.type, 'rate_limit_error');
    return true;
  });
  const get = await request(gw.url, { method: 'GET', path: '/v1/responses' });
  assert.match(assertErrorShape(get, 405).message, /use POST/);
});

test('ALLOWED_MODELS applies to /v1/responses, byte for byte and bridged alike', async () => {
  const beforeOai = oai.requests.length;
  const beforeAnt = upAnt.requests.length;
  for (const model of ['openai/o3', 'anthropic/claude-opus-4']) {
    await assert.rejects(client().responses.create({ model, input: 'x' }), (e) => {
      assert.equal(e.status, 403);
      assert.equal(e.code, 'model_not_allowed');
      return true;
    });
  }
  assert.equal(oai.requests.length, beforeOai);
  assert.equal(upAnt.requests.length, beforeAnt);
  await eventually(async () => {
    const m = await scrapeMetrics(gw.metricsUrl);
    return m.sum('llm_requests_total', { provider: 'anthropic', request_path: '/v1/responses' }) >= 1;
  }, { what: 'bridged Responses requests in the request metrics' });
});
