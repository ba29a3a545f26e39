// Building DOM nodes without HTML strings: text always goes in as text (textContent / text nodes), so nothing a
// model or a user wrote can become markup. Never use innerHTML in this UI.

/**
 * h('div', {class: 'x', onclick: fn, 'aria-label': 'y'}, child, ...) → Element.
 * Children: strings (text), nodes, arrays of children; null/undefined/false are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden') el[k] = !!v;
    else if (k === 'style' || k === 'innerHTML') throw new Error('h(): ' + k + ' is not allowed');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** "3 s ago", "5 min ago", or a date, for epoch seconds. */
export function ago(epochSeconds) {
  const s = Math.max(0, Date.now() / 1000 - epochSeconds);
  if (s < 60) return Math.round(s) + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return new Date(epochSeconds * 1000).toLocaleDateString();
}

export function dateTime(epochSeconds) {
  return new Date(epochSeconds * 1000).toLocaleString();
}

/** 1234567 → "1.2M". */
export function compact(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1);
}

export function ms(v) {
  if (v === null || v === undefined) return '–';
  if (v === 0) return '0 ms';
  return v >= 1000 ? (v / 1000).toFixed(2) + ' s' : (v >= 10 ? Math.round(v) : v.toFixed(1)) + ' ms';
}

/** Copies text; the Clipboard API needs a secure context, so plain http falls back to a selection copy. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); return true; } catch { /* fall back */ }
  }
  const ta = h('textarea', { class: 'sr-only', 'aria-hidden': 'true' });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  ta.remove();
  return ok;
}

/** A copy button that says "Copied" for a moment. */
export function copyButton(getText, label = 'Copy') {
  const b = h('button', { class: 'btn small', type: 'button', 'aria-label': label }, label);
  b.addEventListener('click', async () => {
    const ok = await copyText(getText());
    b.textContent = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => { b.textContent = label; }, 1500);
  });
  return b;
}

const ICONS = {
  trash: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6',
  edit: 'M4 20h4L19 9l-4-4L4 16v4zM13 7l4 4',
  up: 'M7 11v9H4v-9h3zm0 0l4-7c1.6 0 2.6 1.2 2.2 3L12.5 11H19c1.2 0 2 1 1.8 2.2l-1.4 5.6c-.3 1.2-1.1 1.7-2.2 1.7H7',
};

/** A small line icon as SVG (no icon font or emoji: a server's browser may have neither). */
export function icon(name, flip) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', ICONS[name]);
  if (flip) path.setAttribute('transform', 'rotate(180 12 12)');
  svg.append(path);
  return svg;
}
