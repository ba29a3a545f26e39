// The playground: chat with any model over the WebSocket API (/v1/ws), on sessions the server keeps
// (/v1/sessions), so history survives a reload. Model output is rendered by markdown.js as text nodes only.
//
// State (one page, one thread): `state.session` is the open session (null: a new chat not yet created);
// `state.run` the turn being answered (at most one: a session runs one turn at a time); `state.socket` the open
// WebSocket, opened on first use and again after it closed.
import { h, fill, $, ago, ms, copyButton, icon } from './dom.js';
import { api, openSocket, isUnavailable } from './api.js';
import { renderMarkdown } from './markdown.js';
import { topBar, toast } from './shell.js';

const els = {
  messages: $('#messages'), input: $('#input'), send: $('#send'), stop: $('#stop'), model: $('#model'),
  system: $('#system'), temperature: $('#temperature'), topP: $('#top-p'), maxTokens: $('#max-tokens'),
  seed: $('#seed'), tools: $('#tools'), list: $('#session-list'), more: $('#more-sessions'), newChat: $('#new-chat'),
};
const state = { session: null, cursor: null, socket: null, opening: null, run: null, editing: null, toolReply: null, feedback: true, seq: 0 };
const contentOf = new WeakMap(); // message view → its text (for copy, edit and regenerate)

// ---- settings

function linkRange(rangeId, input) {
  const range = document.getElementById(rangeId);
  range.addEventListener('input', () => { input.value = range.value; });
  input.addEventListener('input', () => { range.value = input.value; });
}
linkRange('temperature-range', els.temperature);
linkRange('top-p-range', els.topP);

/** The sampling parameters of the side panel, checked; throws with a message naming the bad field. */
function sampling() {
  const num = (el, name, lo, hi, int) => {
    const v = Number(el.value);
    if (el.value.trim() === '' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v))) {
      el.focus();
      throw new Error(`${name} must be ${int ? 'an integer' : 'a number'} from ${lo} to ${hi}.`);
    }
    return v;
  };
  const p = {
    temperature: num(els.temperature, 'Temperature', 0, 2),
    top_p: num(els.topP, 'Top-p', 0, 1),
    max_tokens: num(els.maxTokens, 'Max tokens', 1, 1_000_000, true),
  };
  if (els.seed.value.trim() !== '') p.seed = num(els.seed, 'Seed', -(2 ** 53), 2 ** 53, true);
  return p;
}

/** The side panel's tools: null when empty, else a JSON array of functions (throws naming the problem). */
function tools() {
  const text = els.tools.value.trim();
  if (!text) return null;
  let v;
  try { v = JSON.parse(text); } catch (e) { $('#tools-fold').open = true; els.tools.focus(); throw new Error('Tools are not valid JSON: ' + e.message); }
  if (!Array.isArray(v)) { $('#tools-fold').open = true; els.tools.focus(); throw new Error('Tools must be a JSON array of {"type":"function","function":{…}}.'); }
  return v;
}

/** Answering a tool call: the next message is that call's result (role tool). */
function replyToTool(call) {
  state.toolReply = call;
  const hint = $('#tool-hint');
  hint.textContent = 'Next message is the result of ' + call.name + ' (' + call.id + ') · Esc cancels · ';
  hint.hidden = false;
  els.input.focus();
}

function cancelToolReply() {
  state.toolReply = null;
  $('#tool-hint').hidden = true;
}

async function loadModels() {
  try {
    const r = await api('/v1/models');
    const ids = r.data.map(m => m.id);
    const keep = els.model.value || localStorage.getItem('stellar.model');
    fill(els.model, ids.map(id => h('option', { value: id }, id)));
    if (keep && ids.includes(keep)) els.model.value = keep;
    if (!ids.length) fill(els.model, h('option', { value: '' }, 'no models'));
  } catch (e) {
    fill(els.model, h('option', { value: '' }, 'models unavailable'));
    toast('Cannot list models: ' + e.message, 'error');
  }
}
els.model.addEventListener('change', () => localStorage.setItem('stellar.model', els.model.value));

// ---- messages

/** Splits a <think>…</think> part (reasoning models) from the answer; an open one is still thinking. */
function splitThinking(text) {
  const open = text.indexOf('<think>');
  if (open < 0) return { reasoning: '', answer: text };
  const close = text.indexOf('</think>', open);
  if (close < 0) return { reasoning: text.slice(open + 7), answer: text.slice(0, open) };
  return { reasoning: text.slice(open + 7, close).trim(), answer: (text.slice(0, open) + text.slice(close + 8)).trim() };
}

function fold(summary, body, cls) {
  return h('details', { class: 'fold ' + cls }, h('summary', null, summary), h('div', { class: 'fold-body' }, body));
}

function prettyJson(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return String(text); }
}

/** Fills an assistant message's body: reasoning folded, the answer as Markdown, tool calls folded. */
function renderAnswer(body, text, reasoning, toolCalls) {
  const split = splitThinking(text);
  const thinking = [reasoning, split.reasoning].filter(Boolean).join('\n\n');
  fill(body,
    thinking ? fold('Reasoning', renderMarkdown(thinking), 'reasoning') : null,
    renderMarkdown(split.answer),
    (toolCalls || []).map(c => fold('Tool call: ' + c.name, [h('pre', { class: 'mono' }, prettyJson(c.arguments)),
      c.id ? h('button', { class: 'btn small tool-reply', type: 'button', onclick: () => replyToTool(c) }, 'Send the result') : null], 'tool-call')));
}

const FINISH = { stop: 'finished', length: 'hit max tokens', tool_calls: 'called tools', cancelled: 'cancelled', error: 'failed', content_filter: 'filtered' };

/** "24 tokens · TTFT 35 ms · 512 tok/s · finished" from live timings or the stored ones. */
function statsText(m, live) {
  const parts = [];
  const completion = m.usage && m.usage.completion_tokens;
  if (completion) parts.push(completion + ' tokens');
  else if (live && live.deltas) parts.push(live.deltas + ' pieces'); // an upstream cut short may report no usage
  if (m.usage && m.usage.prompt_tokens) parts.push(m.usage.prompt_tokens + ' prompt');
  const ttft = live ? live.ttft : m.timings && m.timings.prompt_ms;
  if (ttft !== undefined && ttft !== null) parts.push('TTFT ' + ms(ttft));
  const genMs = live ? live.genMs : m.timings && m.timings.generation_ms;
  if (completion > 1 && genMs > 0) parts.push((completion / (genMs / 1000)).toFixed(1) + ' tok/s');
  if ((live && live.stopped) || m.stopped) parts.push('stopped');
  else if (m.finish_reason) parts.push(FINISH[m.finish_reason] || m.finish_reason);
  if (m.status === 'interrupted') parts.push('interrupted (server restarted)');
  return parts.join(' · ');
}

/** One message as an element: m has the session API's message shape (or the parts known so far). */
function messageView(m, live) {
  const role = m.role === 'user' ? 'user' : m.role === 'tool' ? 'tool' : 'assistant';
  const view = h('div', { class: 'msg ' + role, dataset: m.id ? { messageId: m.id } : {} });
  contentOf.set(view, m.content || '');
  const body = h('div', { class: role === 'assistant' ? 'body md' : 'body' });
  view.append(h('div', { class: 'who' }, role === 'user' ? 'You' : role === 'tool' ? 'Tool result' : 'Assistant'), body);
  if (role === 'assistant') {
    renderAnswer(body, m.content || '', m.reasoning_content, (m.tool_calls || []).map(c => c.function ? { id: c.id, name: c.function.name, arguments: c.function.arguments } : c));
    if (m.status !== 'generating') view.append(assistantFoot(view, m, live));
  } else {
    body.textContent = m.content || '';
    if (role === 'user') {
      view.append(h('div', { class: 'foot' }, h('span', { class: 'stats' }),
        h('button', { class: 'icon-btn edit', type: 'button', 'aria-label': 'Edit and resend', title: 'Edit and resend', onclick: () => editMessage(view) }, icon('edit'), ' Edit')));
    }
  }
  return view;
}

function assistantFoot(view, m, live) {
  const foot = h('div', { class: 'foot' }, h('span', { class: 'stats' }, statsText(m, live)));
  if ((live && live.stopped) || m.stopped) view.dataset.stopped = 'true';
  if (m.finish_reason) view.dataset.finish = m.finish_reason;
  foot.append(copyButton(() => contentOf.get(view), 'Copy'));
  foot.append(h('button', { class: 'btn small regenerate', type: 'button', onclick: () => regenerate(view) }, 'Regenerate'));
  if (m.id && state.feedback) {
    const rated = m.feedback && m.feedback.rating;
    for (const [rating, flip, label] of [['up', false, 'Good answer'], ['down', true, 'Bad answer']]) {
      foot.append(h('button', { class: 'icon-btn feedback', type: 'button', 'aria-label': label, title: label,
        'aria-pressed': rated === rating ? 'true' : 'false', dataset: { rating }, onclick: e => rate(view, rating, e.currentTarget) }, icon('up', flip)));
    }
  }
  return foot;
}

/** Only the last answer offers Regenerate. */
function updateRegenerate() {
  const all = els.messages.querySelectorAll('.msg.assistant .regenerate');
  all.forEach((b, i) => { b.hidden = i !== all.length - 1; });
}

function scrollDown() {
  els.messages.scrollTop = els.messages.scrollHeight;
}

function emptyState() {
  return h('div', { class: 'empty-chat', id: 'empty' }, h('h1', null, 'What shall we talk about?'),
    h('p', null, 'Pick a model on the right, type a message and press Enter. Conversations are kept on the server; open them again from the list.'));
}

async function rate(view, rating, button) {
  const id = view.dataset.messageId;
  if (!id || !state.session) return;
  try {
    const r = await api(`/v1/sessions/${encodeURIComponent(state.session.id)}/messages/${encodeURIComponent(id)}/feedback`, { method: 'POST', body: { rating } });
    view.querySelectorAll('.feedback').forEach(b => b.setAttribute('aria-pressed', String(b.dataset.rating === r.rating)));
    toast('Thanks for the feedback.');
  } catch (e) {
    if (isUnavailable(e)) {
      state.feedback = false;
      document.querySelectorAll('.feedback').forEach(b => b.remove());
      toast('Feedback is not available on this server.');
    } else toast('Feedback failed: ' + e.message, 'error');
  }
  button.blur();
}

/** Edit and resend: the question goes to the composer; sending it rewinds the session to just before it. */
function editMessage(view) {
  if (state.run) return;
  cancelEdit();
  state.editing = view;
  view.classList.add('editing');
  els.input.value = contentOf.get(view);
  els.input.focus();
  $('#edit-hint').hidden = false;
}

function cancelEdit() {
  if (state.editing) state.editing.classList.remove('editing');
  state.editing = null;
  $('#edit-hint').hidden = true;
}

/**
 * Deletes a question and everything after it, on the server (DELETE /v1/sessions/{id}/messages/{mid}) and on
 * the page, so the conversation goes on from just before it. False when that failed (the user was told).
 */
async function rewind(userView) {
  const id = userView.dataset.messageId;
  if (!id || !state.session) { toast('This message is not stored yet.', 'error'); return false; }
  try {
    await api(`/v1/sessions/${encodeURIComponent(state.session.id)}/messages/${encodeURIComponent(id)}`, { method: 'DELETE' });
  } catch (e) {
    toast('Cannot rewind the session: ' + e.message, 'error');
    return false;
  }
  while (userView.nextElementSibling) userView.nextElementSibling.remove();
  userView.remove();
  return true;
}

/** Asks again: the question before this answer replaces itself and its answer. */
async function regenerate(view) {
  if (state.run) return;
  let prev = view.previousElementSibling;
  while (prev && !prev.classList.contains('user')) prev = prev.previousElementSibling;
  if (!prev) return;
  const text = contentOf.get(prev);
  if (await rewind(prev)) send(text);
}

// ---- sessions

function titleOf(text) {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 60 ? t.slice(0, 57) + '…' : t;
}

function sessionItem(s) {
  const li = h('li', { dataset: { sessionId: s.id } });
  const show = () => fill(li,
    h('button', { class: 'session-open', type: 'button', onclick: () => openSession(s.id), title: s.title || 'Untitled' },
      h('span', { class: 'title' }, s.title || 'Untitled'),
      h('span', { class: 'meta' }, s.model + ' · ' + ago(s.updated_at))),
    h('button', { class: 'icon-btn rename', type: 'button', 'aria-label': 'Rename session', title: 'Rename', onclick: rename }, icon('edit')),
    h('button', { class: 'icon-btn delete', type: 'button', 'aria-label': 'Delete session', title: 'Delete', onclick: remove }, icon('trash')));
  function rename() {
    const input = h('input', { type: 'text', value: s.title, 'aria-label': 'Session title' });
    let done = false;
    const save = async ok => {
      if (done) return;
      done = true;
      if (ok && input.value.trim() !== s.title) {
        try {
          Object.assign(s, await api('/v1/sessions/' + encodeURIComponent(s.id), { method: 'PATCH', body: { title: input.value.trim() } }));
          if (state.session && state.session.id === s.id) state.session = s;
        } catch (e) { toast('Rename failed: ' + e.message, 'error'); }
      }
      show();
      markActive();
    };
    input.addEventListener('keydown', e => {
      if (e.key === 'Enter') { e.preventDefault(); save(true); }
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); save(false); }
    });
    input.addEventListener('blur', () => save(true));
    fill(li, input);
    input.focus();
    input.select();
  }
  async function remove(e) {
    const b = e.currentTarget;
    if (!b.classList.contains('confirm')) {
      b.classList.add('confirm', 'btn', 'small', 'danger');
      b.textContent = 'Delete?';
      setTimeout(() => { if (b.isConnected) show(); }, 3000);
      return;
    }
    try {
      await api('/v1/sessions/' + encodeURIComponent(s.id), { method: 'DELETE' });
      li.remove();
      if (state.session && state.session.id === s.id) newChat();
      toast('Session deleted.');
    } catch (err) { toast('Delete failed: ' + err.message, 'error'); }
  }
  show();
  li._session = s;
  return li;
}

function markActive() {
  els.list.querySelectorAll('li').forEach(li => li.classList.toggle('active', !!state.session && li.dataset.sessionId === state.session.id));
}

async function loadSessions(reset) {
  try {
    const q = '/v1/sessions?limit=20' + (!reset && state.cursor ? '&cursor=' + encodeURIComponent(state.cursor) : '');
    const page = await api(q);
    if (reset) els.list.replaceChildren();
    page.data.forEach(s => els.list.append(sessionItem(s)));
    state.cursor = page.has_more ? page.next_cursor : null;
    els.more.hidden = !state.cursor;
    markActive();
  } catch (e) {
    if (reset) fill(els.list, h('li', { class: 'muted' }, 'Sessions unavailable: ' + e.message));
  }
}

function newChat() {
  if (state.run) return;
  cancelEdit();
  cancelToolReply();
  state.session = null;
  history.replaceState(null, '', location.pathname);
  fill(els.messages, emptyState());
  markActive();
  els.input.focus();
}

async function openSession(id) {
  if (state.run) { toast('Stop or wait for the answer first.'); return; }
  try {
    const [s, page] = await Promise.all([
      api('/v1/sessions/' + encodeURIComponent(id)),
      api('/v1/sessions/' + encodeURIComponent(id) + '/messages?limit=50')]);
    cancelEdit();
    cancelToolReply();
    state.session = s;
    history.replaceState(null, '', '#session=' + encodeURIComponent(id));
    if (![...els.model.options].some(o => o.value === s.model)) els.model.append(h('option', { value: s.model }, s.model));
    els.model.value = s.model;
    els.system.value = s.system_prompt || '';
    fill(els.messages, page.has_more ? earlierButton(id, page.next_before) : null,
      page.data.filter(m => m.role !== 'system').map(m => messageView(m)));
    updateRegenerate();
    markActive();
    scrollDown();
    document.querySelectorAll('.panel.open').forEach(p => p.classList.remove('open'));
  } catch (e) {
    toast('Cannot open the session: ' + e.message, 'error');
    if (e.status === 404) newChat();
  }
}

function earlierButton(id, before) {
  const b = h('button', { class: 'btn small', type: 'button', id: 'earlier' }, 'Load earlier messages');
  b.addEventListener('click', async () => {
    const page = await api(`/v1/sessions/${encodeURIComponent(id)}/messages?limit=50&before=${encodeURIComponent(before)}`);
    const nodes = page.data.filter(m => m.role !== 'system').map(m => messageView(m));
    b.replaceWith(...(page.has_more ? [earlierButton(id, page.next_before)] : []), ...nodes);
  });
  return h('div', { class: 'msg' }, b);
}

// ---- the WebSocket and turns

function socket() {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) return Promise.resolve(state.socket);
  if (state.opening) return state.opening;
  state.opening = new Promise((resolve, reject) => {
    const ws = openSocket();
    ws.addEventListener('open', () => { state.socket = ws; state.opening = null; resolve(ws); });
    ws.addEventListener('message', e => {
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      onFrame(f);
    });
    ws.addEventListener('close', () => {
      if (state.socket === ws) state.socket = null;
      if (state.opening) { state.opening = null; reject(new Error('Cannot open the chat connection (check the API key).')); }
      if (state.run) fail(state.run, 'The connection closed before the answer ended.');
    });
  });
  return state.opening;
}
setInterval(() => { if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send('{"type":"ping"}'); }, 60_000);

function setRunning(on) {
  els.send.hidden = on;
  els.stop.hidden = !on;
  document.body.classList.toggle('running', on);
}

async function send(textArg) {
  const text = textArg ?? els.input.value;
  if (!text.trim() || state.run) return;
  const model = els.model.value;
  if (!model) { toast('There is no model to chat with.', 'error'); return; }
  let params;
  let toolList;
  try { params = sampling(); toolList = tools(); } catch (e) { toast(e.message, 'error'); return; }
  const toolReply = textArg === undefined ? state.toolReply : null;
  if (textArg === undefined && state.editing) {
    const editing = state.editing;
    cancelEdit();
    if (!(await rewind(editing))) return;
  }
  if (textArg === undefined) els.input.value = '';
  const run = { requestId: 'r' + (++state.seq) + '-' + Date.now().toString(36), text: '', reasoning: '', toolCalls: [], deltas: 0, stopPressed: false };
  state.run = run;
  setRunning(true);
  try {
    if (!state.session) {
      state.session = await api('/v1/sessions', { method: 'POST', body: { model, title: titleOf(text), system_prompt: els.system.value } });
      history.replaceState(null, '', '#session=' + encodeURIComponent(state.session.id));
      els.list.prepend(sessionItem(state.session));
      markActive();
    } else if (state.session.model !== model || (state.session.system_prompt || '') !== els.system.value) {
      state.session = await api('/v1/sessions/' + encodeURIComponent(state.session.id), { method: 'PATCH', body: { model, system_prompt: els.system.value } });
    }
  } catch (e) {
    state.run = null;
    setRunning(false);
    if (textArg === undefined) els.input.value = text;
    toast(e.message, 'error');
    return;
  }
  $('#empty')?.remove();
  if (toolReply) cancelToolReply();
  run.userView = messageView({ role: toolReply ? 'tool' : 'user', content: text });
  run.view = messageView({ role: 'assistant', content: '', status: 'generating' });
  run.view.classList.add('generating');
  run.view.dataset.requestId = run.requestId;
  els.messages.append(run.userView, run.view);
  scrollDown();
  run.t0 = performance.now();
  try {
    const ws = await socket();
    const frame = { type: 'message', request_id: run.requestId, session_id: state.session.id, content: text, params };
    if (toolList) frame.tools = toolList;
    if (toolReply) { frame.role = 'tool'; frame.tool_call_id = toolReply.id; }
    ws.send(JSON.stringify(frame));
  } catch (e) {
    fail(run, e.message);
  }
}

function stop() {
  const run = state.run;
  if (!run || run.stopPressed || !state.socket) return;
  run.stopPressed = true;
  state.socket.send(JSON.stringify({ type: 'stop', request_id: run.requestId }));
}

let frameQueued = false;
function scheduleRender() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => {
    frameQueued = false;
    const run = state.run;
    if (!run) return;
    const stick = els.messages.scrollHeight - els.messages.scrollTop - els.messages.clientHeight < 40;
    renderAnswer(run.view.querySelector('.body'), run.text, run.reasoning, run.toolCalls);
    if (stick) scrollDown();
  });
}

function onFrame(f) {
  const run = state.run;
  if (f.type === 'pong') return;
  if (!run || f.request_id !== run.requestId) {
    if (f.type === 'error' && f.error && f.error.code !== 'request_not_running') toast(f.error.message, 'error');
    return;
  }
  switch (f.type) {
    case 'start':
      run.view.dataset.messageId = f.message_id;
      run.userView.dataset.messageId = f.user_message_id;
      if (f.truncated_messages) toast(f.truncated_messages + ' older message(s) did not fit the context and were left out.');
      break;
    case 'delta':
      if (run.tFirst === undefined) run.tFirst = performance.now();
      run.deltas++;
      run.text += f.content || '';
      if (f.reasoning_content) run.reasoning += f.reasoning_content;
      scheduleRender();
      break;
    case 'tool_call':
      run.toolCalls.push({ id: f.id, name: f.name, arguments: f.arguments });
      scheduleRender();
      break;
    case 'end':
      finish(run, f);
      break;
    case 'error':
      if (f.error && f.error.code === 'request_not_running') return;
      fail(run, (f.error && f.error.message) || 'The request failed.');
      break;
    default:
  }
}

function finish(run, f) {
  const end = performance.now();
  state.run = null;
  setRunning(false);
  const m = { id: f.message_id, role: 'assistant', content: run.text, reasoning_content: run.reasoning, finish_reason: f.finish_reason, usage: f.usage, tool_calls: run.toolCalls };
  const live = { ttft: run.tFirst !== undefined ? run.tFirst - run.t0 : null, genMs: run.tFirst !== undefined ? end - run.tFirst : 0, stopped: run.stopPressed && f.finish_reason === 'stop', deltas: run.deltas };
  const view = messageView(m, live);
  view.dataset.deltas = String(run.deltas);
  run.view.replaceWith(view);
  updateRegenerate();
  if (state.session) {
    const li = els.list.querySelector(`li[data-session-id="${CSS.escape(state.session.id)}"]`);
    if (li) { li.remove(); els.list.prepend(sessionItem({ ...li._session, updated_at: Date.now() / 1000 })); markActive(); }
  }
  scrollDown();
}

function fail(run, message) {
  if (state.run !== run) return;
  state.run = null;
  setRunning(false);
  run.view.classList.remove('generating');
  run.view.classList.add('error');
  run.view.dataset.finish = 'error';
  const body = run.view.querySelector('.body');
  body.classList.remove('md');
  fill(body, run.text ? renderMarkdown(run.text) : null, h('div', { class: 'error-text' }, message));
  scrollDown();
}

// ---- keyboard and buttons

els.input.addEventListener('keydown', e => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
});
document.addEventListener('keydown', e => {
  if (e.key === 'Escape' && state.run) { e.preventDefault(); stop(); }
  else if (e.key === 'Escape' && state.editing) { e.preventDefault(); cancelEdit(); els.input.value = ''; }
  else if (e.key === 'Escape' && state.toolReply) { e.preventDefault(); cancelToolReply(); }
});
els.send.addEventListener('click', () => send());
els.stop.addEventListener('click', stop);
els.newChat.addEventListener('click', newChat);
els.more.addEventListener('click', () => loadSessions(false));
for (const [btn, panel] of [['#toggle-sessions', '#sessions-panel'], ['#toggle-settings', '#settings-panel']]) {
  $(btn).addEventListener('click', e => { e.stopPropagation(); $(panel).classList.toggle('open'); });
}
els.messages.addEventListener('click', () => document.querySelectorAll('.panel.open').forEach(p => p.classList.remove('open')));

async function start() {
  delete document.body.dataset.ready;
  await loadModels();
  await loadSessions(true);
  const m = location.hash.match(/^#session=(.+)$/);
  if (m) await openSession(decodeURIComponent(m[1]));
  else newChat();
  document.body.dataset.ready = 'true';
}

// Another key is another owner: its sessions, not the open one (which that owner may not see).
topBar('playground', () => {
  state.socket?.close();
  state.session = null;
  history.replaceState(null, '', location.pathname);
  start();
});
start();
