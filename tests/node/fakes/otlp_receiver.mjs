// A fake OpenTelemetry collector: OTLP/HTTP with JSON encoding (POST /v1/traces).
//
//   const otlp = await startOtlpReceiver();
//   otlp.url          -> "http://127.0.0.1:PORT" (use as OTEL_EXPORTER_OTLP_ENDPOINT)
//   otlp.requests     -> every request received: { method, path, headers, rawBody, body }
//   otlp.spans()      -> every span received so far, flattened (see flattenSpans)
//   await otlp.waitFor((spans) => value)        -> first truthy value of fn over all spans,
//                                                 re-evaluated on each export (bounded by timeoutMs)
//   await otlp.waitForSpan((span) => boolean)   -> first matching span
//   otlp.status = 503 -> answer exports with that status from now on (default 200)
//   await otlp.close()
//
// A flattened span is
//   { traceId, spanId, parentSpanId, name, kind, startTimeUnixNano, endTimeUnixNano,
//     attrs: { key: value },            // stringValue / intValue (as Number) / boolValue / doubleValue
//     status, resource: { key: value }, scope: { name, version }, raw }
// (raw is the span exactly as sent).
import http from 'node:http';
import zlib from 'node:zlib';
import { EventEmitter } from 'node:events';

// OTLP/JSON AnyValue -> JS value. int64 may be a JSON string (proto3 JSON mapping) or a number.
export function anyValue(v) {
  if (v == null || typeof v !== 'object') return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue?.values ?? []).map(anyValue);
  if ('kvlistValue' in v) return attrsToObject(v.kvlistValue?.values);
  if ('bytesValue' in v) return v.bytesValue;
  return undefined;
}

export function attrsToObject(list) {
  const out = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

export function flattenSpans(body) {
  const out = [];
  for (const rs of body?.resourceSpans ?? []) {
    const resource = attrsToObject(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '',
          name: s.name, kind: s.kind,
          startTimeUnixNano: s.startTimeUnixNano, endTimeUnixNano: s.endTimeUnixNano,
          attrs: attrsToObject(s.attributes), status: s.status ?? {},
          resource, scope: ss.scope ?? {}, raw: s,
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver({ status = 200 } = {}) {
  const requests = [];
  let spans = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);

  const state = { status };
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    let buf = Buffer.concat(chunks);
    const enc = String(req.headers['content-encoding'] ?? '').toLowerCase();
    try {
      if (enc === 'gzip') buf = zlib.gunzipSync(buf);
      else if (enc === 'deflate') buf = zlib.inflateSync(buf);
    } catch { /* leave as is; body will not parse */ }
    const rawBody = buf.toString('utf8');
    let body;
    try { body = JSON.parse(rawBody); } catch { body = undefined; }
    const path = new URL(req.url, 'http://otlp').pathname;
    const rec = { method: req.method, path, headers: req.headers, rawBody, body };
    requests.push(rec);
    if (req.method === 'POST' && path === '/v1/traces' && body && state.status === 200) {
      spans = spans.concat(flattenSpans(body));
    }
    const answer = state.status === 200 ? '{}' : JSON.stringify({ code: 14, message: 'fake collector unavailable' });
    res.writeHead(state.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
    events.emit('export', rec);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  function waitFor(fn, { timeoutMs = 10_000, what = 'spans' } = {}) {
    const now = fn(spans);
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const on = () => {
        const v = fn(spans);
        if (v) { clearTimeout(timer); events.off('export', on); resolve(v); }
      };
      const timer = setTimeout(() => {
        events.off('export', on);
        const seen = spans.map((s) => `${s.name} [${s.traceId}/${s.spanId} <- ${s.parentSpanId || '-'}]`).join('\n  ');
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}; ${requests.length} export request(s), spans seen:\n  ${seen || '(none)'}`));
      }, timeoutMs);
      events.on('export', on);
    });
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    spans: () => spans,
    get status() { return state.status; },
    set status(v) { state.status = v; },
    waitFor,
    waitForSpan: (pred, opts = {}) => waitFor((all) => all.find(pred), opts),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
