// Markdown for model answers, built straight into DOM nodes. Model output is untrusted: every piece of text
// is inserted as text (never parsed as HTML), links are kept only for http(s) and mailto URLs, and nothing
// loads from the network (images are shown as links). Covers what chat models write: paragraphs, headings,
// lists, block quotes, rules, fenced code (highlighted, with a copy button), inline code, bold, italic, links.
// An unclosed fence (an answer still streaming) renders as code up to the end.
import { h, copyButton } from './dom.js';
import { highlight } from './highlight.js';

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^\n]*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;

/** The Markdown text as a DocumentFragment. */
export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  let para = [];
  const flush = () => {
    if (para.length) frag.append(h('p', null, inline(para.join('\n'))));
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if ((m = line.match(FENCE))) {
      flush();
      const fence = m[1];
      const lang = m[2] || '';
      const body = [];
      i++;
      while (i < lines.length && !(lines[i].trim().startsWith(fence[0].repeat(fence.length)) && lines[i].trim().replace(new RegExp('\\' + fence[0], 'g'), '') === '')) {
        body.push(lines[i]);
        i++;
      }
      i++; // the closing fence (or past the end)
      frag.append(codeBlock(body.join('\n'), lang));
      continue;
    }
    if (!line.trim()) { flush(); i++; continue; }
    if ((m = line.match(HEADING))) {
      flush();
      frag.append(h('h' + Math.min(m[1].length + 1, 4), null, inline(m[2])));
      i++;
      continue;
    }
    if (RULE.test(line)) { flush(); frag.append(h('hr')); i++; continue; }
    if (QUOTE.test(line)) {
      flush();
      const inner = [];
      while (i < lines.length && (m = lines[i].match(QUOTE))) { inner.push(m[1]); i++; }
      frag.append(h('blockquote', null, renderMarkdown(inner.join('\n'))));
      continue;
    }
    if ((m = line.match(ITEM)) && (para.length === 0 || /^\s*([-*+]|1[.)])\s/.test(line))) {
      flush();
      const ordered = /\d/.test(m[2][0]);
      const list = h(ordered ? 'ol' : 'ul');
      if (ordered && parseInt(m[2], 10) !== 1) list.setAttribute('start', String(parseInt(m[2], 10)));
      const indent = m[1].length;
      const items = []; // each item's source lines
      while (i < lines.length) {
        const l = lines[i];
        const im = l.match(ITEM);
        if (im && im[1].length <= indent + 1 && /\d/.test(im[2][0]) === ordered) {
          items.push([im[3]]);
          i++;
        } else if (l.trim() && (/^\s{2,}/.test(l) || !ITEM.test(l)) && !FENCE.test(l) && !HEADING.test(l)) {
          items[items.length - 1].push(/^\s{2,}/.test(l) ? l.replace(/^\s{2,4}/, '') : l.trim());
          i++;
        } else if (!l.trim() && i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1])) {
          items[items.length - 1].push('');
          i++;
        } else break;
      }
      for (const src of items) {
        const text = src.join('\n');
        list.append(h('li', null, src.length > 1 && (text.includes('\n\n') || src.slice(1).some(x => ITEM.test(x) || FENCE.test(x)))
          ? renderMarkdown(text) : inline(text)));
      }
      frag.append(list);
      continue;
    }
    para.push(line);
    i++;
  }
  flush();
  return frag;
}

function codeBlock(code, lang) {
  const codeEl = h('code', lang ? { 'data-lang': lang } : null, highlight(code, lang));
  return h('div', { class: 'codeblock' },
    h('div', { class: 'code-head' }, h('span', null, lang || 'code'), copyButton(() => code, 'Copy')),
    h('pre', null, codeEl));
}

const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|\*(?=[^\s*])([\s\S]*?[^\s*])\*|(?<![\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\w])|!?\[([^\]\n]*)\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

/** Inline Markdown of one block as a DocumentFragment. */
export function inline(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  let m;
  const re = new RegExp(INLINE.source, 'g'); // own state: inline() recurses
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) appendText(frag, text.slice(last, m.index));
    if (m[2] !== undefined) frag.append(h('code', null, m[2].replace(/^ (.*) $/, '$1')));
    else if (m[3] !== undefined || m[4] !== undefined) frag.append(h('strong', null, inline(m[3] ?? m[4])));
    else if (m[5] !== undefined || m[6] !== undefined) frag.append(h('em', null, inline(m[5] ?? m[6])));
    else if (m[8] !== undefined) frag.append(link(m[7] || m[8], m[8]));
    else if (m[9] !== undefined) frag.append(link(m[9], m[9]));
    last = m.index + m[0].length;
  }
  if (last < text.length) appendText(frag, text.slice(last));
  return frag;
}

/** Text with single newlines kept as line breaks. */
function appendText(frag, text) {
  const parts = text.split('\n');
  parts.forEach((p, i) => {
    if (i > 0) frag.append(h('br'));
    if (p) frag.append(p);
  });
}

/** A link only for http(s) and mailto; anything else (javascript:, data:, relative) stays text. */
function link(label, url) {
  let u;
  try { u = new URL(url); } catch { return document.createTextNode(label === url ? url : label + ' (' + url + ')'); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'mailto:') {
    return document.createTextNode(label);
  }
  return h('a', { href: u.href, target: '_blank', rel: 'noopener noreferrer nofollow' }, label);
}
