// check_pages.mjs HTML_DIR SHOTS_DIR - the book's interactive figures in
// headless Chromium (Debian's chromium), driven over its DevTools pipe: no
// package beyond node and the browser. For every page with a playground it
// checks, at 1280 and at 390 pixels wide, that
//   - the page loads with no console error and no uncaught exception,
//   - every figure starts (wasm/playground.js marks it playground-ready),
//   - moving each figure's first slider changes what the canvas shows,
// and saves a screenshot of each figure, SHOTS_DIR/PAGE-N-WIDTH.png, to be
// looked at. Ends "check-pages: N passed, M failed".
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { argv, exit } from 'node:process';

const [htmlDir, shotsDir] = [argv[2] ?? 'build/book/html', argv[3] ?? 'build/book/screens'];
const pages = readdirSync(htmlDir).filter((f) => f.endsWith('.html') &&
  readFileSync(join(htmlDir, f), 'utf8').includes('class="playground"')).sort();
mkdirSync(shotsDir, { recursive: true });

// Chromium reads commands on fd 3 and writes replies and events on fd 4,
// each a JSON text ending in a NUL byte.
const browser = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                                   '--remote-debugging-pipe',
                                   '--allow-file-access-from-files', 'about:blank'],
                      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const [toBrowser, fromBrowser] = [browser.stdio[3], browser.stdio[4]];
let nextId = 1, pending = new Map(), listeners = [], inbox = '';
fromBrowser.on('data', (chunk) => {
  inbox += chunk.toString('utf8');
  let end;
  while ((end = inbox.indexOf('\0')) >= 0) {
    const message = JSON.parse(inbox.slice(0, end));
    inbox = inbox.slice(end + 1);
    if (message.id && pending.has(message.id)) {
      const { resolve: done, reject } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(message.error.message));
      else done(message.result);
    } else listeners.forEach((listen) => listen(message));
  }
});
function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  toBrowser.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
  return new Promise((done, reject) => pending.set(id, { resolve: done, reject }));
}
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAIL ${what}`);
  }
}

async function checkPage(page, width) {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const call = (method, params) => send(method, params, sessionId);
  const viewport = (height) => call('Emulation.setDeviceMetricsOverride',
                                    { width, height, deviceScaleFactor: 1, mobile: width < 500 });
  const errors = [];
  const listen = (m) => {
    if (m.sessionId !== sessionId) return;
    if (m.method === 'Runtime.exceptionThrown') errors.push(m.params.exceptionDetails.text +
      ' ' + (m.params.exceptionDetails.exception?.description ?? ''));
    if (m.method === 'Runtime.consoleAPICalled' && m.params.type === 'error')
      errors.push(m.params.args.map((a) => a.value ?? a.description).join(' '));
    if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') errors.push(m.params.entry.text);
  };
  listeners.push(listen);
  await call('Runtime.enable');
  await call('Log.enable');
  await call('Page.enable');
  await viewport(900);
  await call('Page.navigate', { url: 'file://' + resolve(htmlDir, page) });
  const evaluate = async (expression) =>
    (await call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })).result.value;
  let figures = 0, ready = 0;
  for (let waited = 0; waited < 20000; waited += 200) {
    await sleep(200);
    [figures, ready] = await evaluate(`[document.querySelectorAll('div.playground').length,
                                         document.querySelectorAll('div.playground-ready').length]`) ?? [0, 0];
    if (figures > 0 && ready === figures) break;
  }
  const at = `${page} at ${width} px`;
  check(figures > 0 && ready === figures, `${at}: ${ready} of ${figures} figures started`);
  for (let n = 0; n < ready; n++) {
    const figure = `document.querySelectorAll('div.playground')[${n}]`;
    const before = await evaluate(`${figure}.querySelector('canvas').toDataURL()`);
    const moved = await evaluate(`(() => { const s = ${figure}.querySelector('input[type=range]');
      if (!s) return false; s.value = String(Math.max(0, Number(s.value) - 150));
      s.dispatchEvent(new Event('input')); return true; })()`);
    const after = await evaluate(`${figure}.querySelector('canvas').toDataURL()`);
    check(moved && before !== after, `${at}, figure ${n + 1}: moving its first slider changes the drawing`);
    // The whole page in the viewport, so that the figure's box is where
    // the capture finds it (nothing moves as the capture grows the page).
    await viewport(await evaluate('document.documentElement.scrollHeight'));
    const box = await evaluate(`(() => { window.scrollTo(0, 0); const r = ${figure}.getBoundingClientRect();
      return [r.x, r.y, r.width, r.height]; })()`);
    const shot = await call('Page.captureScreenshot', { format: 'png',
      clip: { x: box[0], y: box[1], width: box[2], height: box[3], scale: 1 } });
    await viewport(900);
    writeFileSync(join(shotsDir, `${page.replace(/\.html$/, '')}-${n + 1}-${width}.png`),
                  Buffer.from(shot.data, 'base64'));
  }
  check(errors.length === 0, `${at}: no console error${errors.length ? ': ' + errors.join('; ') : ''}`);
  listeners = listeners.filter((l) => l !== listen);
  await send('Target.closeTarget', { targetId });
}

try {
  for (const page of pages)
    for (const width of [1280, 390]) await checkPage(page, width);
} catch (error) {
  failed++;
  console.log(`FAIL ${error.message}`);
}
browser.kill();
if (pages.length === 0) console.log('check-pages: no page has an interactive figure');
console.log(`check-pages: ${passed} passed, ${failed} failed`);
exit(failed === 0 && pages.length > 0 ? 0 : 1);
