// Calls to the gateway, each carrying the credential the user gave (if any). The credential is
// kept in sessionStorage (this tab only), or localStorage when the user asked to be remembered.
const KEY = 'igw.credential';

export function credential() {
  return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || '';
}

export function setCredential(value, remember) {
  sessionStorage.setItem(KEY, value);
  if (remember) localStorage.setItem(KEY, value);
  else localStorage.removeItem(KEY);
}

export function clearCredential() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

// Fired when the gateway says the credential is missing or wrong: the app asks for one.
export const authEvents = new EventTarget();

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function authHeaders() {
  const c = credential();
  return c ? { Authorization: `Bearer ${c}` } : {};
}

// The gateway's error message from an answer body (OpenAI or Anthropic shape).
export function errorMessage(text, status) {
  try {
    const j = JSON.parse(text);
    const e = j.error || j;
    if (e && typeof e.message === 'string') return { message: e.message, code: e.code || e.type };
  } catch { /* not JSON */ }
  return { message: text ? text.slice(0, 300) : `HTTP ${status}`, code: undefined };
}

export async function request(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const h = { ...authHeaders(), ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, signal, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) authEvents.dispatchEvent(new Event('unauthorized'));
  return res;
}

export async function getJson(path, opts) {
  const res = await request(path, opts);
  const text = await res.text();
  if (!res.ok) {
    const { message, code } = errorMessage(text, res.status);
    throw new ApiError(res.status, message, code);
  }
  return JSON.parse(text);
}

export async function getText(path) {
  const res = await request(path);
  const text = await res.text();
  if (!res.ok) {
    const { message, code } = errorMessage(text, res.status);
    throw new ApiError(res.status, message, code);
  }
  return text;
}

// Reads an SSE body: calls onEvent({event, data}) per event and onComment(text) per comment
// line (the gateway's tool events arrive as comments).
export async function readSse(res, { onEvent, onComment }) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let event = '';
  let data = [];
  const dispatch = () => {
    if (data.length) onEvent({ event: event || 'message', data: data.join('\n') });
    event = '';
    data = [];
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      let line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') dispatch();
      else if (line.startsWith(':')) onComment(line.slice(1).trimStart());
      else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (field === 'data') data.push(val);
        else if (field === 'event') event = val;
      }
    }
  }
  dispatch();
}
