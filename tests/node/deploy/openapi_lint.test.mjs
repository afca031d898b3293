// openapi.yaml passes Redocly's recommended rules (with the two exceptions redocly.yaml explains)
// without a single warning. Its agreement with the gateway's answers is
// tests/node/openapi_conformance.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, run } from '../helpers/deploy.mjs';

test('redocly lint openapi.yaml: no errors, no warnings', { timeout: 120_000 }, async () => {
  const bin = path.join(ROOT, 'tests/node/node_modules/.bin/redocly');
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const r = await run(bin, ['lint', path.join(ROOT, 'openapi.yaml'), '--config', path.join(ROOT, 'redocly.yaml'), '--format=json'], { env, timeoutMs: 110_000 });
  let report;
  try { report = JSON.parse(r.stdout); } catch { assert.fail(`redocly did not report JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`); }
  const problems = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`);
  assert.deepEqual(problems, []);
  assert.equal(r.code, 0);
  assert.equal(report.totals.errors + report.totals.warnings, 0);
});
