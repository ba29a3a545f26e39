// The web UI in a real browser (Debian's chromium, headless, driven by playwright-core), against a live
// StellarChat that WebUiBrowserTest started. Usage: node webui.mjs <base-url> <screenshot-dir>
//
// Models the server must have: stories260K (local), slow (a remote upstream that streams slowly) and flaky
// (a remote upstream that refuses connections). Prints one line "RESULT <json>" for the Java side, which checks
// what the browser reported against the server's own state. Any failed step exits 1 after a screenshot.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, outDir] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const result = { consoleErrors: [], steps: [] };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
context.setDefaultTimeout(15_000);
let current = null;

function watch(page, name) {
  page.on('console', m => {
    if (m.type() === 'error') result.consoleErrors.push({ page: name, text: m.text(), url: m.location().url });
  });
  page.on('pageerror', e => result.consoleErrors.push({ page: name, text: 'uncaught: ' + e.message }));
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    result.steps.push({ name, ms: Date.now() - t0 });
  } catch (e) {
    result.failed = { step: name, error: String(e && e.stack || e) };
    if (current) await current.screenshot({ path: `${outDir}/failure-${name}.png`, fullPage: true }).catch(() => {});
    console.log('RESULT ' + JSON.stringify(result));
    await browser.close();
    process.exit(1);
  }
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** WebSocket frames the page received, by request id. */
const frames = [];
function recordFrames(page) {
  page.on('websocket', ws => ws.on('framereceived', f => {
    try { frames.push({ at: Date.now(), ...JSON.parse(f.payload) }); } catch { /* not JSON */ }
  }));
}
const framesOf = id => frames.filter(f => f.request_id === id);
// Text as shown vs text as streamed: Markdown marks and list numbers do not show, whitespace differs.
const norm = s => s.replace(/[*_`#>]|^\s*(\d+[.)]|[-+])\s/gm, '').replace(/\s+/g, ' ').trim();

const page = await context.newPage();
current = page;
watch(page, 'playground');
recordFrames(page);

await step('playground-loads', async () => {
  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="true"]');
  const models = await page.$$eval('#model option', os => os.map(o => o.value));
  for (const m of ['stories260K', 'slow', 'flaky']) check(models.includes(m), 'model list lacks ' + m + ': ' + models);
  check(await page.isVisible('#empty'), 'a new chat shows its empty state');
  check(await page.locator('#session-list li').count() === 20, 'one page of sessions');
  check(await page.locator('#session-list li .title').first().innerText() === 'old session 21', 'newest first');
  await page.click('#more-sessions');
  await page.waitForSelector('#session-list li:has-text("old session 0")');
  check(await page.locator('#session-list li').count() === 22 && await page.isHidden('#more-sessions'), 'the next page, then no more');
});

await step('answer-streams', async () => {
  // Text lengths seen in the answer while it was still generating: proof that it streamed into the page.
  await page.evaluate(() => {
    window.__partials = [];
    new MutationObserver(() => {
      const b = document.querySelector('.msg.generating .body');
      if (b && b.textContent) window.__partials.push(b.textContent.length);
    }).observe(document.getElementById('messages'), { subtree: true, childList: true, characterData: true });
  });
  await page.click('#new-chat');
  await page.selectOption('#model', 'stories260K');
  await page.fill('#temperature', '0');
  await page.fill('#max-tokens', '200');
  await page.fill('#system', 'You tell short stories.');
  await page.fill('#input', 'Once upon a time');
  await page.press('#input', 'Enter');
  await page.waitForSelector('.msg.assistant[data-finish]', { timeout: 30_000 });
  const answer = page.locator('.msg.assistant').last();
  const id = await answer.getAttribute('data-message-id');
  const start = frames.find(f => f.type === 'start' && f.message_id === id);
  check(start, 'no start frame for ' + id);
  const mine = framesOf(start.request_id);
  const deltas = mine.filter(f => f.type === 'delta');
  const end = mine.find(f => f.type === 'end');
  const shown = await answer.locator('.body').innerText();
  const partials = await page.evaluate(() => window.__partials);
  check(deltas.length >= 2, 'streamed in ' + deltas.length + ' delta frame(s)');
  check(norm(shown) === norm(deltas.map(d => d.content).join('')), 'the page shows the streamed text: ' + shown);
  check(partials.some(n => n > 0), 'text was visible before the answer ended');
  const stats = await answer.locator('.foot .stats').innerText();
  check(/\d+ tokens/.test(stats) && /TTFT/.test(stats) && /tok\/s/.test(stats), 'token counts, TTFT and tok/s under the answer: ' + stats);
  check(await page.locator('#session-list li.active').count() === 1, 'the new session is listed and marked');
  result.stream = { sessionId: start.session_id, messageId: id, deltas: deltas.length, shown, finish: end.finish_reason,
    streamed: deltas.map(d => d.content).join(''),
    completion: end.usage.completion_tokens, partials: partials.length, stats };
  await page.screenshot({ path: `${outDir}/playground.png` });
});

await step('stop-mid-answer', async () => {
  await page.click('#new-chat');
  await page.selectOption('#model', 'slow');
  await page.fill('#input', 'Tell me a long story');
  await page.press('#input', 'Enter');
  await page.waitForSelector('#stop:visible');
  const requestId = await page.locator('.msg.assistant[data-request-id]').last().getAttribute('data-request-id');
  const t0 = Date.now();
  while (framesOf(requestId).filter(f => f.type === 'delta').length < 8) {
    check(Date.now() - t0 < 15_000, 'the slow answer did not stream 8 deltas');
    await page.waitForTimeout(20);
  }
  const before = framesOf(requestId).filter(f => f.type === 'delta').length;
  const stopAt = Date.now();
  await page.keyboard.press('Escape');
  await page.waitForSelector('.msg.assistant[data-stopped="true"]', { timeout: 5_000 });
  const end = framesOf(requestId).find(f => f.type === 'end');
  check(end && end.finish_reason === 'stop', 'the answer ended with finish_reason stop: ' + JSON.stringify(end));
  const answer = page.locator('.msg.assistant').last();
  const stats = await answer.locator('.foot .stats').innerText();
  check(stats.includes('stopped'), 'the answer is marked stopped: ' + stats);
  check(await page.isHidden('#stop') && await page.isVisible('#send'), 'Send is back after the stop');
  result.stop = { sessionId: end.session_id, messageId: end.message_id, deltasBeforeStop: before,
    deltasTotal: framesOf(requestId).filter(f => f.type === 'delta').length, stopToEndMs: end.at - stopAt,
    shown: await answer.locator('.body').innerText(),
    streamed: framesOf(requestId).filter(f => f.type === 'delta').map(f => f.content).join('') };
  await page.screenshot({ path: `${outDir}/playground-markdown.png` });
});

await step('reload-finds-session', async () => {
  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="true"]');
  const item = page.locator('#session-list li', { hasText: 'Tell me a long story' });
  await item.locator('.session-open').click();
  const answer = page.locator(`.msg.assistant[data-message-id="${result.stop.messageId}"]`);
  await answer.waitFor();
  const shown = await answer.locator('.body').innerText();
  check(norm(shown) === norm(result.stop.shown), 'the reloaded answer is the stored one: ' + shown);
  check(await answer.getAttribute('data-stopped') === 'true', 'the stored answer is marked stopped after a reload');
  check(await page.locator('.msg.user', { hasText: 'Tell me a long story' }).count() === 1, 'the question is there too');
  check(await page.locator('.codeblock button', { hasText: 'Copy' }).count() >= 1, 'the code block has a copy button');
  check(await page.locator('.codeblock .tok-kw, .codeblock .tok-fn, .codeblock .tok-str').count() >= 1, 'the code is highlighted');
  check(await page.locator('#session-list li').count() >= 2, 'both sessions are listed');
  // The story session is there too; open it for the playground's picture.
  await page.locator(`#session-list li[data-session-id="${result.stream.sessionId}"] .session-open`).click();
  const story = page.locator(`.msg.assistant[data-message-id="${result.stream.messageId}"]`);
  await story.waitFor();
  await story.locator('.feedback[data-rating="up"]').click();
  await page.waitForSelector(`.msg.assistant[data-message-id="${result.stream.messageId}"] .feedback[data-rating="up"][aria-pressed="true"]`);
});

await step('reasoning-folded', async () => {
  await page.click('#new-chat');
  await page.selectOption('#model', 'slow');
  await page.fill('#input', 'Hi there');
  await page.press('#input', 'Enter');
  await page.waitForSelector('.msg.assistant[data-finish]', { timeout: 15_000 });
  const answer = page.locator('.msg.assistant').last();
  const fold = answer.locator('details.reasoning');
  check(await fold.count() === 1, 'the reasoning is folded away');
  check(!(await fold.evaluate(d => d.open)), 'and closed until asked');
  check((await fold.innerText()).includes('Reasoning'), 'with its label');
  check(await answer.locator('.body > p strong', { hasText: 'there' }).count() === 1, 'the answer is Markdown: ' + await answer.innerText());
  check(!(await answer.locator('.body > p').innerText()).includes('The user greets'), 'the reasoning is not in the answer');
});

await step('regenerate-and-edit', async () => {
  // On the reasoning session: Regenerate replaces the answer, Edit replaces the question and what followed.
  const first = await page.locator('.msg.assistant').last().getAttribute('data-message-id');
  await page.locator('.msg.assistant').last().locator('.regenerate').click();
  await page.waitForSelector(`.msg.assistant[data-finish]:not([data-message-id="${first}"])`, { timeout: 15_000 });
  check(await page.locator('.msg.user').count() === 1 && await page.locator('.msg.assistant').count() === 1,
    'regenerate keeps one question and one answer');
  await page.locator('.msg.user .edit').click();
  check(await page.inputValue('#input') === 'Hi there', 'the question is in the composer');
  check(await page.isVisible('#edit-hint'), 'the composer says it is editing');
  await page.fill('#input', 'Hi there, edited');
  await page.press('#input', 'Enter');
  await page.waitForSelector('.msg.user:has-text("Hi there, edited") ~ .msg.assistant[data-finish]', { timeout: 15_000 });
  check(await page.locator('.msg.user').count() === 1 && await page.locator('.msg.assistant').count() === 1,
    'edit and resend replaces the question and its answer');
  result.edited = { sessionId: await page.evaluate(() => decodeURIComponent(location.hash.replace('#session=', ''))) };
});

await step('tool-call-and-result', async () => {
  await page.click('#new-chat');
  await page.selectOption('#model', 'slow');
  await page.click('#tools-fold summary');
  await page.fill('#tools', JSON.stringify([{ type: 'function', function: { name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }]));
  await page.fill('#input', 'Weather in Oslo?');
  await page.press('#input', 'Enter');
  await page.waitForSelector('.msg.assistant[data-finish="tool_calls"]', { timeout: 15_000 });
  const call = page.locator('.msg.assistant details.tool-call');
  check(await call.count() === 1 && (await call.locator('summary').innerText()).includes('get_weather'), 'the call is folded under its name');
  check(!(await call.evaluate(d => d.open)), 'closed until asked');
  await call.locator('summary').click();
  check((await call.locator('pre').innerText()).includes('"city": "Oslo"'), 'its arguments, pretty');
  await call.locator('.tool-reply').click();
  check(await page.isVisible('#tool-hint'), 'the composer says the next message is the result');
  await page.fill('#input', '{"sky":"sunny"}');
  await page.press('#input', 'Enter');
  await page.waitForSelector('.msg.assistant:has-text("It is sunny in Oslo.")', { timeout: 15_000 });
  check(await page.locator('.msg.tool').count() === 1, 'the result is shown as a tool message');
  await page.fill('#tools', '');
  result.tools = { sessionId: await page.evaluate(() => decodeURIComponent(location.hash.replace('#session=', ''))) };
});

await step('markdown-is-inert', async () => {
  // A model's HTML must show as text: render a hostile answer through the page's own renderer.
  const out = await page.evaluate(async () => {
    const { renderMarkdown } = await import('/ui/markdown.js');
    const div = document.createElement('div');
    div.append(renderMarkdown('<img src=x onerror="window.__pwned=1"> **bold** [x](javascript:alert(1)) `<b>`'));
    document.body.append(div);
    const r = { imgs: div.querySelectorAll('img').length, links: div.querySelectorAll('a').length, bold: div.querySelectorAll('strong').length, text: div.textContent };
    div.remove();
    return r;
  });
  check(out.imgs === 0 && out.links === 0 && out.bold === 1 && out.text.includes('<img src=x'), 'model HTML stays text: ' + JSON.stringify(out));
  const blocks = await page.evaluate(async () => {
    const { renderMarkdown } = await import('/ui/markdown.js');
    const div = document.createElement('div');
    div.append(renderMarkdown('# Title\n\n- a\n- b\n  - nested\n\n3. x\n4. y\n\n> quoted\n\nSee [docs](https://example.org/x) and `code`.\n\n```js\nconst a = 1; // one\n'));
    return { h: div.querySelectorAll('h2').length, ul: div.querySelectorAll('ul > li').length, nested: div.querySelectorAll('li ul li').length,
      ol: div.querySelectorAll('ol > li').length, start: div.querySelector('ol').getAttribute('start'), quote: div.querySelectorAll('blockquote').length,
      link: div.querySelector('a') && div.querySelector('a').getAttribute('rel'), code: div.querySelectorAll('p code').length,
      block: div.querySelectorAll('.codeblock .tok-kw, .codeblock .tok-com').length };
  });
  check(blocks.h === 1 && blocks.ul === 3 && blocks.nested === 1 && blocks.ol === 2 && blocks.start === '3' && blocks.quote === 1
    && /noopener/.test(blocks.link) && blocks.code === 1 && blocks.block >= 2, 'Markdown blocks: ' + JSON.stringify(blocks));
});

await step('failing-provider', async () => {
  await page.click('#new-chat');
  await page.selectOption('#model', 'flaky');
  await page.fill('#input', 'hello?');
  await page.press('#input', 'Enter');
  await page.waitForSelector('.msg.assistant.error', { timeout: 15_000 });
  result.providerError = await page.locator('.msg.assistant.error .body').innerText();
});

await step('rename-and-delete-sessions', async () => {
  // The failed chat is deleted (two clicks: the first asks), the story session renamed with the keyboard.
  const failed = page.locator('#session-list li', { hasText: 'hello?' });
  result.deletedSession = await failed.getAttribute('data-session-id');
  await failed.locator('.delete').click();
  await failed.locator('.delete', { hasText: 'Delete?' }).click();
  await page.waitForSelector(`#session-list li[data-session-id="${result.deletedSession}"]`, { state: 'detached' });
  check(await page.isVisible('#empty'), 'deleting the open session starts a new chat');
  const story = page.locator(`#session-list li[data-session-id="${result.stream.sessionId}"]`);
  await story.locator('.rename').click();
  await story.locator('input').fill('Jack and the bird');
  await story.locator('input').press('Enter');
  await page.waitForSelector(`#session-list li[data-session-id="${result.stream.sessionId}"] .title:text-is("Jack and the bird")`);
});

const consolePage = await context.newPage();
current = consolePage;
watch(consolePage, 'console');

await step('console-breaker-open', async () => {
  await consolePage.goto(base + '/console');
  await consolePage.waitForSelector('body[data-ready="true"]');
  await consolePage.waitForSelector('tr[data-provider="flaky"] [data-circuit="open"]', { timeout: 10_000 });
  check(await consolePage.locator('tr[data-provider="slowprov"] [data-circuit="closed"]').count() === 1, 'the healthy provider is closed');
  check(await consolePage.locator('tr[data-model="stories260K"]').count() === 1, 'the local model is listed');
  // Usage rows are written by the telemetry pipeline shortly after each call: ask again until they show.
  const t0 = Date.now();
  while (await consolePage.locator('#usage-body svg rect').count() === 0) {
    check(Date.now() - t0 < 10_000, 'the usage charts stay empty: ' + await consolePage.locator('#usage-body').innerText());
    await consolePage.selectOption('#usage-range', '7d');
    await consolePage.selectOption('#usage-range', '24h');
    await consolePage.waitForTimeout(300);
  }
  result.usage = await consolePage.locator('#usage-body .tile .v').first().innerText();
});

await step('console-pull-load-unload', async () => {
  await consolePage.fill('#pull-name', 'acme/tiny-GGUF');
  await consolePage.click('#pull');
  await consolePage.waitForSelector('#pull-status:has-text("done")', { timeout: 20_000 });
  const bar = await consolePage.$eval('#pull-bar', b => [b.value, b.max]);
  check(bar[0] > 0 && bar[0] === bar[1], 'the progress bar is full: ' + bar);
  const row = consolePage.locator('tr[data-model="tiny-Q4_K_M"]');
  await row.waitFor();
  await row.locator('button', { hasText: 'Load' }).click();
  await consolePage.waitForSelector('tr[data-model="tiny-Q4_K_M"] .badge:text-is("loaded")', { timeout: 15_000 });
  await consolePage.locator('tr[data-model="tiny-Q4_K_M"] button', { hasText: 'Unload' }).click();
  await consolePage.waitForSelector('tr[data-model="tiny-Q4_K_M"] .badge:text-is("unloaded")', { timeout: 15_000 });
  await consolePage.locator('tr[data-model="slow"] button', { hasText: 'Take offline' }).click();
  await consolePage.waitForSelector('tr[data-model="slow"] .badge:text-is("offline")');
  await consolePage.locator('tr[data-model="slow"] button', { hasText: 'Bring online' }).click();
  await consolePage.waitForSelector('tr[data-model="slow"] .badge:text-is("online")');
});

await step('console-key-secret-once', async () => {
  await consolePage.fill('#key-name', 'browser-test');
  await consolePage.click('#create-key');
  const secret = (await consolePage.locator('#new-key-secret').innerText()).trim();
  check(secret.startsWith('sk-stellar-'), 'the secret is shown: ' + secret);
  check(await consolePage.locator('#new-key button', { hasText: 'Copy key' }).count() === 1, 'with a copy button');
  const keyRow = consolePage.locator('#keys-table tr:has-text("browser-test")');
  await keyRow.waitFor();
  await keyRow.locator('.limits').click();
  await consolePage.fill('.limits-row input[data-limit="requests_per_minute"]', '600');
  await consolePage.click('.limits-row button:has-text("Save limits")');
  await consolePage.waitForSelector('#keys-table tr:has-text("browser-test") td:has-text("600 req/min")');
  await consolePage.waitForTimeout(3000); // a live refresh or two, so the charts have points
  await consolePage.screenshot({ path: `${outDir}/console.png`, fullPage: true });
  // The README's picture: from the top to the end of the providers (live stats, models, breakers).
  const bottom = await consolePage.$eval('#providers', el => el.getBoundingClientRect().bottom + window.scrollY + 12);
  await consolePage.screenshot({ path: `${outDir}/console-overview.png`, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) } });
  await consolePage.locator('#providers').scrollIntoViewIfNeeded();
  await consolePage.screenshot({ path: `${outDir}/console-providers-keys.png` });
  await consolePage.evaluate(() => window.scrollTo(0, 0));
  result.secret = secret;
  await consolePage.reload();
  await consolePage.waitForSelector('body[data-ready="true"]');
  await consolePage.waitForSelector('#keys-table tr:has-text("browser-test")');
  const html = await consolePage.content();
  check(!html.includes(secret), 'the secret is not shown again after a reload');
  check(await consolePage.locator('#new-key-secret').count() === 0, 'no secret box after a reload');
});

await step('sign-in-with-key', async () => {
  // The new key is another owner: the playground shows its (empty) history and chats as it, over a WebSocket
  // that carries the key as a subprotocol.
  current = page;
  await page.bringToFront();
  await page.fill('#api-key', result.secret);
  await page.click('#save-key');
  await page.waitForSelector('body[data-ready="true"]');
  check(await page.locator('#session-list li').count() === 0, "the key's owner has no sessions yet");
  await page.click('#new-chat');
  await page.selectOption('#model', 'stories260K');
  await page.fill('#max-tokens', '8');
  await page.fill('#input', 'Hello as the new key');
  await page.press('#input', 'Enter');
  await page.waitForSelector('.msg.assistant[data-finish]', { timeout: 15_000 });
  check(await page.locator('#session-list li').count() === 1, 'its first session is listed');
  const protocols = await page.evaluate(() => sessionStorage.getItem('stellar.key'));
  check(protocols === result.secret, 'the key is kept in session storage');
  check(!page.url().includes(result.secret), 'never in the URL');
  result.keySession = await page.evaluate(() => decodeURIComponent(location.hash.replace('#session=', '')));
});

await step('phone-and-dark', async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 780 }, colorScheme: 'dark', deviceScaleFactor: 1 });
  const p = await phone.newPage();
  current = p;
  watch(p, 'phone');
  await p.goto(base + '/#session=' + encodeURIComponent(result.stream.sessionId));
  await p.waitForSelector('body[data-ready="true"]');
  await p.waitForSelector(`.msg.assistant[data-message-id="${result.stream.messageId}"]`);
  check(await p.isHidden('#settings-panel'), 'the side panels fold away on a phone');
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'nothing is wider than the phone: ' + overflow + ' px');
  await p.screenshot({ path: `${outDir}/playground-phone-dark.png` });
  await p.click('#toggle-settings');
  check(await p.isVisible('#settings-panel'), 'the settings open as a drawer');
  await p.goto(base + '/console');
  await p.waitForSelector('body[data-ready="true"]');
  const wide = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(wide <= 0, 'the console fits the phone (tables scroll inside their cards): ' + wide + ' px');
  await p.screenshot({ path: `${outDir}/console-phone-dark.png` });
  await phone.close();
});

await browser.close();
console.log('RESULT ' + JSON.stringify(result));
