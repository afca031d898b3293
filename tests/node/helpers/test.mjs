// node:test's `test` with a per-test timeout, so a hang is reported against the
// test that hung (the whole-file timeout in package.json is only a last resort).
import { test as nodeTest } from 'node:test';

export const TEST_TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS ?? 60_000);
export const test = (name, fn) => nodeTest(name, { timeout: TEST_TIMEOUT_MS }, fn);
export { before, after } from 'node:test';
