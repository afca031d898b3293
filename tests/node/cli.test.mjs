// Command line and configuration validation.
import { test } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { runGateway } from './helpers/gateway.mjs';

test('--help lists every variable with its default and exits 0', async () => {
  const r = await runGateway(['--help']);
  assert.equal(r.code, 0, r.logs);
  assert.equal(r.listened, false);
  const vars = [
    'SERVER_HOST', 'SERVER_PORT', 'ENVIRONMENT', 'LOG_LEVEL', 'SERVER_THREADS', 'SERVER_READ_TIMEOUT', 'SERVER_WRITE_TIMEOUT',
    'SERVER_IDLE_TIMEOUT', 'SERVER_MAX_REQUEST_BODY_SIZE', 'SERVER_TLS_CERT_PATH', 'SERVER_TLS_KEY_PATH', 'SERVER_SHUTDOWN_GRACE',
    'CLIENT_RESPONSE_HEADER_TIMEOUT', 'CLIENT_IDLE_CHUNK_TIMEOUT', 'CLIENT_TIMEOUT', 'CLIENT_MAX_IDLE_CONNS_PER_HOST', 'CLIENT_IDLE_CONN_TIMEOUT',
    'ALLOWED_MODELS', 'DISALLOWED_MODELS',
  ];
  for (const id of ['openai', 'anthropic', 'azure', 'google', 'cohere', 'groq', 'deepseek', 'mistral', 'ollama', 'ollama_cloud', 'llamacpp', 'cloudflare', 'nvidia', 'moonshot', 'minimax', 'zai', 'vllm']) {
    vars.push(`${id.toUpperCase()}_API_URL`);
    if (!['ollama', 'llamacpp', 'vllm'].includes(id)) vars.push(`${id.toUpperCase()}_API_KEY`);
  }
  for (const v of vars) assert.ok(r.logs.includes(v), `--help does not mention ${v}`);
  // Documented defaults appear next to their variable.
  assert.match(r.logs, /CLIENT_RESPONSE_HEADER_TIMEOUT[^\n]*10s/);
  assert.match(r.logs, /SERVER_SHUTDOWN_GRACE[^\n]*30s/);
});

test('--version prints a version and exits 0', async () => {
  const r = await runGateway(['--version']);
  assert.equal(r.code, 0, r.logs);
  assert.equal(r.listened, false);
  assert.match(r.logs, /\d+\.\d+/);
});

for (const [name, env] of [
  ['SERVER_PORT', { SERVER_PORT: '70000' }],
  ['SERVER_READ_TIMEOUT', { SERVER_READ_TIMEOUT: 'abc' }],
  ['CLIENT_RESPONSE_HEADER_TIMEOUT', { CLIENT_RESPONSE_HEADER_TIMEOUT: '10 parsecs' }],
  ['SERVER_MAX_REQUEST_BODY_SIZE', { SERVER_MAX_REQUEST_BODY_SIZE: 'lots' }],
  ['SERVER_TLS_CERT_PATH', { SERVER_TLS_CERT_PATH: '/nonexistent/cert.pem', SERVER_TLS_KEY_PATH: '/nonexistent/key.pem' }],
]) {
  test(`invalid ${name} -> non-zero exit, stderr names the variable`, async () => {
    const r = await runGateway([], env);
    assert.equal(r.listened, false, `started listening with invalid ${name}`);
    assert.notEqual(r.code, 0, r.logs);
    assert.notEqual(r.code, null, `killed by signal ${r.signal}: ${r.logs}`);
    assert.ok(r.stderr.includes(name), `stderr does not mention ${name}: ${r.stderr}`);
  });
}
