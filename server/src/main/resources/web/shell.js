// What both pages share: the top bar (brand, page links, API key sign-in, theme switch) and toasts.
import { h, fill } from './dom.js';
import { auth, onUnauthorized } from './api.js';

const THEME = 'stellar.theme';

export function applyTheme() {
  const t = localStorage.getItem(THEME);
  if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
}

function currentTheme() {
  const t = document.documentElement.dataset.theme;
  if (t) return t;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/**
 * Fills <header id="top">. page: 'playground' | 'console'. onKeyChange: called after the key was saved or
 * cleared (the page reloads its data).
 */
export function topBar(page, onKeyChange) {
  applyTheme();
  const header = document.getElementById('top');
  header.className = 'topbar';
  const input = h('input', { type: 'password', id: 'api-key', placeholder: 'API key (optional)', autocomplete: 'off', 'aria-label': 'API key' });
  input.value = auth.key;
  const status = h('span', { class: 'muted', id: 'key-status' });
  const showStatus = () => { status.textContent = auth.key ? 'key set' : ''; };
  showStatus();
  const save = () => { auth.set(input.value.trim()); showStatus(); toast(auth.key ? 'API key saved for this tab.' : 'Signed out.'); onKeyChange && onKeyChange(); };
  input.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); save(); } });
  const themeBtn = h('button', { class: 'icon-btn', type: 'button', id: 'theme', 'aria-label': 'Switch light or dark theme', title: 'Theme' }, '◐');
  themeBtn.addEventListener('click', () => {
    localStorage.setItem(THEME, currentTheme() === 'dark' ? 'light' : 'dark');
    applyTheme();
  });
  fill(header,
    h('div', { class: 'brand' }, h('img', { src: '/ui/icon.svg', alt: '' }), 'StellarChat'),
    h('nav', { 'aria-label': 'Pages' },
      h('a', { href: '/', 'aria-current': page === 'playground' ? 'page' : null }, 'Playground'),
      h('a', { href: '/console', 'aria-current': page === 'console' ? 'page' : null }, 'Console')),
    h('div', { class: 'spacer' }),
    h('div', { class: 'keybox' }, status, input,
      h('button', { class: 'btn', type: 'button', id: 'save-key', onclick: save }, 'Sign in'),
      h('button', { class: 'btn', type: 'button', id: 'clear-key', onclick: () => { input.value = ''; save(); } }, 'Sign out')),
    themeBtn);
  onUnauthorized(e => {
    toast(e.message + ' Enter an API key at the top.', 'error');
    input.focus();
  });
}

let box;
/** A short message in the corner; kind 'error' for failures. */
export function toast(text, kind = 'info') {
  if (!box) { box = h('div', { class: 'toast-box', role: 'status', 'aria-live': 'polite' }); document.body.append(box); }
  const t = h('div', { class: 'toast ' + kind }, text);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 6000 : 3000);
}
