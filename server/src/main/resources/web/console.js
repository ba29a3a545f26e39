// The operator console: models, providers and their breakers, keys, usage, performance and the audit log, from
// the admin API (admin scope). Live parts refresh every few seconds; the queue and KV charts are drawn from
// samples of /v1/admin/stats taken by this page (the server keeps no time series of them).
import { h, fill, $, dateTime, ago, compact, ms, copyButton } from './dom.js';
import { api, ndjson, isUnavailable } from './api.js';
import { lineChart } from './chart.js';
import { topBar, toast } from './shell.js';

const REFRESH_MS = 3000;
const WINDOW_MS = 5 * 60 * 1000;
const samples = []; // [{t, queue, running, kv: {model: use}, lat: {model: {ttft, itl}}}], newest last, at most WINDOW_MS old
let denied = false;

function table(headers, rows, empty) {
  if (!rows.length) return h('div', { class: 'notice' }, empty || 'Nothing here yet.');
  return h('table', null,
    h('thead', null, h('tr', null, headers.map(x => h('th', { class: /^(In flight|Error rate|Requests|Errors|p50|p99|Mean|Count|Waiting|Running|KV|Tokens|TTFT|Latency)/.test(x) ? 'num' : null }, x)))),
    h('tbody', null, rows));
}
const td = (v, cls) => h('td', cls ? { class: cls } : null, v);
const pct = v => (v === null || v === undefined ? '–' : (v * 100).toFixed(v < 0.1 && v > 0 ? 1 : 0) + '%');

function circuitBadge(state) {
  const cls = state === 'closed' ? 'ok' : state === 'open' || state === 'forced_open' ? 'bad' : 'warn';
  return h('span', { class: 'badge ' + cls, dataset: { circuit: state } }, state.replace('_', '-'));
}

/** Handles an admin call's failure: a missing admin scope shows one notice instead of errors everywhere. */
function failed(where, e) {
  if (e.status === 401 || e.status === 403) {
    if (!denied) {
      denied = true;
      const access = $('#access');
      access.hidden = false;
      access.textContent = 'The console needs an API key with the admin scope: ' + e.message;
    }
    return;
  }
  fill($(where), h('div', { class: 'notice' }, isUnavailable(e) ? 'Not available on this server.' : 'Cannot load: ' + e.message));
}

// ---- stats: tiles, providers, latency, live charts

async function refreshStats() {
  let s;
  try {
    s = await api('/v1/admin/stats');
  } catch (e) {
    failed('#providers-table', e);
    return;
  }
  if (denied) { denied = false; $('#access').hidden = true; }
  const now = Date.now();
  const kv = {};
  s.models.forEach(m => { if (m.kv_use !== null && m.kv_use !== undefined) kv[m.model] = m.kv_use; });
  const lat = {};
  s.models.forEach(m => { if (m.ttft_ms.count) lat[m.model] = { ttft: m.ttft_ms, itl: m.itl_ms }; });
  samples.push({ t: now, queue: s.queue_depth, running: s.running, kv, lat });
  while (samples.length && samples[0].t < now - WINDOW_MS) samples.shift();

  const open = s.providers.filter(p => p.circuit !== 'closed').length;
  const tokens = s.models.reduce((a, m) => a + (m.generated_tokens || 0), 0);
  fill($('#tiles'),
    tile('Queue depth', compact(s.queue_depth), 'tile-queue'),
    tile('Running', compact(s.running), 'tile-running'),
    tile('KV cache use', Object.keys(kv).length ? pct(Math.max(...Object.values(kv))) : '–', 'tile-kv'),
    tile('Tokens generated', compact(tokens), 'tile-tokens'),
    tile('Providers with breaker not closed', open + ' / ' + s.providers.length, 'tile-breakers'));

  fill($('#providers-table'), table(
    ['Provider', 'Type', 'Circuit', 'Health', 'In flight', 'Error rate', 'Requests', 'Errors', 'Latency p50', 'Latency p99', 'TTFT p50'],
    s.providers.map(p => h('tr', { dataset: { provider: p.id } },
      td(h('strong', null, p.id)), td(p.type), td(circuitBadge(p.circuit)),
      td(h('span', { class: 'badge ' + (p.healthy ? 'ok' : 'bad'), title: p.health_detail || '' }, p.healthy ? 'healthy' : 'unhealthy')),
      td(p.in_flight + ' / ' + p.max_concurrency, 'num'), td(pct(p.error_rate), 'num'), td(compact(p.requests), 'num'),
      td(compact(p.errors), 'num'), td(ms(p.latency_ms.p50), 'num'), td(ms(p.latency_ms.p99), 'num'), td(ms(p.ttft_ms.p50), 'num'))),
    'No remote providers are configured (providers: in the configuration file).'));

  fill($('#latency'), table(['Model', 'Waiting', 'Running', 'KV blocks', 'TTFT p50', 'TTFT p99', 'Inter-token p50', 'Inter-token p99', 'Count'],
    s.models.map(m => h('tr', null, td(m.model), td(m.waiting, 'num'), td(m.running, 'num'),
      td((m.kv_blocks_used ?? 0) + ' / ' + (m.kv_blocks_total ?? 0), 'num'),
      td(ms(m.ttft_ms.p50), 'num'), td(ms(m.ttft_ms.p99), 'num'), td(ms(m.itl_ms.p50), 'num'), td(ms(m.itl_ms.p99), 'num'),
      td(compact(m.ttft_ms.count), 'num'))),
    'No local model has answered yet.'));

  const time = x => new Date(x).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  fill($('#chart-queue'), lineChart([
    { name: 'waiting', points: samples.map(x => [x.t, x.queue]) },
    { name: 'running', points: samples.map(x => [x.t, x.running]) }], { xLabel: time, legend: true, height: 150 }));
  const models = [...new Set(samples.flatMap(x => Object.keys(x.kv)))];
  fill($('#chart-kv'), lineChart(models.map(id => ({ name: id, points: samples.filter(x => id in x.kv).map(x => [x.t, x.kv[id] * 100]) })),
    { xLabel: time, yLabel: v => v + '%', legend: true, height: 150, empty: 'No local model with a paged KV cache.' }));
  const timed = [...new Set(samples.flatMap(x => Object.keys(x.lat)))];
  const latSeries = (kind, q) => timed.map(id => ({ name: id + ' ' + q, points: samples.filter(x => id in x.lat && x.lat[id][kind][q] !== null).map(x => [x.t, x.lat[id][kind][q]]) }));
  const msLabel = v => ms(v);
  fill($('#chart-ttft'), lineChart([...latSeries('ttft', 'p50'), ...latSeries('ttft', 'p99')],
    { xLabel: time, yLabel: msLabel, legend: true, height: 150, empty: 'No local model has answered yet.' }));
  fill($('#chart-itl'), lineChart([...latSeries('itl', 'p50'), ...latSeries('itl', 'p99')],
    { xLabel: time, yLabel: msLabel, legend: true, height: 150, empty: 'No local model has answered yet.' }));
}

function tile(label, value, id) {
  return h('div', { class: 'tile', id }, h('div', { class: 'v' }, value), h('div', { class: 'k' }, label));
}

// ---- models

async function refreshModels() {
  let r;
  try { r = await api('/v1/admin/models'); } catch (e) { failed('#models-table', e); return; }
  fill($('#models-table'), table(['Model', 'Kind', 'Source', 'State', 'Status', 'Upstreams', ''],
    r.data.map(m => {
      const local = !!m.path;
      const buttons = h('div', { class: 'row' });
      const actions = h('td', null, buttons);
      buttons.append(h('button', { class: 'btn small', type: 'button', onclick: () => setStatus(m, m.status === 'online' ? 'offline' : 'online') },
        m.status === 'online' ? 'Take offline' : 'Bring online'));
      if (local && m.state !== 'loaded') buttons.append(h('button', { class: 'btn small', type: 'button', onclick: () => loadUnload(m.id, 'load') }, m.state === 'loading' ? 'Loading…' : 'Load'));
      if (local && m.state === 'loaded') buttons.append(h('button', { class: 'btn small', type: 'button', onclick: () => loadUnload(m.id, 'unload') }, 'Unload'));
      return h('tr', { dataset: { model: m.id } },
        td(h('strong', null, m.id)), td(local ? 'local' : 'remote'), td(m.source),
        td(local ? h('span', { class: 'badge ' + (m.state === 'loaded' ? 'ok' : m.state === 'loading' ? 'warn' : 'off') }, m.state || '–') : h('span', { class: 'muted' }, '–')),
        td(h('span', { class: 'badge ' + (m.status === 'online' ? 'ok' : 'off') }, m.status)),
        td((m.upstreams || []).map(u => u.provider + '/' + u.model + (u.weight !== 1 ? ' ×' + u.weight : '')).join(', ') || (local ? h('span', { class: 'muted mono' }, m.path.split('/').pop()) : '')),
        actions);
    }), 'No models.'));
}

async function setStatus(m, status) {
  try {
    await api('/v1/admin/models/' + encodeURIComponent(m.id), { method: 'PATCH', body: { status } });
    toast(m.id + ' is ' + status + '.');
  } catch (e) { toast(e.message, 'error'); }
  refreshModels();
}

async function loadUnload(id, what) {
  try {
    await api(`/v1/admin/models/${encodeURIComponent(id)}/${what}`, { method: 'POST' });
    toast(id + (what === 'load' ? ' loaded.' : ' unloaded.'));
  } catch (e) { toast(e.message, 'error'); }
  refreshModels();
}

async function pull() {
  const name = $('#pull-name').value.trim();
  if (!name) { $('#pull-name').focus(); return; }
  const box = $('#pull-progress');
  const bar = $('#pull-bar');
  const status = $('#pull-status');
  box.hidden = false;
  bar.removeAttribute('value');
  status.textContent = 'starting…';
  $('#pull').disabled = true;
  try {
    await ndjson('/v1/admin/pull', { model: name, stream: true }, line => {
      if (line.error) throw new Error(line.error);
      if (line.total) { bar.max = line.total; bar.value = line.completed || 0; }
      status.textContent = line.status + (line.total ? ' — ' + compact(line.completed || 0) + 'B of ' + compact(line.total) + 'B' : '');
    });
    status.textContent = 'done: ' + name;
    toast('Pulled ' + name + '.');
    refreshModels();
  } catch (e) {
    status.textContent = 'failed: ' + e.message;
    toast('Pull failed: ' + e.message, 'error');
  } finally {
    $('#pull').disabled = false;
  }
}

// ---- keys

function limitsText(l) {
  const names = { requests_per_minute: 'req/min', tokens_per_minute: 'tok/min', max_concurrent: 'concurrent', tokens_per_day: 'tok/day', tokens_per_month: 'tok/month' };
  const parts = Object.entries(l || {}).filter(([k]) => k !== 'models').map(([k, v]) => compact(v) + ' ' + (names[k] || k));
  if (l && l.models) parts.push(Object.keys(l.models).length + ' per-model');
  return parts.join(', ') || 'defaults';
}

async function refreshKeys() {
  let r;
  try { r = await api('/v1/admin/keys'); } catch (e) {
    if (e.code === 'keys_unavailable') { fill($('#keys-table'), h('div', { class: 'notice' }, 'Managed keys need the database, which this server runs without.')); return; }
    failed('#keys-table', e);
    return;
  }
  fill($('#keys-table'), table(['Name', 'Key', 'Owner', 'Scopes', 'Models', 'Limits', 'State', 'Created', ''],
    r.data.map(k => h('tr', { dataset: { keyId: k.id } },
      td(h('strong', null, k.name || '(unnamed)')), td(h('span', { class: 'mono' }, k.prefix + '…')), td(h('span', { class: 'clip', title: k.owner }, k.owner)),
      td(k.scopes.join(', ')), td(k.models.join(', ')), td(limitsText(k.limits)),
      td(h('span', { class: 'badge ' + (k.revoked ? 'bad' : k.disabled ? 'off' : 'ok') }, k.revoked ? 'revoked' : k.disabled ? 'disabled' : 'active')),
      td(ago(k.created_at)),
      td(k.revoked ? null : h('div', { class: 'row' },
        h('button', { class: 'btn small limits', type: 'button', onclick: e => editLimits(k, e.currentTarget.closest('tr')) }, 'Limits…'),
        h('button', { class: 'btn small toggle', type: 'button', onclick: () => patchKey(k, { disabled: !k.disabled }, k.disabled ? 'enabled' : 'disabled') }, k.disabled ? 'Enable' : 'Disable'),
        h('button', { class: 'btn small danger revoke', type: 'button', onclick: e => revoke(k, e.currentTarget) }, 'Revoke'))))),
    'No managed keys yet.'));
}

/** An inline row under a key to change its limits (blank: the server's default). */
function editLimits(k, tr) {
  if (tr.nextElementSibling && tr.nextElementSibling.classList.contains('limits-row')) { tr.nextElementSibling.remove(); return; }
  const fields = [['requests_per_minute', 'Requests/min'], ['tokens_per_minute', 'Tokens/min'], ['max_concurrent', 'Concurrent'],
    ['tokens_per_day', 'Tokens/day'], ['tokens_per_month', 'Tokens/month']];
  const inputs = fields.map(([name, label]) => {
    const input = h('input', { type: 'number', min: '1', placeholder: 'default', 'aria-label': label, dataset: { limit: name } });
    if (k.limits && k.limits[name]) input.value = k.limits[name];
    return h('label', { class: 'field' }, h('span', null, label), input);
  });
  const save = h('button', { class: 'btn primary small', type: 'button' }, 'Save limits');
  save.addEventListener('click', () => {
    const limits = {};
    for (const i of tr.nextElementSibling.querySelectorAll('input[data-limit]')) if (i.value) limits[i.dataset.limit] = Number(i.value);
    if (k.limits && k.limits.models) limits.models = k.limits.models;
    patchKey(k, { limits }, 'limits saved');
  });
  tr.after(h('tr', { class: 'limits-row' }, h('td', { colspan: '9' }, h('div', { class: 'form-grid' }, inputs, h('div', { class: 'field' }, save)))));
}

async function patchKey(k, body, done) {
  try {
    await api('/v1/admin/keys/' + encodeURIComponent(k.id), { method: 'PATCH', body });
    toast('Key ' + (k.name || k.id) + ': ' + done + '.');
  } catch (e) { toast(e.message, 'error'); }
  refreshKeys();
  refreshAudit(0);
}

async function createKey() {
  const body = { name: $('#key-name').value.trim() };
  const owner = $('#key-owner').value.trim();
  if (owner) body.owner = owner;
  body.scopes = [...document.querySelectorAll('#key-scopes input:checked')].map(c => c.value);
  const models = $('#key-models').value.split(',').map(x => x.trim()).filter(Boolean);
  if (models.length) body.models = models;
  const limits = {};
  if ($('#key-rpm').value) limits.requests_per_minute = Number($('#key-rpm').value);
  if ($('#key-tpm').value) limits.tokens_per_minute = Number($('#key-tpm').value);
  if (Object.keys(limits).length) body.limits = limits;
  try {
    const k = await api('/v1/admin/keys', { method: 'POST', body });
    // The secret is shown here once and kept nowhere else: not in storage, not in the list.
    fill($('#new-key'), h('div', { class: 'secret-box', role: 'alert' },
      h('div', null, h('strong', null, 'Key "' + (k.name || k.id) + '" created. '), 'Copy it now: it is shown only this once.'),
      h('div', { class: 'row' }, h('code', { id: 'new-key-secret' }, k.key), copyButton(() => k.key, 'Copy key'),
        h('button', { class: 'btn small', type: 'button', onclick: () => fill($('#new-key')) }, 'Done'))));
    $('#key-name').value = '';
    refreshKeys();
    refreshAudit(0);
  } catch (e) { toast('Cannot create the key: ' + e.message, 'error'); }
}

async function revoke(k, b) {
  if (!b.classList.contains('confirm')) {
    b.classList.add('confirm');
    b.textContent = 'Revoke for good?';
    setTimeout(() => { if (b.isConnected) { b.classList.remove('confirm'); b.textContent = 'Revoke'; } }, 3000);
    return;
  }
  try {
    await api('/v1/admin/keys/' + encodeURIComponent(k.id), { method: 'DELETE' });
    toast('Key ' + (k.name || k.id) + ' revoked.');
  } catch (e) { toast(e.message, 'error'); }
  refreshKeys();
  refreshAudit(0);
}

// ---- usage (the usage API: GET /v1/admin/usage?from=&to=&group_by=)

async function refreshUsage() {
  const range = $('#usage-range').value;
  const hours = { '24h': 24, '7d': 168, '30d': 720 }[range];
  const unit = hours > 48 ? 'day' : 'hour';
  const to = new Date();
  const from = new Date(to.getTime() - hours * 3600_000);
  let r;
  try {
    r = await api(`/v1/admin/usage?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&group_by=${unit},model`);
  } catch (e) {
    if (isUnavailable(e)) { fill($('#usage-body'), h('div', { class: 'notice', id: 'usage-unavailable' }, 'Usage reporting is not available on this server.')); return; }
    failed('#usage-body', e);
    return;
  }
  const rows = r.data || [];
  const models = [...new Set(rows.map(x => x.model))].sort();
  const series = field => models.map(m => ({ name: m, points: rows.filter(x => x.model === m).map(x => [Date.parse(x[unit]), x[field] || 0]) }));
  const label = x => unit === 'hour' ? new Date(x).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : new Date(x).toLocaleDateString();
  const byTime = new Map();
  rows.forEach(x => {
    const t = Date.parse(x[unit]);
    const a = byTime.get(t) || { in: 0, out: 0 };
    a.in += x.prompt_tokens || 0;
    a.out += x.completion_tokens || 0;
    byTime.set(t, a);
  });
  const tok = [...byTime.entries()];
  const total = r.total || {};
  const empty = 'No requests in this range.';
  const bucket = (unit === 'hour' ? 3600 : 86400) * 1000;
  const floor = t => Math.floor(t / bucket) * bucket;
  const axis = { xMin: floor(from.getTime()), xMax: floor(to.getTime()) + bucket, bucket, xLabel: label, legend: true, empty };
  fill($('#usage-body'),
    h('div', { class: 'tiles' }, tile('Requests', compact(total.requests || 0)), tile('Errors', compact(total.errors || 0)),
      tile('Prompt tokens', compact(total.prompt_tokens || 0)), tile('Completion tokens', compact(total.completion_tokens || 0)),
      tile('Cached tokens', compact(total.cached_tokens || 0))),
    h('div', { class: 'grid2' },
      lineChart(series('requests'), { ...axis, title: 'Requests by model' }),
      lineChart([{ name: 'tokens in (prompt)', points: tok.map(([t, a]) => [t, a.in]) }, { name: 'tokens out (completion)', points: tok.map(([t, a]) => [t, a.out]) }],
        { ...axis, title: 'Tokens in and out', yLabel: compact }),
      lineChart(series('errors'), { ...axis, title: 'Errors by model' })));
}

// ---- audit log

const auditCursors = [null];
async function refreshAudit(page = auditCursors.length - 1) {
  let r;
  try { r = await api('/v1/admin/audit?limit=15' + (auditCursors[page] ? '&cursor=' + encodeURIComponent(auditCursors[page]) : '')); } catch (e) { failed('#audit-table', e); return; }
  auditCursors.length = page + 1;
  if (r.has_more) auditCursors.push(r.next_cursor);
  $('#audit-next').disabled = !r.has_more;
  fill($('#audit-table'), table(['Time', 'Actor', 'Action', 'Target', 'Request id'],
    r.data.map(e => h('tr', null, td(dateTime(e.created_at)), td(e.actor), td(h('span', { class: 'badge' }, e.action)), td(h('span', { class: 'mono' }, e.target)), td(h('span', { class: 'mono muted' }, e.request_id || '')))),
    'No audit events yet.'));
}

// ---- wiring

$('#create-key').addEventListener('click', createKey);
$('#pull').addEventListener('click', pull);
$('#pull-name').addEventListener('keydown', e => { if (e.key === 'Enter') pull(); });
$('#usage-range').addEventListener('change', refreshUsage);
$('#audit-first').addEventListener('click', () => { auditCursors.length = 1; refreshAudit(0); });
$('#audit-next').addEventListener('click', () => refreshAudit(auditCursors.length - 1));

async function all() {
  await Promise.all([refreshStats(), refreshModels(), refreshKeys(), refreshUsage(), refreshAudit(0)]);
}

topBar('console', () => { auditCursors.length = 1; all(); });
all().then(() => { document.body.dataset.ready = 'true'; });
setInterval(refreshStats, REFRESH_MS);
setInterval(refreshModels, 5 * REFRESH_MS);
setInterval(refreshUsage, 20 * REFRESH_MS); // usage rows arrive within the telemetry flush interval
