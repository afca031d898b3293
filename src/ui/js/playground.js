// The playground: pick a model (or two, side by side), chat through Chat Completions or the
// Messages API, watch the gateway's tool calls run, copy the request as code.
import { request, getJson, readSse, errorMessage } from './api.js';
import { renderMarkdown } from './markdown.js';
import { snippet } from './snippets.js';

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const columns = [];  // { select, history: [{role, content}], log, head }
let controllers = [];
let busy = false;

function settings() {
  const num = (id) => {
    const v = $(id).value.trim();
    return v === '' ? undefined : Number(v);
  };
  return {
    api: $('api').value,
    system: $('system').value.trim(),
    temperature: num('temperature'),
    max_tokens: num('max-tokens'),
    top_p: num('top-p'),
    stream: $('stream').checked,
    tools: $('gateway-tools').checked,
  };
}

// The request one column sends: body and the headers a user would send too.
function buildRequest(model, history, s) {
  const body = { model };
  if (s.api === 'messages') {
    if (s.system) body.system = s.system;
    body.messages = history.map((m) => ({ role: m.role, content: m.content }));
    body.max_tokens = s.max_tokens ?? 1024;
  } else {
    body.messages = [...(s.system ? [{ role: 'system', content: s.system }] : []),
      ...history.map((m) => ({ role: m.role, content: m.content }))];
    if (s.max_tokens !== undefined) body.max_tokens = s.max_tokens;
  }
  if (s.temperature !== undefined) body.temperature = s.temperature;
  if (s.top_p !== undefined) body.top_p = s.top_p;
  body.stream = s.stream;
  const headers = s.tools ? {} : { 'X-MCP-Bypass': 'true', 'X-A2A-Bypass': 'true' };
  return { api: s.api, body, headers };
}

function scrollDown(log) {
  log.scrollTop = log.scrollHeight;
}

function addMessage(log, role, label) {
  const empty = log.querySelector('.empty');
  if (empty) empty.remove();
  const m = el('div', `msg ${role}`);
  m.append(el('div', 'who-label', label));
  const bubble = el('div', 'bubble');
  m.append(bubble);
  log.append(m);
  scrollDown(log);
  return { m, bubble };
}

// An assistant answer being written: text segments (Markdown) and tool-call blocks, in order.
class Answer {
  constructor(log, model) {
    this.log = log;
    const { m, bubble } = addMessage(log, 'assistant', model);
    this.msg = m;
    this.bubble = bubble;
    this.text = '';        // all text, for the history
    this.segment = null;   // { el, text } of the text being streamed
    this.tools = new Map();
    this.pending = false;
    this.bubble.classList.add('cursor');
    this.started = performance.now();
    this.firstToken = null;
  }

  append(delta) {
    if (!delta) return;
    if (this.firstToken === null) this.firstToken = performance.now();
    this.text += delta;
    if (!this.segment) {
      this.segment = { el: el('div', 'segment'), text: '' };
      this.bubble.append(this.segment.el);
    }
    this.segment.text += delta;
    if (!this.pending) {  // one render per frame however many chunks arrive
      this.pending = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  flush() {
    this.pending = false;
    if (this.segment) this.segment.el.replaceChildren(renderMarkdown(this.segment.text));
    scrollDown(this.log);
  }

  toolCall(e) {
    this.flush();
    this.segment = null;
    const d = el('details', 'tool');
    d.dataset.tool = e.name;
    const summary = el('summary');
    summary.append(el('span', 'tool-kind', e.name.startsWith('a2a_') ? 'A2A' : e.name.startsWith('mcp_') ? 'MCP' : 'tool'), el('strong', '', e.name));
    const status = el('span', 'status running', 'running…');
    summary.append(status);
    d.append(summary, el('h4', '', 'Input'), el('pre', '', pretty(e.arguments)));
    this.bubble.append(d);
    this.tools.set(e.id, { d, status });
    scrollDown(this.log);
  }

  toolResult(e) {
    let t = this.tools.get(e.id);
    if (!t) {
      this.toolCall({ id: e.id, name: e.name, arguments: '' });
      t = this.tools.get(e.id);
    }
    const ms = typeof e.duration_ms === 'number' ? `${e.duration_ms < 10 ? e.duration_ms.toFixed(1) : Math.round(e.duration_ms)} ms` : '';
    t.status.textContent = e.ok ? `done · ${ms}` : `failed (${e.error_type || 'error'}) · ${ms}`;
    t.status.className = `status ${e.ok ? 'ok' : 'failed'}`;
    t.d.append(el('h4', '', e.truncated ? 'Output (cut)' : 'Output'), el('pre', '', e.output ?? ''));
  }

  fail(message) {
    this.flush();
    const err = el('div', 'msg-error error', message);
    err.setAttribute('role', 'alert');
    this.bubble.append(err);
    this.msg.classList.add('failed');
  }

  done(usage) {
    this.flush();
    this.bubble.classList.remove('cursor');
    const total = performance.now() - this.started;
    const parts = [`${(total / 1000).toFixed(2)} s`];
    if (this.firstToken !== null) parts.push(`first token ${Math.round(this.firstToken - this.started)} ms`);
    if (usage) {
      const p = usage.prompt_tokens ?? usage.input_tokens;
      const c = usage.completion_tokens ?? usage.output_tokens;
      if (p !== undefined || c !== undefined) parts.push(`${p ?? '?'} in / ${c ?? '?'} out tokens`);
    }
    if (this.tools.size) parts.push(`${this.tools.size} tool call${this.tools.size > 1 ? 's' : ''}`);
    this.msg.append(el('div', 'meta', parts.join(' · ')));
  }
}

function pretty(text) {
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function onComment(answer, line) {
  const m = /^(tool_call|tool_result) (\{.*\})$/.exec(line);
  if (!m) return;
  let e;
  try {
    e = JSON.parse(m[2]);
  } catch {
    return;
  }
  if (m[1] === 'tool_call') answer.toolCall(e);
  else answer.toolResult(e);
}

async function runColumn(col, s, signal) {
  const model = col.select.value;
  const req = buildRequest(model, col.history, s);
  const answer = new Answer(col.log, model);
  const path = s.api === 'messages' ? '/v1/messages' : '/v1/chat/completions';
  let usage;
  try {
    const res = await request(path, {
      method: 'POST', body: req.body, signal,
      headers: { ...req.headers, ...(s.tools && s.stream ? { 'X-Gateway-Tool-Events': 'true' } : {}) },
    });
    const type = res.headers.get('Content-Type') || '';
    if (!res.ok) {
      const { message } = errorMessage(await res.text(), res.status);
      answer.fail(`HTTP ${res.status}: ${message}`);
    } else if (s.stream && type.includes('text/event-stream')) {
      await readSse(res, {
        onComment: (line) => onComment(answer, line),
        onEvent: ({ event, data }) => {
          if (data === '[DONE]') return;
          let j;
          try {
            j = JSON.parse(data);
          } catch {
            return;
          }
          if (j.error || event === 'error') {
            answer.fail(j.error?.message || 'the stream ended with an error');
            return;
          }
          if (s.api === 'messages') {
            if (j.type === 'content_block_delta' && j.delta?.type === 'text_delta') answer.append(j.delta.text);
            if (j.type === 'message_start') usage = { ...j.message?.usage };
            if (j.type === 'message_delta' && j.usage) usage = { ...usage, ...j.usage };
          } else {
            const delta = j.choices?.[0]?.delta;
            if (delta?.content) answer.append(delta.content);
            if (j.usage) usage = j.usage;
          }
        },
      });
    } else {
      const j = await res.json();
      if (s.api === 'messages') {
        answer.append((j.content || []).filter((b) => b.type === 'text').map((b) => b.text).join(''));
      } else {
        answer.append(j.choices?.[0]?.message?.content || '');
      }
      usage = j.usage;
    }
  } catch (err) {
    if (err.name === 'AbortError') answer.fail('stopped');
    else answer.fail(`request failed: ${err.message}`);
  }
  answer.done(usage);
  if (answer.text) col.history.push({ role: 'assistant', content: answer.text });
  else col.history.pop();  // nothing came back: the question can be asked again
  col.title();
}

function setBusy(b) {
  busy = b;
  $('send').disabled = b;
  $('stop').hidden = !b;
}

async function send() {
  const text = $('message').value;
  if (!text.trim() || busy) return;
  const s = settings();
  const active = columns.filter((c) => c.select.value);
  if (!active.length) return;
  $('message').value = '';
  setBusy(true);
  controllers = active.map(() => new AbortController());
  for (const col of active) {
    col.history.push({ role: 'user', content: text });
    addMessage(col.log, 'user', 'You').bubble.textContent = text;
    col.title();
  }
  await Promise.all(active.map((col, i) => runColumn(col, s, controllers[i].signal)));
  setBusy(false);
  $('message').focus();
}

function makeColumn(select) {
  const col = el('section', 'column');
  const head = el('div', 'column-head');
  const log = el('div', 'log');
  log.setAttribute('aria-live', 'polite');
  log.setAttribute('role', 'log');
  const empty = el('div', 'empty');
  empty.append(el('p', '', 'Pick a model and send a message.'),
    el('p', 'small', 'Answers stream in as they are written; the gateway\'s MCP and A2A tool calls show up with their inputs, outputs and timing.'));
  log.append(empty);
  col.append(head, log);
  const c = { select, history: [], log, head, el: col };
  const title = () => {
    head.replaceChildren(el('strong', '', select.value || 'no model'), el('span', '', `${c.history.length} messages`));
  };
  c.title = title;
  title();
  return c;
}

function layout() {
  const compare = $('compare').checked;
  $('compare-row').hidden = !compare;
  const wanted = compare ? 2 : 1;
  while (columns.length > wanted) columns.pop().el.remove();
  while (columns.length < wanted) {
    const c = makeColumn(columns.length === 0 ? $('model') : $('model-b'));
    columns.push(c);
    $('columns').append(c.el);
  }
  $('columns').setAttribute('aria-label', compare ? 'Two conversations side by side' : 'Conversation');
  for (const c of columns) c.title();
}

function currentRequest() {
  const s = settings();
  const col = columns[0];
  const pending = $('message').value.trim();
  const history = pending ? [...col.history, { role: 'user', content: pending }] : col.history;
  return buildRequest(col.select.value || 'provider/model', history.length ? history : [{ role: 'user', content: 'Hello!' }], s);
}

export async function loadModels() {
  const selects = [$('model'), $('model-b')];
  let ids = [];
  let problem = '';
  try {
    const j = await getJson('/v1/models');
    ids = (j.data || []).map((m) => m.id).sort();
  } catch (err) {
    problem = err.message;
  }
  for (const sel of selects) {
    const keep = sel.value;
    sel.replaceChildren();
    if (!ids.length) {
      const o = el('option', '', problem ? `No models: ${problem}` : 'No models: configure a provider');
      o.value = '';
      sel.append(o);
      continue;
    }
    for (const id of ids) {
      const o = el('option', '', id);
      o.value = id;
      sel.append(o);
    }
    if (ids.includes(keep)) sel.value = keep;
  }
  if (ids.length > 1 && $('model-b').value === $('model').value) $('model-b').value = ids[1];
  for (const c of columns) c.title();
}

export function initPlayground() {
  layout();
  $('settings-toggle').addEventListener('click', () => {
    const open = $('settings').classList.toggle('open');
    $('settings-toggle').setAttribute('aria-expanded', String(open));
    $('settings-toggle').textContent = open ? 'Fewer settings' : 'More settings';
  });
  $('compare').addEventListener('change', layout);
  for (const id of ['model', 'model-b']) $(id).addEventListener('change', () => columns.forEach((c) => c.title()));
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  $('message').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  $('stop').addEventListener('click', () => controllers.forEach((c) => c.abort()));
  $('clear').addEventListener('click', () => {
    for (const c of columns) {
      c.history = [];
      c.log.replaceChildren();
      c.title();
    }
  });
  for (const b of document.querySelectorAll('[data-copy]')) {
    b.addEventListener('click', async () => {
      const text = snippet(b.dataset.copy, currentRequest());
      try {
        await navigator.clipboard.writeText(text);
        $('copy-status').textContent = `Copied as ${b.textContent}.`;
      } catch {
        // No clipboard (plain http to another host): show it to copy by hand.
        window.prompt(`Copy as ${b.textContent}`, text);
      }
    });
  }
}

export { snippet, currentRequest };
