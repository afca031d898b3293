// The gateway's metrics contract (names, types, labels, buckets), shared by the
// telemetry tests and the dashboard test. Keep in sync with docs / src/ metric definitions.
import { spawnSync } from 'node:child_process';

export const DURATION_BUCKETS = [1, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

export const METRICS = {
  llm_usage_prompt_tokens_total: { type: 'counter', labels: ['provider', 'model'] },
  llm_usage_completion_tokens_total: { type: 'counter', labels: ['provider', 'model'] },
  llm_usage_total_tokens_total: { type: 'counter', labels: ['provider', 'model'] },
  llm_requests_total: { type: 'counter', labels: ['provider', 'request_method', 'request_path'] },
  llm_responses_total: { type: 'counter', labels: ['provider', 'request_method', 'request_path', 'status_code'] },
  llm_tool_calls_total: { type: 'counter', labels: ['provider', 'model', 'tool_type', 'tool_name'] },
  llm_tool_calls_success_total: { type: 'counter', labels: ['provider', 'model', 'tool_type', 'tool_name'] },
  llm_tool_calls_failure_total: { type: 'counter', labels: ['provider', 'model', 'tool_type', 'tool_name'] },
  llm_team_requests_total: { type: 'counter', labels: ['team'] },
  llm_team_tokens_total: { type: 'counter', labels: ['team'] },
  llm_request_duration: { type: 'histogram', labels: ['provider', 'request_method', 'request_path'] },
  llm_tool_call_duration: { type: 'histogram', labels: ['provider', 'model', 'tool_type', 'tool_name'] },
  llm_time_to_first_token: { type: 'histogram', labels: ['provider', 'model'] },
  llm_requests_in_flight: { type: 'gauge', labels: [] },
  llm_upstream_idle_connections: { type: 'gauge', labels: [] },
  llm_upstream_connections_opened_total: { type: 'counter', labels: [] },
  llm_build_info: { type: 'gauge', labels: ['version'] },
  llm_trace_spans_dropped_total: { type: 'counter', labels: [] },
};

// Every series name a PromQL query may legitimately select.
export function seriesNames() {
  const out = new Set();
  for (const [name, { type }] of Object.entries(METRICS)) {
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
    else out.add(name);
  }
  return out;
}

// Label names a query may use on a series (histogram buckets add "le").
export function labelsOf(series) {
  for (const [name, { type, labels }] of Object.entries(METRICS)) {
    if (series === name) return new Set(labels);
    if (type === 'histogram' && [`${name}_bucket`, `${name}_sum`, `${name}_count`].includes(series)) {
      return new Set(series.endsWith('_bucket') ? [...labels, 'le'] : labels);
    }
  }
  return undefined;
}

// promtool (Debian package "prometheus"); PROMTOOL overrides the path.
export function findPromtool() {
  const bin = process.env.PROMTOOL ?? 'promtool';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.error ? null : bin;
}
export const PROMTOOL_MISSING = 'promtool not found (Debian package "prometheus", see scripts/install-deps.sh; or set PROMTOOL=/path/to/promtool)';
