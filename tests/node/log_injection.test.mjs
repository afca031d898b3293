// Client-chosen strings in logs (the model name is in every access-log line): they must not
// forge lines, reach the terminal as control sequences, or make a line megabytes long — in the
// readable development format and in the JSON production format alike.
import { describe } from 'node:test';
import { test, before, after } from './helpers/test.mjs';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startGateway } from './helpers/gateway.mjs';
import { startFakeOpenAI } from './fakes/openai_upstream.mjs';
import { chat } from './helpers/http.mjs';

const messages = [{ role: 'user', content: 'Hi' }];
const FORGED_TS = '2031-01-01T00:00:00.000Z';
// A model name that, printed raw, ends the access-log line and starts a forged one, then clears
// the terminal line and moves the cursor (ESC [2K, CSI via C1, carriage return).
const FORGERY = `x\n${FORGED_TS} info request request_id=forged status=200 model=admin\u001b[2K\r\u009b1A\u007f`;
// Every byte a terminal or a line-oriented log shipper acts on, except the line's own \n.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

for (const environment of ['development', 'production']) {
  describe(`${environment} logs`, () => {
    let up, gw;
    before(async () => {
      up = await startFakeOpenAI();
      gw = await startGateway({ ENVIRONMENT: environment, LOG_LEVEL: 'info', OPENAI_API_URL: up.url, OPENAI_API_KEY: 'sk-log' });
    });
    after(async () => { await gw?.kill(); await up?.close(); });

    const accessLine = async (id) => {
      await gw.waitForLog(new RegExp(`request_id(=|":")${id}`));
      return gw.stderr().split('\n').filter((l) => l.includes(id));
    };

    test('a model name with a newline and escape sequences forges no line', async () => {
      const id = randomBytes(8).toString('hex');
      const r = await chat(gw.url, { model: `openai/${FORGERY}`, messages }, { headers: { 'x-request-id': id } });
      assert.equal(r.status, 200, r.text);
      const lines = await accessLine(id);
      assert.equal(lines.length, 1, `expected one access-log line for ${id}, got:\n${lines.join('\n')}`);
      const logs = gw.stderr();
      for (const l of logs.split('\n')) {
        assert.ok(!l.startsWith(FORGED_TS), `forged log line:\n${l}`);
        assert.ok(!CONTROL.test(l), `control character in a log line: ${JSON.stringify(l)}`);
      }
      if (environment === 'production') {
        for (const l of logs.split('\n').filter(Boolean)) assert.doesNotThrow(() => JSON.parse(l), `not JSON: ${l}`);
        const entry = JSON.parse(lines[0]);
        assert.ok(entry.model.endsWith(FORGERY), `the JSON keeps the exact model name: ${JSON.stringify(entry.model)}`);
      } else {
        // The readable format shows the characters escaped, on the request's own line.
        assert.ok(lines[0].includes(`x\\n${FORGED_TS} info request`), lines[0]);
        assert.ok(lines[0].includes('\\x1b[2K\\r\\u009b1A\\x7f'), lines[0]);
      }
    });

    test('a 1 MB model name gives a short log line that says it was cut', async () => {
      const id = randomBytes(8).toString('hex');
      const r = await chat(gw.url, { model: `openai/${'m'.repeat(1 << 20)}`, messages }, { headers: { 'x-request-id': id } });
      assert.equal(r.status, 200);
      const [line, ...more] = await accessLine(id);
      assert.equal(more.length, 0);
      assert.ok(line.length < 4096, `access-log line is ${line.length} bytes`);
      assert.match(line, /\.\.\.\(\d+ more bytes\)/);
      if (environment === 'production') assert.doesNotThrow(() => JSON.parse(line));
    });
  });
}
