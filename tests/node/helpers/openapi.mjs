// openapi.yaml as a response validator: the tests hand it what the gateway really answered and it
// says whether the spec documents that status and whether the body matches the schema.
//
//   const spec = loadSpec();
//   spec.assertResponse('get', '/v1/models', res)          // res from helpers/http.mjs request()
//   spec.assertSchema('ChatCompletionChunk', event.json)   // one named component schema
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SPEC_PATH = path.join(root, 'openapi.yaml');
const ID = 'https://inference-gateway.local/openapi.yaml';

const deref = (spec, obj) => {
  while (obj && obj.$ref) {
    const parts = obj.$ref.replace(/^#\//, '').split('/');
    obj = parts.reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return obj;
};

export function loadSpec() {
  const spec = YAML.parse(fs.readFileSync(SPEC_PATH, 'utf8'));
  // strict: false lets the document's own keys (openapi, paths, x-…) sit next to the schemas.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: ID, components: spec.components });
  const validator = (name) => {
    const v = ajv.getSchema(`${ID}#/components/schemas/${name}`);
    assert.ok(v, `openapi.yaml has no schema ${name}`);
    return v;
  };
  const check = (v, value, what) => {
    if (!v(value)) {
      assert.fail(`${what} does not match openapi.yaml: ${ajv.errorsText(v.errors, { separator: '\n  ' })}\n` +
        `value: ${JSON.stringify(value).slice(0, 1500)}`);
    }
  };
  // The path template of the spec that `p` (a concrete path) falls under.
  const template = (p) => {
    const bare = p.split('?')[0];
    for (const t of Object.keys(spec.paths)) {
      const re = new RegExp('^' + t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, (m, i) =>
        // the last template segment of [/v1]/proxy/{provider}/{path} takes the rest of the path
        (t.endsWith(m) && t.includes('/proxy/') ? '.+' : '[^/]+')) + '$');
      if (re.test(bare)) return t;
    }
    return null;
  };
  return {
    spec,
    template,
    assertSchema(name, value, what = name) { check(validator(name), value, what); },
    // The operation's documented response for res.status (or `default`), and its JSON body.
    assertResponse(method, p, res) {
      const t = template(p);
      assert.ok(t, `openapi.yaml documents no path for ${p}`);
      const op = spec.paths[t][method.toLowerCase()];
      assert.ok(op, `openapi.yaml documents no ${method.toUpperCase()} ${t}`);
      const r = deref(spec, op.responses[String(res.status)] ?? op.responses.default);
      assert.ok(r, `openapi.yaml documents no ${res.status} (nor default) for ${method.toUpperCase()} ${t}: ${res.text?.slice(0, 300)}`);
      const type = String(res.headers['content-type'] ?? '').split(';')[0].trim();
      if (!r.content) {
        assert.ok(!res.text, `${method} ${t} ${res.status}: the spec documents no body, got ${type}`);
        return;
      }
      const media = r.content[type] ?? r.content['*/*'];
      assert.ok(media, `${method.toUpperCase()} ${t} ${res.status}: content type ${type} is not documented (${Object.keys(r.content)})`);
      if (type === 'application/json') {
        assert.ok(res.json !== undefined, `${method} ${t} ${res.status}: body is not JSON: ${res.text?.slice(0, 300)}`);
        const schema = media.schema ?? {};
        const name = schema.$ref?.replace('#/components/schemas/', '');
        if (name) check(validator(name), res.json, `${method.toUpperCase()} ${p} -> ${res.status}`);
        else check(ajv.compile({ $id: undefined, ...schema }), res.json, `${method.toUpperCase()} ${p} -> ${res.status}`);
      }
    },
  };
}
