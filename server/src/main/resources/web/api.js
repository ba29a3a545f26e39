// The browser side of the StellarChat API: fetch with the signed-in key, JSON errors as ApiError, and the
// WebSocket subprotocols that carry the key (a browser cannot set headers on a WebSocket; the key never goes in
// a URL). The key lives in sessionStorage: gone when the tab closes, never sent anywhere but this origin.

const KEY = 'stellar.key';

export const auth = {
  get key() { return sessionStorage.getItem(KEY) || ''; },
  set(key) { if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || ('HTTP ' + status));
    this.status = status;
    this.code = error && error.code;
    this.param = error && error.param;
  }
}

/** A route this server does not have (an older or smaller build): show "not available", not an error. */
export function isUnavailable(e) {
  return e instanceof ApiError && e.status === 404 && e.code === 'unknown_url';
}

const listeners = new Set();
/** Called with the ApiError of every 401, so the page can ask for a key. */
export function onUnauthorized(fn) { listeners.add(fn); }

function headers(json) {
  const h = { Accept: 'application/json' };
  if (json) h['Content-Type'] = 'application/json';
  const k = auth.key;
  if (k) h.Authorization = 'Bearer ' + k;
  return h;
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  let r;
  try {
    r = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { message: 'The server cannot be reached.' });
  }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!r.ok) {
    const err = new ApiError(r.status, (data && data.error) || { message: text || r.statusText });
    if (r.status === 401) listeners.forEach(fn => fn(err));
    throw err;
  }
  return data;
}

/** POSTs and calls onLine(object) for each NDJSON line of a streamed answer. */
export async function ndjson(path, body, onLine, signal) {
  const r = await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body), signal });
  if (!r.ok) {
    let data = null;
    try { data = await r.json(); } catch { data = null; }
    throw new ApiError(r.status, (data && data.error) || { message: r.statusText });
  }
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) onLine(JSON.parse(line));
    }
  }
  if (buf.trim()) onLine(JSON.parse(buf));
}

function base64url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  bytes.forEach(b => { bin += String.fromCharCode(b); });
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Opens /v1/ws on this origin, with the key as a subprotocol when there is one. */
export function openSocket() {
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/ws';
  const k = auth.key;
  return k ? new WebSocket(url, ['stellar.v1', 'stellar.key.' + base64url(k)]) : new WebSocket(url);
}
