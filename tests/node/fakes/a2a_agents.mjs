// Real A2A agents for black-box tests, built with @a2a-js/sdk (the reference implementation the
// gateway must interoperate with). One executor; what it does is chosen by the first word of
// the user's text, so every agent offers the same behaviours as skills:
//
//   echo <text>      answers at once with a Message "echo: <text>"
//   calc <a> <b>     answers at once with a completed Task whose artifact holds "sum=<a+b>"
//   long <ms>        Task stays TASK_STATE_WORKING for <ms>, then completes ("long done")
//   stream           status updates (working, with progress text), one artifact, completes
//   fail             Task fails with the message "boom: the agent failed"
//   ask              Task goes to input-required asking "Which city do you mean?"
//   slow             Task stays working until cancelled (records the id in agent.cancelled)
//
//   const a = await startA2aAgent({ name: 'Calc Agent', version: '1.0', streaming: false,
//                                   cardPath: 'agent-card.json' | 'agent.json', port: 0 });
//   a.url (base URL), a.requests [{ path, headers, body }] (JSON-RPC posts and card fetches),
//   a.cancelled [taskId], await a.waitFor(pred) (a request matching pred, past or future),
//   await a.waitCancelled(), await a.close()
//
// version '0.3' serves the agent through the SDK's v0.3 compatibility layer: the card fetched
// without an A2A-Version header is the 0.3 card (url, preferredTransport, protocolVersion) and
// header-less JSON-RPC requests are handled as 0.3 (message/send, kind-tagged parts). The card
// loses the SDK's supportedInterfaces hint (a pure 0.3 server) unless keepInterfaces is set.
import express from 'express';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { TaskState, Role } from '@a2a-js/sdk';

export const SKILLS = [
  { id: 'echo', name: 'Echo', description: 'Echoes the text back', tags: ['test'], examples: ['echo hello'] },
  { id: 'calc', name: 'Calculator', description: 'Adds two numbers', tags: ['math'], examples: [] },
  { id: 'long', name: 'Long task', description: 'Works for a while, then completes', tags: [], examples: [] },
  { id: 'stream', name: 'Streamer', description: 'Streams progress and an artifact', tags: [], examples: [] },
  { id: 'fail', name: 'Failer', description: 'Always fails', tags: [], examples: [] },
  { id: 'ask', name: 'Asker', description: 'Needs more input', tags: [], examples: [] },
  { id: 'slow', name: 'Slow', description: 'Runs until cancelled', tags: [], examples: [] },
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const textPart = (t) => ({ content: { $case: 'text', value: t }, metadata: undefined, filename: '', mediaType: 'text/plain' });
const agentMsg = (text, taskId, contextId) => ({
  messageId: randomUUID(), contextId, taskId: taskId ?? '', role: Role.ROLE_AGENT, parts: [textPart(text)],
  metadata: undefined, extensions: [], referenceTaskIds: [],
});
const status = (state, text, taskId, contextId) => ({
  state, message: text ? agentMsg(text, taskId, contextId) : undefined, timestamp: new Date().toISOString(),
});

function userText(ctx) {
  const parts = ctx.userMessage?.parts ?? [];
  return parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
}

class Executor {
  constructor(agent) {
    this.agent = agent;
    this.cancelRequested = new Set();
  }

  async execute(ctx, bus) {
    const { taskId, contextId } = ctx;
    const text = userText(ctx).trim();
    const [cmd, ...rest] = text.split(/\s+/);
    const task = (state, msg) => AgentEvent.task({
      id: taskId, contextId, status: status(state, msg, taskId, contextId), artifacts: [], history: [], metadata: undefined,
    });
    const update = (state, msg) => AgentEvent.statusUpdate({ taskId, contextId, status: status(state, msg, taskId, contextId), metadata: undefined });
    const artifact = (name, t) => AgentEvent.artifactUpdate({
      taskId, contextId, append: false, lastChunk: true, metadata: undefined,
      artifact: { artifactId: randomUUID(), name, description: '', parts: [textPart(t)], metadata: undefined, extensions: [] },
    });
    switch (cmd) {
      case 'echo':
        bus.publish(AgentEvent.message(agentMsg(`echo: ${rest.join(' ')}`, undefined, contextId)));
        break;
      case 'calc': {
        bus.publish(task(TaskState.TASK_STATE_WORKING));
        bus.publish(artifact('result', `sum=${rest.map(Number).reduce((a, b) => a + b, 0)}`));
        bus.publish(update(TaskState.TASK_STATE_COMPLETED));
        break;
      }
      case 'long': {
        bus.publish(task(TaskState.TASK_STATE_WORKING, 'started'));
        bus.finished(); // the blocking send returns here; the work continues
        await sleep(Number(rest[0] || 1000));
        await this.agent.finishLater(taskId, 'long done', ctx.context);
        return;
      }
      case 'stream': {
        bus.publish(task(TaskState.TASK_STATE_SUBMITTED));
        for (let i = 1; i <= 3; i++) {
          await sleep(30);
          bus.publish(update(TaskState.TASK_STATE_WORKING, `progress ${i}/3`));
        }
        bus.publish(artifact('report', 'streamed result'));
        bus.publish(update(TaskState.TASK_STATE_COMPLETED, 'all done'));
        break;
      }
      case 'fail':
        bus.publish(task(TaskState.TASK_STATE_WORKING));
        bus.publish(update(TaskState.TASK_STATE_FAILED, 'boom: the agent failed'));
        break;
      case 'ask':
        bus.publish(task(TaskState.TASK_STATE_WORKING));
        bus.publish(update(TaskState.TASK_STATE_INPUT_REQUIRED, 'Which city do you mean?'));
        break;
      case 'slow': {
        bus.publish(task(TaskState.TASK_STATE_WORKING, 'slow started'));
        this.agent.emit('slow-started', taskId);
        for (let i = 0; i < 600 && !this.cancelRequested.has(taskId); i++) await sleep(50);
        if (!this.cancelRequested.has(taskId)) bus.publish(update(TaskState.TASK_STATE_COMPLETED, 'slow done'));
        break;
      }
      default:
        bus.publish(AgentEvent.message(agentMsg(`unknown command: ${text}`, undefined, contextId)));
    }
    bus.finished();
  }

  async cancelTask(taskId, bus) {
    this.cancelRequested.add(taskId);
    this.agent.cancelled.push(taskId);
    this.agent.emit('cancelled', taskId);
    bus.publish(AgentEvent.statusUpdate({
      taskId, contextId: '', status: status(TaskState.TASK_STATE_CANCELED, 'cancelled by client'), metadata: undefined,
    }));
    bus.finished();
  }
}

export async function startA2aAgent({
  name = 'Test Agent', version = '1.0', streaming = false, cardPath = 'agent-card.json', port = 0,
  skills = SKILLS, description = 'An agent for tests', keepInterfaces = false,
} = {}) {
  const agent = new EventEmitter();
  agent.setMaxListeners(50);
  agent.requests = [];
  agent.cancelled = [];
  const app = express();
  let baseUrl = '';
  const server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  baseUrl = `http://127.0.0.1:${server.address().port}`;

  const interfaces = [{ url: baseUrl, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }];
  if (version === '0.3') interfaces.push({ url: baseUrl, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' });
  const card = {
    name, description, version: '1.2.3', supportedInterfaces: interfaces, provider: undefined,
    capabilities: { streaming, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {}, securityRequirements: [], defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'],
    skills: skills.map((s) => ({ ...s, inputModes: [], outputModes: [], securityRequirements: [] })), signatures: [],
  };
  const executor = new Executor(agent);
  const store = new InMemoryTaskStore();
  const handler = new DefaultRequestHandler(card, store, executor);
  // Completes a task after its blocking send returned (the "long" behaviour): write the final
  // state straight into the store, where tasks/get reads it.
  agent.finishLater = async (taskId, text, callCtx) => {
    const t = await store.load(taskId, callCtx);
    if (!t) return;
    t.status = status(TaskState.TASK_STATE_COMPLETED, text, taskId, t.contextId);
    t.artifacts = [{ artifactId: randomUUID(), name: 'result', description: '', parts: [textPart(text)], metadata: undefined, extensions: [] }];
    await store.save(t, callCtx);
  };

  const compat = version === '0.3' ? { legacyCompat: { enabled: true } } : {};
  app.use(express.json());
  app.use((req, _res, next) => {
    const rec = { method: req.method, path: req.path, headers: req.headers, body: req.body };
    agent.requests.push(rec);
    agent.emit('request', rec);
    next();
  });
  if (version === '0.3' && !keepInterfaces) {
    // A pure 0.3 server: its card has no supportedInterfaces (the SDK adds them as a hint for
    // 1.0 clients), so a client must speak 0.3 to it.
    app.use(`/.well-known/${cardPath}`, (req, res, next) => {
      const send = res.send.bind(res);
      res.send = (body) => {
        try {
          const card = JSON.parse(typeof body === 'string' ? body : body.toString());
          delete card.supportedInterfaces;
          res.set('etag', 'pure-03');
          return send(JSON.stringify(card));
        } catch { return send(body); }
      };
      next();
    });
  }
  app.use(`/.well-known/${cardPath}`, agentCardHandler({ agentCardProvider: handler, ...compat }));
  app.use('/', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication, ...compat }));

  agent.url = baseUrl;
  agent.card = card;
  agent.port = server.address().port;
  agent.waitFor = (pred) => new Promise((resolve) => {
    const hit = agent.requests.find(pred);
    if (hit) return resolve(hit);
    const on = (rec) => { if (pred(rec)) { agent.off('request', on); resolve(rec); } };
    agent.on('request', on);
  });
  agent.waitCancelled = () => new Promise((resolve) => {
    if (agent.cancelled.length) return resolve(agent.cancelled[0]);
    agent.once('cancelled', resolve);
  });
  agent.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return agent;
}
