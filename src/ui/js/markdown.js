// A small Markdown renderer for model answers: fenced code, headings, lists, quotes, tables,
// emphasis, inline code and links. Builds DOM nodes with textContent only (never innerHTML), so
// whatever the model writes cannot inject markup or script.

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function safeHref(url) {
  try {
    const u = new URL(url, window.location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : null;
  } catch {
    return null;
  }
}

// Inline: `code`, **bold**, *em* / _em_, [text](url), ~~strike~~.
const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s][^*]*?)\*|(?<![\w])_([^_\s][^_]*?)_(?![\w])|~~([\s\S]+?)~~|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

export function renderInline(text, parent) {
  let last = 0;
  const re = new RegExp(INLINE);  // its own lastIndex: emphasis recurses
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) parent.append(text.slice(last, m.index));
    if (m[2] !== undefined) parent.append(el('code', '', m[2].replace(/^ (.*) $/, '$1')));
    else if (m[3] !== undefined || m[4] !== undefined) renderInline(m[3] ?? m[4], parent.appendChild(el('strong')));
    else if (m[5] !== undefined || m[6] !== undefined) renderInline(m[5] ?? m[6], parent.appendChild(el('em')));
    else if (m[7] !== undefined) renderInline(m[7], parent.appendChild(el('del')));
    else if (m[8] !== undefined || m[10] !== undefined) {
      const href = safeHref(m[9] ?? m[10]);
      if (href) {
        const a = el('a');
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        if (m[8] !== undefined) renderInline(m[8], a);
        else a.textContent = m[10];
        parent.append(a);
      } else {
        parent.append(m[0]);
      }
    }
    last = re.lastIndex;
  }
  if (last < text.length) parent.append(text.slice(last));
}

function codeBlock(code, lang) {
  const pre = el('pre');
  const c = el('code', lang ? `language-${lang}` : '', code);
  pre.append(c);
  const copy = el('button', 'copy-code', 'Copy');
  copy.type = 'button';
  copy.setAttribute('aria-label', 'Copy code');
  copy.addEventListener('click', () => {
    navigator.clipboard?.writeText(code).then(() => { copy.textContent = 'Copied'; }, () => {});
  });
  pre.append(copy);
  return pre;
}

const isTableSep = (l) => /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(l);
const cells = (l) => l.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((s) => s.trim());

// Renders `src` into a fresh fragment. An unterminated code fence (mid-stream) renders as code.
export function renderMarkdown(src) {
  const frag = document.createDocumentFragment();
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let para = [];
  const flush = () => {
    if (!para.length) return;
    const p = el('p');
    para.forEach((l, k) => {
      if (k) p.append(el('br'));
      renderInline(l, p);
    });
    frag.append(p);
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^\s*(```+|~~~+)\s*([\w+#.-]*)/.exec(line);
    if (fence) {
      flush();
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      frag.append(codeBlock(body.join('\n'), fence[2]));
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      flush();
      const level = Math.min(6, h[1].length + 2);  // answers' "#" are sub-headings here
      const e = el(`h${level}`);
      renderInline(h[2], e);
      frag.append(e);
      i++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      flush();
      const quoted = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quoted.push(lines[i++].replace(/^\s*>\s?/, ''));
      const q = el('blockquote');
      q.append(renderMarkdown(quoted.join('\n')));
      frag.append(q);
      continue;
    }
    const item = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      flush();
      const ordered = /\d/.test(item[2]);
      const list = el(ordered ? 'ol' : 'ul');
      while (i < lines.length) {
        const it = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(lines[i]);
        if (!it) {
          if (/^\s{2,}\S/.test(lines[i]) && list.lastChild) {  // continuation line
            list.lastChild.append(' ');
            renderInline(lines[i].trim(), list.lastChild);
            i++;
            continue;
          }
          break;
        }
        const li = el('li');
        renderInline(it[3], li);
        list.append(li);
        i++;
      }
      frag.append(list);
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && isTableSep(lines[i + 1])) {
      flush();
      const table = el('table');
      const head = el('tr');
      for (const c of cells(line)) renderInline(c, head.appendChild(el('th')));
      table.appendChild(el('thead')).append(head);
      const tbody = table.appendChild(el('tbody'));
      i += 2;
      while (i < lines.length && lines[i].includes('|') && lines[i].trim()) {
        const tr = el('tr');
        for (const c of cells(lines[i])) renderInline(c, tr.appendChild(el('td')));
        tbody.append(tr);
        i++;
      }
      frag.append(table);
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      frag.append(el('hr'));
      i++;
      continue;
    }
    if (!line.trim()) flush();
    else para.push(line);
    i++;
  }
  flush();
  return frag;
}
