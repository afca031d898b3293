// Routing (ROUTING_ENABLED): model aliases over pools of deployments — strategies, retries before
// the first byte, fallbacks, Retry-After, circuit breaking, hot reload — against fault-injecting
// fakes (fakes/faulty_upstream.mjs), through the real binary and the official SDKs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, runGateway } from './helpers/gateway.mjs';
import { chat, request, eventually } from './helpers/http.mjs';
import { scrapeMetrics } from './helpers/prom.mjs';
import { startFaultyUpstream, CHUNKS } from './fakes/faulty_upstream.mjs';
import { runInfer, tempHome } from './helpers/infer.mjs';
import { loadSpec } from './helpers/openapi.mjs';

const ask = (gw, model, extra = {}) =>
  chat(gw.url, { model, messages: [{ role: 'user', content: 'hi' }], ...extra });

const servedBy = (res) => /served by (\w+)/.exec(res.json?.choices?.[0]?.message?.content ?? '')?.[1];

async function routingFile(text) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'igw-routing-'));
  const file = path.join(dir, 'routing.yaml');
  await fs.writeFile(file, text);
  return file;
}

const dep = (up, extra = '') => `      - provider: openai\n        model: model-${up.name}\n        base_url: ${up.url}\n${extra}`;

async function gateway(yaml, env = {}) {
  const file = await routingFile(yaml);
  const gw = await startGateway({
    OPENAI_API_KEY: 'sk-provider-default',
    ANTHROPIC_API_KEY: 'sk-ant-default',
    ROUTING_ENABLED: 'true',
    ROUTING_CONFIG_PATH: file,
    ROUTING_WATCH_INTERVAL: '0',
    ...env,
  }, { metrics: env.TELEMETRY_ENABLE === 'true' });
  gw.routingFile = file;
  return gw;
}

describe('strategies', () => {
  let a, b, c, gw;
  before(async () => {
    [a, b, c] = await Promise.all(['a', 'b', 'c'].map(startFaultyUpstream));
    gw = await gateway(`models:
  rr:
    strategy: round_robin
    deployments:
${dep(a)}${dep(b)}${dep(c)}
  heavy:
    strategy: weighted
    deployments:
${dep(a, '        weight: 1\n')}${dep(b, '        weight: 3\n')}
  fast:
    strategy: least_latency
    deployments:
${dep(a)}${dep(c)}
  busy:
    strategy: least-busy
    deployments:
${dep(a)}${dep(b)}
`, { SERVER_THREADS: '2' });
  });
  after(async () => { await gw?.stop(); await Promise.all([a, b, c].map((u) => u?.close())); });

  test('round_robin spreads requests evenly and names the deployment in the answer headers', async () => {
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 30; i++) {
      const res = await ask(gw, 'rr');
      assert.equal(res.status, 200, res.text);
      const who = servedBy(res);
      counts[who]++;
      assert.equal(res.headers['x-selected-provider'], 'openai');
      assert.equal(res.headers['x-selected-model'], `model-${who}`);
      assert.equal(res.headers['x-attempted-deployments'], undefined, 'one attempt: no list');
    }
    assert.deepEqual(counts, { a: 10, b: 10, c: 10 });
    // The provider saw its own model name and the gateway's key, never the client's.
    const last = c.requests.at(-1);
    assert.equal(last.body.model, 'model-c');
    assert.equal(last.headers.authorization, 'Bearer sk-provider-default');
  });

  test('weighted follows the weights (1:3 over 400 requests)', async () => {
    const counts = { a: 0, b: 0 };
    const batch = async () => {
      const res = await ask(gw, 'heavy');
      assert.equal(res.status, 200);
      counts[servedBy(res)]++;
    };
    for (let i = 0; i < 40; i++) await Promise.all(Array.from({ length: 10 }, batch));
    const share = counts.b / 400;
    assert.ok(share > 0.67 && share < 0.83, `b served ${counts.b}/400 (expected about 300)`);
  });

  test('least_latency prefers the deployment with the faster first token', async () => {
    a.delayHead(120);
    try {
      const counts = { a: 0, c: 0 };
      for (let i = 0; i < 48; i++) {
        const res = await ask(gw, 'fast');
        assert.equal(res.status, 200);
        counts[servedBy(res)]++;
      }
      // Both are measured at first; after that one pick in 16 re-measures the slow one.
      assert.ok(counts.c >= 40, `fast deployment served ${counts.c}/48`);
      assert.ok(counts.a >= 1, 'the slow deployment was measured at least once');
    } finally {
      a.delayHead(0);
    }
  });

  test('least_busy sends new requests to the deployment with fewer in flight', async () => {
    a.holdNext();
    b.holdNext();
    const first = ask(gw, 'busy');
    const heldOn = await Promise.race([a.held.then(() => a), b.held.then(() => b)]);
    (heldOn === a ? b : a).cancelHold();
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 5; i++) {
      const res = await ask(gw, 'busy');
      assert.equal(res.status, 200);
      counts[servedBy(res)]++;
    }
    heldOn.release();
    const res1 = await first;
    assert.equal(res1.status, 200);
    assert.equal(servedBy(res1), heldOn.name);
    assert.equal(counts[heldOn.name], 0, `busy deployment got ${counts[heldOn.name]} of 5`);
  });
});

describe('retries, fallbacks and the commit point', () => {
  let a, b, down, gw;
  before(async () => {
    [a, b, down] = await Promise.all(['a', 'b', 'down'].map(startFaultyUpstream));
    await down.close();  // its port now refuses connections
    gw = await gateway(`defaults:
  backoff: 10ms
  max_backoff: 50ms
  circuit_breaker: { failures: 100 }
models:
  primary-first:
    strategy: fallback
    deployments:
${dep(b, '        priority: 2\n')}${dep(down, '        priority: 1\n')}
  solo:
    retries: 2
    deployments:
${dep(a)}
  pair:
    strategy: fallback
    retries: 3
    deployments:
${dep(a, '        priority: 1\n')}${dep(b, '        priority: 2\n')}
  slow-first:
    strategy: fallback
    attempt_timeout: 300ms
    deployments:
${dep(a, '        priority: 1\n')}${dep(b, '        priority: 2\n')}
  no-retry:
    retries: 0
    deployments:
${dep(a)}
  only-5xx:
    retry_on: [5xx]
    deployments:
${dep(down)}${dep(b)}
`);
  });
  after(async () => { await gw?.stop(); await Promise.all([a, b].map((u) => u?.close())); });

  test('a deployment that is down falls back to the next by priority', async () => {
    const res = await ask(gw, 'primary-first');
    assert.equal(res.status, 200, res.text);
    assert.equal(servedBy(res), 'b');
    assert.equal(res.headers['x-selected-model'], 'model-b');
    assert.equal(res.headers['x-attempted-deployments'], 'openai/model-down=connect, openai/model-b=200');
  });

  test('a pool of one retries a failing deployment until it is healthy', async () => {
    const before = a.count;
    a.failNext(2, 503);
    const res = await ask(gw, 'solo');
    assert.equal(res.status, 200, res.text);
    assert.equal(a.count - before, 3);
    assert.equal(res.headers['x-attempted-deployments'],
      'openai/model-a=503, openai/model-a=503, openai/model-a=200');
  });

  test('streams are retried before their first byte (official openai SDK)', async () => {
    a.failNext(1, 529);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'solo', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const ev of stream) text += ev.choices[0]?.delta?.content ?? '';
    assert.equal(text, CHUNKS.join(''));
  });

  test('a failure after the first byte is an error event, not a silent switch', async () => {
    a.resetStreamAfter(2);
    const bBefore = b.count;
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const stream = await client.chat.completions.create({ model: 'pair', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      await assert.rejects(async () => {
        for await (const ev of stream) text += ev.choices[0]?.delta?.content ?? '';
      }, /upstream openai/);
      assert.equal(text, CHUNKS[0], 'what was streamed before the cut arrived');
      assert.equal(b.count, bBefore, 'no second deployment after the first byte');
    } finally {
      a.resetStreamAfter(-1);
    }
  });

  test('a slow first byte is an attempt timeout: the next deployment answers', async () => {
    a.delayHead(3000);
    try {
      const t0 = Date.now();
      const res = await ask(gw, 'slow-first');
      assert.equal(res.status, 200, res.text);
      assert.equal(servedBy(res), 'b');
      assert.equal(res.headers['x-attempted-deployments'], 'openai/model-a=timeout, openai/model-b=200');
      assert.ok(Date.now() - t0 < 2500, 'did not wait for the slow deployment');
    } finally {
      a.delayHead(0);
    }
  });

  test('when every attempt fails the client gets the last provider status and message', async () => {
    a.always(503);
    b.always(500);
    try {
      const res = await ask(gw, 'pair');
      assert.equal(res.status, 500);
      assert.match(res.json.error.message, /upstream openai returned 500: deployment failure 500/);
      assert.equal(res.headers['x-attempted-deployments'],
        'openai/model-a=503, openai/model-b=500, openai/model-a=503, openai/model-b=500');
      assert.equal(res.headers['x-selected-model'], 'model-b');
    } finally {
      a.heal();
      b.heal();
    }
  });

  test('retries: 0 and retry_on are honoured', async () => {
    a.failNext(1, 500);
    const res = await ask(gw, 'no-retry');
    assert.equal(res.status, 500);
    const res2 = await ask(gw, 'only-5xx');  // round robin may start on either
    const res3 = await ask(gw, 'only-5xx');
    const statuses = [res2.status, res3.status].sort();
    assert.deepEqual(statuses, [200, 502], 'a connect error is not retried when retry_on is [5xx]');
  });
});

describe('Retry-After', () => {
  let a, b, c, gw;
  before(async () => {
    [a, b, c] = await Promise.all(['a', 'b', 'c'].map(startFaultyUpstream));
    gw = await gateway(`defaults:
  max_retry_after: 5s
  circuit_breaker: { failures: 100 }
models:
  spread:
    deployments:
${dep(a)}${dep(b)}
  alone:
    deployments:
${dep(c)}
  only-a:
    deployments:
${dep(a)}
`);
  });
  after(async () => { await gw?.stop(); await Promise.all([a, b, c].map((u) => u?.close())); });

  test('a 429 with Retry-After sends the request elsewhere at once, and later ones too', async () => {
    a.always(429, { 'retry-after': '30' });
    try {
      const t0 = Date.now();
      for (let i = 0; i < 6; i++) {
        const res = await ask(gw, 'spread');
        assert.equal(res.status, 200, res.text);
        assert.equal(servedBy(res), 'b');
      }
      assert.ok(Date.now() - t0 < 3000, 'nobody slept on the Retry-After');
      assert.equal(a.count, 1, 'the rate-limited deployment is left alone while its Retry-After runs');
    } finally {
      a.heal();
    }
    // An alias whose every deployment is waiting out a Retry-After answers 429 at once, saying
    // how long (the deployment state is shared by every alias that names it).
    const res = await ask(gw, 'only-a');
    assert.equal(res.status, 429);
    assert.match(res.json.error.message, /every deployment of model alias 'only-a' is rate limited/);
    loadSpec().assertResponse('POST', '/v1/chat/completions', res);
    const wait = Number(res.headers['retry-after']);
    assert.ok(wait > 20 && wait <= 30, `Retry-After ${wait}`);
    assert.equal(a.count, 1);
  });

  test('a pool of one waits a short Retry-After; a long one comes back as the 429', async () => {
    c.failNext(1, 429, { 'retry-after': '1' });
    const t0 = Date.now();
    const res = await ask(gw, 'alone');
    assert.equal(res.status, 200, res.text);
    assert.ok(Date.now() - t0 >= 900, 'waited the Retry-After');
    assert.equal(c.count, 2);

    c.failNext(1, 429, { 'retry-after': '60' });
    const t1 = Date.now();
    const res2 = await ask(gw, 'alone');
    assert.equal(res2.status, 429);
    assert.equal(res2.headers['retry-after'], '60', "the provider's Retry-After is passed on");
    assert.ok(Date.now() - t1 < 2000);
  });
});

describe('circuit breaker', () => {
  let a, b, gw;
  before(async () => {
    [a, b] = await Promise.all(['a', 'b'].map(startFaultyUpstream));
    gw = await gateway(`models:
  guarded:
    strategy: fallback
    circuit_breaker: { failures: 3, cooldown: 1s }
    deployments:
${dep(a, '        priority: 1\n')}${dep(b, '        priority: 2\n')}
`, { TELEMETRY_ENABLE: 'true' });
  });
  after(async () => { await gw?.stop(); await Promise.all([a, b].map((u) => u?.close())); });

  const stateOf = async (name) => {
    const m = await scrapeMetrics(gw.metricsUrl);
    return m.get('llm_routing_deployment_state', { alias: 'guarded', provider: 'openai', model: `model-${name}` });
  };

  test('opens after consecutive failures, skips the deployment, then closes after a good probe', async () => {
    a.always(500);
    for (let i = 0; i < 3; i++) {
      const res = await ask(gw, 'guarded');
      assert.equal(res.status, 200);
      assert.equal(servedBy(res), 'b');
    }
    assert.equal(a.count, 3);
    assert.equal(await stateOf('a'), 1, 'open');
    await gw.waitForLog(/circuit opened.*model-a|model-a.*circuit opened/);
    const home = await tempHome();
    const status = await runInfer(['status'], { env: { ...home.env, INFER_GATEWAY_URL: gw.url } });
    assert.match(status.stdout, /\nRouting\n  guarded       fallback       openai\/model-a \(open\), openai\/model-b \(closed\)\n/);
    const statusJson = JSON.parse((await runInfer(['status', '--json'], { env: { ...home.env, INFER_GATEWAY_URL: gw.url } })).stdout);
    assert.deepEqual(statusJson.routing, [{ alias: 'guarded', strategy: 'fallback', deployments: [
      { provider: 'openai', model: 'model-a', state: 'open' }, { provider: 'openai', model: 'model-b', state: 'closed' }] }]);
    const models = await request(gw.url, { path: '/v1/models' });
    const alias = models.json.data.find((m) => m.id === 'guarded');
    assert.equal(alias.routing.strategy, 'fallback');
    assert.deepEqual(alias.routing.deployments.map((d) => d.state), ['open', 'closed']);

    // Open: straight to b, a is not even tried; the access log names the open circuit.
    const res = await ask(gw, 'guarded');
    await gw.waitForLog(new RegExp(`request_id=${res.headers['x-request-id']}.*alias=guarded.*circuits=openai/model-a=open`));
    assert.equal(servedBy(res), 'b');
    assert.equal(res.headers['x-attempted-deployments'], undefined);
    assert.equal(a.count, 3);

    // After the cooldown one request probes a; a healthy answer closes the circuit.
    a.heal();
    await eventually(async () => servedBy(await ask(gw, 'guarded')) === 'a',
      { timeoutMs: 5000, what: 'the probe to reach the healed deployment' });
    assert.equal(await stateOf('a'), 0, 'closed');
    await gw.waitForLog(/circuit closed/);
    const m = await scrapeMetrics(gw.metricsUrl);
    assert.equal(m.get('llm_routing_attempts_total', { alias: 'guarded', provider: 'openai', model: 'model-a', outcome: '5xx' }), 3);
    assert.ok(m.get('llm_routing_attempts_total', { alias: 'guarded', provider: 'openai', model: 'model-b', outcome: 'success' }) >= 4);
  });
});

describe('aliases in the rest of the gateway', () => {
  let a, ant, gw;
  before(async () => {
    [a, ant] = await Promise.all(['a', 'ant'].map(startFaultyUpstream));
    gw = await gateway(`models:
  smart:
    deployments:
${dep(a)}
  claude:
    retries: 1
    deployments:
      - provider: anthropic
        model: claude-up
        base_url: ${ant.url}
        api_key: \${TEAM_ANTHROPIC_KEY}
  blocked:
    deployments:
${dep(a)}
`, {
      TEAM_ANTHROPIC_KEY: 'sk-ant-team',
      OPENAI_API_URL: a.url,
      DISALLOWED_MODELS: 'blocked',
    });
  });
  after(async () => { await gw?.stop(); await Promise.all([a, ant].map((u) => u?.close())); });

  test('/v1/models lists the aliases with their deployments', async () => {
    const res = await request(gw.url, { path: '/v1/models' });
    assert.equal(res.status, 200);
    const ids = res.json.data.map((m) => m.id);
    assert.ok(ids.includes('smart') && ids.includes('claude'));
    assert.ok(!ids.includes('blocked'), 'DISALLOWED_MODELS hides an alias');
    loadSpec().assertResponse('GET', '/v1/models', res);
    const smart = res.json.data.find((m) => m.id === 'smart');
    assert.deepEqual(smart.routing.deployments.map((d) => `${d.provider}/${d.model}`), ['openai/model-a']);
  });

  test('DISALLOWED_MODELS matches the alias name', async () => {
    const res = await ask(gw, 'blocked');
    assert.equal(res.status, 403);
    assert.match(res.json.error.message, /'blocked' is not allowed/);
  });

  test('provider/model and ?provider= bypass routing', async () => {
    const direct = await ask(gw, 'openai/smart');
    assert.equal(direct.status, 200);
    assert.equal(direct.headers['x-selected-provider'], undefined);
    assert.equal(a.requests.at(-1).body.model, 'smart', 'sent as named, not as the alias');
    const routed = await ask(gw, 'smart');
    assert.equal(routed.headers['x-selected-model'], 'model-a');
    const bypass = await chat(gw.url, { model: 'smart', messages: [{ role: 'user', content: 'hi' }] }, { query: '?provider=openai' });
    assert.equal(bypass.status, 200);
    assert.equal(bypass.headers['x-selected-model'], undefined);
  });

  test('an unknown bare model still says how to name one', async () => {
    const res = await ask(gw, 'nonexistent');
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /provider\/model/);
  });

  test('/v1/messages through an alias of Anthropic deployments: byte for byte, retried, own key', async () => {
    ant.failNext(1, 529);
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(msg.content[0].text, 'served by ant');
    const seen = ant.requests.at(-1);
    assert.equal(seen.path, '/v1/messages');
    assert.equal(seen.body.model, 'claude-up');
    assert.equal(seen.headers['x-api-key'], 'sk-ant-team', "the deployment's own key");
    assert.ok(!JSON.stringify(seen.headers).includes('client-key'), "the caller's credential never reaches the provider");
  });

  test('/v1/chat/completions through an alias of a native provider: translated, retried', async () => {
    ant.failNext(1, 529);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.choices[0].message.content, 'served by ant');
    assert.equal(ant.requests.at(-1).path, '/v1/messages', "Anthropic's own API");
  });

  test('/v1/embeddings through an alias: retried like chat; a deployment without embeddings is a 400', async () => {
    const before = a.count;
    a.failNext(1, 503);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const res = await client.embeddings.create({ model: 'smart', input: 'hi', encoding_format: 'float' });
    assert.deepEqual(res.data[0].embedding, [0.5, 1]);
    assert.equal(a.count - before, 2);
    assert.equal(a.requests.at(-1).path, '/v1/embeddings');
    assert.equal(a.requests.at(-1).body.model, 'model-a');
    await assert.rejects(client.embeddings.create({ model: 'claude', input: 'hi' }),
      (err) => err.status === 400 && /model alias 'claude' has deployment 'anthropic\/claude-up', which cannot serve \/v1\/embeddings/.test(err.message));
  });

  test('/v1/messages through an alias of OpenAI deployments is translated', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'smart', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(msg.content[0].text, 'served by a');
    assert.equal(a.requests.at(-1).path, '/v1/chat/completions');
  });
});

describe('hot reload', () => {
  let a, b, gw;
  const fileFor = (target) => `models:
  live:
    deployments:
${dep(target)}
`;
  before(async () => {
    [a, b] = await Promise.all(['a', 'b'].map(startFaultyUpstream));
    gw = await gateway(fileFor(a), { ROUTING_WATCH_INTERVAL: '100ms', SERVER_THREADS: '2' });
  });
  after(async () => { await gw?.stop(); await Promise.all([a, b].map((u) => u?.close())); });

  test('SIGHUP and file changes load a valid file; an invalid one keeps the old and says why', async () => {
    await fs.writeFile(gw.routingFile, fileFor(b));
    await eventually(async () => servedBy(await ask(gw, 'live')) === 'b', { what: 'the changed file to be loaded' });

    await fs.writeFile(gw.routingFile, 'models:\n  live:\n    strategy: fastest\n    deployments: []\n');
    await gw.waitForLog(/routing file not reloaded.*unknown strategy \\"fastest\\"|routing file not reloaded.*unknown strategy "fastest"/);
    assert.equal(servedBy(await ask(gw, 'live')), 'b', 'the previous configuration stays');

    // SIGHUP with the watch unable to tell (same content as the failed one): loads on demand.
    await fs.writeFile(gw.routingFile, fileFor(a));
    gw.signal('SIGHUP');
    await eventually(async () => servedBy(await ask(gw, 'live')) === 'a', { what: 'SIGHUP to load the file' });
  });

  test('reloads under load fail no request', async () => {
    let stop = false;
    let done = 0;
    const failures = [];
    const worker = async () => {
      while (!stop) {
        const res = await ask(gw, 'live');
        done++;
        if (res.status !== 200 || !servedBy(res)) failures.push(`${res.status} ${res.text}`);
      }
    };
    const load = Array.from({ length: 8 }, worker);
    for (let i = 0; i < 10; i++) {
      await fs.writeFile(gw.routingFile, fileFor(i % 2 ? a : b));
      gw.signal('SIGHUP');
      const target = i % 2 ? 'a' : 'b';
      await eventually(async () => servedBy(await ask(gw, 'live')) === target, { what: `reload ${i}` });
    }
    stop = true;
    await Promise.all(load);
    assert.deepEqual(failures, []);
    assert.ok(done > 50, `only ${done} requests ran during the reloads`);
  });
});

describe('start-up', () => {
  test('an invalid routing file stops start-up with the reason', async () => {
    const file = await routingFile('models:\n  x:\n    deployments:\n      - provider: opena\n        model: m\n');
    const r = await runGateway([], { ROUTING_ENABLED: 'true', ROUTING_CONFIG_PATH: file, OPENAI_API_KEY: 'k' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /models\.x\.deployments\[0\]\.provider: unknown provider "opena"/);
  });

  test('a deployment naming an unset environment variable is refused', async () => {
    const file = await routingFile('models:\n  x:\n    deployments:\n      - provider: openai\n        model: m\n        api_key: ${NOT_SET_ANYWHERE}\n');
    const r = await runGateway([], { ROUTING_ENABLED: 'true', ROUTING_CONFIG_PATH: file, OPENAI_API_KEY: 'k' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /environment variable NOT_SET_ANYWHERE is not set/);
  });
});
