// "Copy as curl / Python / TypeScript" for the playground's current request. The credential is
// never copied: the snippets read it from an environment variable.

const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

function pyLiteral(v, indent = 0) {
  const pad = ' '.repeat(indent);
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return `[\n${v.map((x) => `${pad}    ${pyLiteral(x, indent + 4)}`).join(',\n')},\n${pad}]`;
  }
  const entries = Object.entries(v);
  if (!entries.length) return '{}';
  return `{\n${entries.map(([k, x]) => `${pad}    ${JSON.stringify(k)}: ${pyLiteral(x, indent + 4)}`).join(',\n')},\n${pad}}`;
}

// req: { api: 'chat'|'messages', body, headers } as the playground sends it.
export function snippet(kind, req, origin = window.location.origin) {
  const path = req.api === 'messages' ? '/v1/messages' : '/v1/chat/completions';
  const url = origin + path;
  const extra = Object.entries(req.headers || {});
  const json = JSON.stringify(req.body, null, 2);
  if (kind === 'curl') {
    const lines = [`curl ${shellQuote(url)}`, `  -H 'Content-Type: application/json'`,
      `  -H "Authorization: Bearer $GATEWAY_API_KEY"`];
    for (const [k, v] of extra) lines.push(`  -H ${shellQuote(`${k}: ${v}`)}`);
    if (req.body.stream) lines.push('  -N');
    lines.push(`  -d ${shellQuote(json)}`);
    return lines.join(' \\\n');
  }
  if (kind === 'python') {
    const { stream, ...rest } = req.body;
    const headers = extra.length ? `,\n    extra_headers=${pyLiteral(Object.fromEntries(extra), 4)}` : '';
    if (req.api === 'messages') {
      const args = Object.entries(rest).map(([k, v]) => `    ${k}=${pyLiteral(v, 4)},`).join('\n');
      return `import os
from anthropic import Anthropic

client = Anthropic(base_url=${JSON.stringify(origin)}, api_key=os.environ["GATEWAY_API_KEY"])
${stream ? `with client.messages.stream(
${args}${headers}
) as stream:
    for text in stream.text_stream:
        print(text, end="", flush=True)` : `message = client.messages.create(
${args}${headers}
)
print(message.content[0].text)`}
`;
    }
    const args = Object.entries(rest).map(([k, v]) => `    ${k}=${pyLiteral(v, 4)},`).join('\n');
    return `import os
from openai import OpenAI

client = OpenAI(base_url=${JSON.stringify(`${origin}/v1`)}, api_key=os.environ["GATEWAY_API_KEY"])
${stream ? `stream = client.chat.completions.create(
${args}
    stream=True${headers}
)
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        print(chunk.choices[0].delta.content, end="", flush=True)` : `completion = client.chat.completions.create(
${args}${headers}
)
print(completion.choices[0].message.content)`}
`;
  }
  // TypeScript
  const { stream, ...rest } = req.body;
  const body = JSON.stringify(rest, null, 2).replace(/\n/g, '\n  ');
  const opts = extra.length ? `, { headers: ${JSON.stringify(Object.fromEntries(extra))} }` : '';
  if (req.api === 'messages') {
    return `import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({ baseURL: ${JSON.stringify(origin)}, apiKey: process.env.GATEWAY_API_KEY });
${stream ? `const stream = client.messages.stream(${body}${opts});
stream.on('text', (text) => process.stdout.write(text));
await stream.finalMessage();` : `const message = await client.messages.create(${body}${opts});
console.log(message.content[0].type === 'text' ? message.content[0].text : message.content);`}
`;
  }
  return `import OpenAI from 'openai';

const client = new OpenAI({ baseURL: ${JSON.stringify(`${origin}/v1`)}, apiKey: process.env.GATEWAY_API_KEY });
${stream ? `const stream = await client.chat.completions.create({ ...${body}, stream: true }${opts});
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');` : `const completion = await client.chat.completions.create(${body}${opts});
console.log(completion.choices[0].message.content);`}
`;
}
