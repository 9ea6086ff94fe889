// e2e.mjs - the extension in a real Chromium against a real NAS.
//
// Run by tests/integ/t-ext-e2e.sh, which starts m3u8nas-spoold and m3u8nas-httpd
// and passes them in the environment:
//   EXT_DIR       the extension to load (extension/ of the source tree)
//   PW_DIR        a directory whose node_modules holds playwright-core
//   CHROMIUM      the browser (default /usr/bin/chromium)
//   NAS_ENDPOINT  the endpoint, e.g. https://127.0.0.1:8443
//   NAS_KEY       a valid API key
//   NAS_DIRECT    the same NAS for this script's own checks (plain HTTP
//                 loopback listener; default NAS_ENDPOINT)
//   DEAD_ENDPOINT an address where nothing listens (the "NAS down" case)
//   STREAMS_DIR   master.m3u8 + v0/ v1/ media playlists and segments
//   OUT_DIR       scratch: browser profile, screenshots (shots/)
//   SPOOL_DIR     the spool of the NAS (a job dropped in its incoming/,
//                 as over SMB)
//   FRESH_RUNS    fresh-profile detection runs (default 10)
//
// The scenario, on a site served here on 127.0.0.1:
//  1. options: a wrong key is called wrong; the right one is accepted.
//  2. /page.html fetches /hls/master.m3u8 (named .m3u8), its variant
//     /hls/v0/index.m3u8, and /ct/show (known only by its Content-Type,
//     guarded by a cookie and the Referer) -> the badge counts 2 (the
//     variant folds under its master).
//  3. the popup lists both, with the variants the NAS's probe found.
//  4. Send both (the master at its smallest variant) -> the real spooler
//     completes them -> the popup shows them completed, two
//     notifications are raised, the site saw the spooler send the page's
//     cookie and User-Agent, and only the chosen variant was fetched.
//  5. the NAS down -> the popup says it can't reach it.
//  6. the tab navigates to /page2.html with a token-guarded stream -> the
//     old streams are gone (badge 1), the popup shows the NAS's own 403,
//     and a job sent anyway (popup closed at once: only the alarm
//     follows it) fails with a "failed" notification.
//  7. the NAS's rate limit used up -> Send says so, with the wait.
//  8. the service worker stopped -> the popup, waking it, still lists the
//     tab's stream and the jobs.
//  0. (before all) FRESH_RUNS fresh profiles, each opening a page that
//     fetches two playlists as it loads, then a second such page: the
//     badge says 2 every time, with the new page's two streams.
//  1b. options: a loopback address typed without scheme becomes http://;
//     typed at the TLS port, the test says the NAS speaks https there; the
//     certificate link is a link.
//  6b. (second pass) a probed master's facts: size, duration, languages,
//     unique labels; a job dropped in the spool's incoming/ (as over SMB)
//     listed in the popup with the link to the NAS's page; a stream the
//     NAS has says "already on the NAS"; folders, /api/lookup and the
//     expiring-link refresh when the NAS has those routes (else SKIP).
// Screenshots of each step land in OUT_DIR/shots/.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined)
    throw new Error(`e2e: ${k} not set`);
  return v;
};
const EXT_DIR = path.resolve(env('EXT_DIR'));
const NAS = env('NAS_ENDPOINT');
const KEY = env('NAS_KEY');
const DIRECT = env('NAS_DIRECT', NAS);
const DEAD = env('DEAD_ENDPOINT');
const STREAMS = env('STREAMS_DIR');
const OUT = env('OUT_DIR');
const SPOOL = env('SPOOL_DIR', '');
const FRESH_RUNS = Number(env('FRESH_RUNS', '10'));
const SHOTS = path.join(OUT, 'shots');
const { chromium } = createRequire(path.join(path.resolve(env('PW_DIR')), 'e2e.cjs'))('playwright-core');

const T0 = Date.now();
function step(what) {
  console.log(`e2e: [${((Date.now() - T0) / 1000).toFixed(1)} s] ${what}`);
}

// Wait until fn() returns a truthy value (polling), or fail saying what.
async function until(what, fn, timeoutMs = 20000, everyMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last)
        return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function check(cond, what) {
  if (!cond)
    throw new Error(`check failed: ${what}`);
  step(`ok: ${what}`);
}

// ---- the site ---------------------------------------------------------------

const COOKIE = 'sid=s3cret';
const TOKEN = 'e2e-token';
const siteLog = [];

const PAGE1 = `<!doctype html><html><head><title>E2E Concert</title></head><body>
<h1>E2E Concert</h1><video id="v" width="320" height="180"></video>
<script>
  // What a player does: load the master, then one of its variants; and a
  // second stream whose URL says nothing (its Content-Type does).
  fetch('/hls/master.m3u8').then((r) => r.text())
    .then(() => fetch('/hls/v0/index.m3u8'))
    .then(() => fetch('/ct/show'))
    .then((r) => { document.title = 'E2E Concert'; document.body.dataset.loaded = r.status; });
</script></body></html>`;

const PAGE2 = `<!doctype html><html><head><title>E2E Guarded</title></head><body>
<h1>Guarded</h1>
<script>
  fetch('/guarded/live.m3u8', { headers: { 'X-Token': '${TOKEN}' } })
    .then((r) => { document.body.dataset.loaded = r.status; });
</script></body></html>`;

function fileType(p) {
  if (p.endsWith('.m3u8'))
    return 'application/vnd.apple.mpegurl';
  if (p.endsWith('.ts'))
    return 'video/mp2t';
  return 'application/octet-stream';
}

function serveFile(res, file, type) {
  let data;
  try {
    data = fs.readFileSync(file);
  } catch {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'Content-Type': type || fileType(file), 'Content-Length': data.length });
  res.end(data);
}

function siteHandler(req, res) {
  const u = new URL(req.url, 'http://site');
  const p = u.pathname;
  siteLog.push({ path: p, cookie: req.headers.cookie || '', referer: req.headers.referer || '', ua: req.headers['user-agent'] || '' });
  const hasCookie = (req.headers.cookie || '').split(/;\s*/).includes(COOKIE);
  const safe = (rel) => !rel.split('/').includes('..');
  if (secondHandler(req, res, u))
    return;
  if (p === '/page.html') {
    res.writeHead(200, { 'Content-Type': 'text/html', 'Set-Cookie': `${COOKIE}; Path=/` });
    return res.end(PAGE1);
  }
  if (p === '/page2.html') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return res.end(PAGE2);
  }
  if (p.startsWith('/hls/') && safe(p))
    return serveFile(res, path.join(STREAMS, p.slice(5)));
  // The stream only its Content-Type names (in odd case, with a charset),
  // for those who bring the page's cookie and come from the site.
  if (p.startsWith('/ct/')) {
    if (!hasCookie || !(req.headers.referer || '').startsWith(site.origin)) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      return res.end('Access denied');
    }
    if (p === '/ct/show')
      return serveFile(res, path.join(STREAMS, 'v1/index.m3u8'), 'Application/X-MpegURL; charset=utf-8');
    if (/^\/ct\/[\w.-]+\.ts$/.test(p))
      return serveFile(res, path.join(STREAMS, 'v1', p.slice(4)));
  }
  // A stream for token holders only: the NAS cannot have the token.
  if (p === '/guarded/live.m3u8') {
    if (req.headers['x-token'] !== TOKEN) {
      const deny = () => {
        res.writeHead(403, { 'Content-Type': 'text/plain' });
        res.end('Access denied');
      };
      // The spooler takes a job at once: a slow refusal keeps the job
      // unfinished while the test looks at the polling alarm.
      return site.guardDelayMs ? setTimeout(deny, site.guardDelayMs) : deny();
    }
    return serveFile(res, path.join(STREAMS, 'v0/index.m3u8'));
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
}

const site = { server: http.createServer(siteHandler), origin: '', guardDelayMs: 0 };

// ---- the second pass's pages -------------------------------------------------

// A page that fetches two playlists as soon as it loads (in <head>, before
// anything else): the streams lost at page load of issue 17.
const loadPage = (n) => `<!doctype html><html><head><title>Load ${n}</title>
<script>
  Promise.all([fetch('/load/${n}/a.m3u8'), fetch('/load/${n}/b.m3u8')])
    .then((rs) => { document.documentElement.dataset.loaded = rs.map((r) => r.status).join(','); });
</script></head><body>load ${n}</body></html>`;

// A master with three variants, two of the same height, audio in two
// languages and German subtitles.
const FACTS_MASTER = `#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="fr",NAME="Français",DEFAULT=NO,URI="v0/index.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="sub",LANGUAGE="de",NAME="Deutsch",DEFAULT=NO,URI="subs/de.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=320x180,CODECS="avc1.64000d,mp4a.40.2",AUDIO="aud",SUBTITLES="sub"
v1/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=320x180,CODECS="avc1.64000d,mp4a.40.2",AUDIO="aud",SUBTITLES="sub"
v1/index.m3u8?alt=1
#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x90,CODECS="avc1.64000d,mp4a.40.2",AUDIO="aud",SUBTITLES="sub"
v0/index.m3u8
`;
const SUBS = `#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:2.0,
de.vtt
#EXT-X-ENDLIST
`;

// Signed links: /signed/index.m3u8?token=T lists its segments with T; a
// token dies once one of its segments was served (the CDN's expiry,
// compressed), and the page hands out the newest token.
const signed = { tokens: new Map(), n: 0 };
function newToken() {
  const t = `tok${++signed.n}`;
  signed.tokens.set(t, { alive: true, served: 0 });
  return t;
}

function secondHandler(req, res, u) {
  const p = u.pathname;
  const load = /^\/load(\d+)\.html$/.exec(p);
  if (load) {
    res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
    res.end(loadPage(load[1]));
    return true;
  }
  const lp = /^\/load\/(\d+)\/[ab]\.m3u8$/.exec(p);
  if (lp) {
    serveFile(res, path.join(STREAMS, 'v0/index.m3u8'));
    return true;
  }
  if (p === '/facts.html' || p === '/again.html' || p === '/signed.html') {
    let script;
    if (p === '/facts.html')
      script = "fetch('/hls/facts.m3u8')";
    else if (p === '/again.html')
      script = "fetch('/hls/master.m3u8?token=fresh-one')";
    else
      script = `fetch('/signed/index.m3u8?token=${newToken()}')`;
    res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
    res.end(`<!doctype html><html><head><title>E2E ${p.slice(1, -5)}</title></head><body>
<script>${script}.then((r) => { document.body.dataset.loaded = r.status; });</script></body></html>`);
    return true;
  }
  if (p === '/hls/facts.m3u8') {
    res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl' });
    res.end(FACTS_MASTER);
    return true;
  }
  if (p === '/hls/subs/de.m3u8') {
    res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl' });
    res.end(SUBS);
    return true;
  }
  if (p === '/signed/index.m3u8' || /^\/signed\/seg\d+\.ts$/.test(p)) {
    const tok = signed.tokens.get(u.searchParams.get('token') || '');
    if (!tok || !tok.alive) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end('token expired');
      return true;
    }
    if (p === '/signed/index.m3u8') {
      const text = fs.readFileSync(path.join(STREAMS, 'v0/index.m3u8'), 'utf8')
        .replace(/^(seg\d+\.ts)$/mg, `$1?token=${u.searchParams.get('token')}`);
      res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl' });
      res.end(text);
      return true;
    }
    tok.served++;
    tok.alive = false;
    serveFile(res, path.join(STREAMS, 'v0', path.basename(p)));
    return true;
  }
  return false;
}

// ---- the NAS, asked directly (to check what the popup claims) -----------

async function api(p) {
  const r = await fetch(DIRECT + p, { headers: { Authorization: `Bearer ${KEY}` } });
  return r.json();
}

// ---- the browser -----------------------------------------------------------

async function launch(name = 'profile') {
  const profile = path.join(OUT, name);
  fs.rmSync(profile, { recursive: true, force: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env('CHROMIUM', '/usr/bin/chromium'),
    headless: false, // --headless=new below: extensions need the new mode
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu',
      '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
      '--ignore-certificate-errors',
      `--disable-extensions-except=${EXT_DIR}`, `--load-extension=${EXT_DIR}`,
    ],
    viewport: { width: 900, height: 700 },
  });
  let [worker] = context.serviceWorkers();
  if (!worker)
    worker = await context.waitForEvent('serviceworker', { timeout: 20000 });
  // The worker's target exists before its module has run: wait until its
  // top level has registered the listeners (a page loaded before that is
  // one no extension could see, whatever its code).
  await until('the worker\'s listeners', () => worker.evaluate(() =>
    chrome.webRequest.onResponseStarted.hasListeners() &&
    chrome.webNavigation.onCommitted.hasListeners()));
  return { context, worker, id: new URL(worker.url()).host };
}

async function shot(page, name, fullPage = true) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage });
}

async function setOptions(page, id, endpoint, key) {
  await page.goto(`chrome-extension://${id}/options.html`);
  await page.fill('#endpoint', endpoint);
  await page.fill('#key', key);
}

async function testConnection(page) {
  await page.click('#test');
  await until('a test result', async () => {
    const level = await page.getAttribute('#result', 'data-level');
    return level === 'ok' || level === 'error' ? level : null;
  }, 20000);
  return page.textContent('#result');
}

// Open the popup as a page for tabId; wait until its streams are drawn.
async function openPopup(context, id, tabId, nStreams) {
  const popup = await context.newPage();
  await popup.setViewportSize({ width: 440, height: 200 });
  await popup.goto(`chrome-extension://${id}/popup.html?tab=${tabId}`);
  await until(`${nStreams} streams in the popup`,
    async () => (await popup.$$('li.stream')).length === nStreams);
  return popup;
}

async function tabIdOf(worker, url) {
  return until(`a tab at ${url}`, () => worker.evaluate(async (u) => {
    const tabs = await chrome.tabs.query({});
    const t = tabs.find((x) => x.url === u);
    return t ? t.id : null;
  }, url));
}

const badge = (worker, tabId) => worker.evaluate((t) => chrome.action.getBadgeText({ tabId: t }), tabId);
const tabState = (worker, tabId) => worker.evaluate(async (t) =>
  (await chrome.storage.session.get(`tab:${t}`))[`tab:${t}`], tabId);

async function main() {
  await new Promise((r) => site.server.listen(0, '127.0.0.1', r));
  site.origin = `http://127.0.0.1:${site.server.address().port}`;
  step(`site at ${site.origin}, NAS at ${NAS}`);

  await freshProfiles(FRESH_RUNS);

  const { context, worker, id } = await launch();
  step(`extension ${id} loaded`);
  try {
    await scenario(context, worker, id);
  } finally {
    await context.close();
    site.server.closeAllConnections();
    site.server.close();
  }
}

// 0. Streams fetched at page load are never lost: each run a fresh
// profile (a new browser, a new extension install), a page fetching two
// playlists in its <head>, then a second such page in the same tab.
async function freshProfiles(runs) {
  let right = 0;
  const wrong = [];
  for (let i = 1; i <= runs; i++) {
    let { context, worker, id } = await launch(`fresh-${i}`);
    try {
      const page = await context.newPage();
      const results = [];
      // A first page in the fresh profile, a second one in the same tab,
      // and a third one loaded by a stopped worker (Chrome stops idle
      // workers; the page's events wake it).
      for (const [n, cold] of [[3 * i - 2, false], [3 * i - 1, false], [3 * i, true]]) {
        if (cold)
          worker = await stopWorker(context, id);
        const url = `${site.origin}/load${n}.html`;
        await page.goto(url);
        await until(`load${n}.html to fetch its playlists`, async () =>
          (await page.getAttribute('html', 'data-loaded')) === '200,200');
        if (cold)
          worker = await until('the worker woken by the page', () => liveWorker(context));
        const tabId = await tabIdOf(worker, url);
        // The badge must reach 2 and the tab hold exactly this page's two
        // streams: wait for that, generously; a lost stream never comes back.
        let got = null;
        try {
          got = await until(`badge "2" on load${n}.html`, async () => {
            const b = await badge(worker, tabId);
            const st = await tabState(worker, tabId);
            const urls = st ? st.streams.map((x) => new URL(x.url).pathname).sort() : [];
            const want = [`/load/${n}/a.m3u8`, `/load/${n}/b.m3u8`];
            return b === '2' && JSON.stringify(urls) === JSON.stringify(want) ? b : null;
          }, 15000);
        } catch (e) {
          const st = await tabState(worker, tabId).catch(() => null);
          const tr = await worker.evaluate(() => globalThis.__trace).catch(() => null);
          console.log(`e2e: run ${i} load${n} tab ${tabId}: trace ${JSON.stringify(tr)}`);
          wrong.push(`run ${i} load${n}: badge "${await badge(worker, tabId)}", streams ${st ? st.streams.map((x) => x.url).join(' ') : 'none'}`);
        }
        results.push(got === '2');
      }
      if (results.every(Boolean))
        right++;
      step(`fresh profile ${i}/${runs}: ${results.map((r) => (r ? 'badge 2' : 'WRONG')).join(', ')} (first page, second page, woken worker)`);
    } finally {
      await context.close();
      fs.rmSync(path.join(OUT, `fresh-${i}`), { recursive: true, force: true });
    }
  }
  check(right === runs, `the badge was right in ${right} of ${runs} fresh profiles (three pages each)${wrong.length ? ': ' + wrong.join('; ') : ''}`);
}

// The extension's worker, once running with its listeners, or null.
async function liveWorker(context) {
  for (const w of context.serviceWorkers().slice().reverse()) {
    try {
      if (await w.evaluate(() => chrome.webRequest.onResponseStarted.hasListeners()))
        return w;
    } catch {
      // a stopped worker's handle
    }
  }
  return null;
}

// Stop the extension's service worker (as Chrome does when it idles)
// through the DevTools protocol; returns once it is stopped.
async function stopWorker(context, id) {
  const ctl = await context.newPage();
  await ctl.goto(`chrome-extension://${id}/options.html`);
  const cdp = await context.newCDPSession(ctl);
  let version = null;
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions)
      if (v.scriptURL.endsWith('/background.js'))
        version = v;
  });
  await cdp.send('ServiceWorker.enable');
  await until('the worker\'s version', () => version && version.runningStatus === 'running');
  await cdp.send('ServiceWorker.stopWorker', { versionId: version.versionId });
  await until('the worker stopped', () => version.runningStatus === 'stopped');
  await cdp.detach();
  await ctl.close();
  return null;
}

// Waits as a 429's Retry-After says (the NAS's POST budget is shared by
// every step: probes, sends, refreshes).
function backOff(seconds) {
  const s = Number.isFinite(seconds) && seconds > 0 ? seconds : 10;
  step(`rate-limited: waiting ${s} s as the NAS asks`);
  return new Promise((r) => setTimeout(r, s * 1000 + 200));
}

// An API route the NAS lacks answers 404 "no such route" (an older NAS).
// A POST that meets the rate limit is asked again when the NAS says so.
async function hasRoute(method, p, body) {
  for (let i = 0; ; i++) {
    const r = await fetch(DIRECT + p, {
      method,
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const j = await r.json().catch(() => ({}));
    if (r.status === 429 && i < 5) {
      await backOff(parseInt(r.headers.get('retry-after'), 10));
      continue;
    }
    return !(r.status === 404 && /no such route/i.test(j.error || ''));
  }
}

// Send in a popup until it says "Sent"; a rate-limit banner ("Try again in
// N s") is waited out and Send clicked again.
async function sendFromPopup(popup, what) {
  const sent = async () => (await popup.textContent('li.stream button.send')) === 'Sent';
  for (let i = 0; ; i++) {
    if (await sent())
      return;
    await popup.click('li.stream button.send');
    // Done when it says Sent, or when Send is enabled again under a
    // rate-limit banner (the banner of an earlier try may still show
    // while this one is in flight).
    const r = await until(what, async () => {
      if (await sent())
        return 'sent';
      const t = await popup.textContent('#banner');
      return /rate limit/.test(t) && await popup.isEnabled('li.stream button.send') ? t : null;
    });
    if (r === 'sent')
      return;
    if (i >= 4)
      throw new Error(`${what}: still rate-limited: ${r}`);
    const m = /Try again in (\d+) s/.exec(r);
    await backOff(m ? parseInt(m[1], 10) : 10);
  }
}

function skip(what) {
  console.log(`e2e: SKIP: ${what}`);
}

// 1b. The scheme typed is kept; a bare loopback address gets http://;
// typed at the TLS port, the NAS is said to speak https there.
async function optionsScheme(context, id) {
  const opts = await context.newPage();
  const plain = new URL(DIRECT);
  const tls = new URL(NAS);
  await setOptions(opts, id, `127.0.0.1:${plain.port}`, KEY);
  let text = await testConnection(opts);
  check((await opts.inputValue('#endpoint')) === `http://127.0.0.1:${plain.port}`,
    `a bare loopback address becomes http:// (${await opts.inputValue('#endpoint')})`);
  check(/key accepted/.test(text), 'and the NAS answers there');
  check(await opts.isHidden('#cert'), 'no certificate link for an http:// address');
  if (tls.protocol === 'https:') {
    await setOptions(opts, id, `127.0.0.1:${tls.port}`, KEY);
    text = await testConnection(opts);
    check(/speaks https, not http/.test(text) && text.includes(`https://127.0.0.1:${tls.port}`),
      `typed at the TLS port, the test says so: "${text}"`);
    await shot(opts, 'options-scheme.png');
    await opts.fill('#endpoint', NAS);
    await opts.dispatchEvent('#endpoint', 'input');
    const href = await opts.getAttribute('#cert-link', 'href');
    check(await opts.isVisible('#cert-link') && href === `${NAS}/api/health`,
      `an https:// address shows the certificate link ${href}`);
    await shot(opts, 'options-cert-link.png');
  }
  await opts.close();
}

async function scenario(context, worker, id) {
  await optionsScheme(context, id);
  // 1. Options: wrong key, then the right one.
  const opts = await context.newPage();
  await setOptions(opts, id, NAS, 'not-the-key');
  let text = await testConnection(opts);
  check(/Wrong API key/.test(text) && /401/.test(text), `options call a wrong key wrong ("${text}")`);
  await shot(opts, 'options-wrong-key.png');
  await opts.fill('#key', KEY);
  text = await testConnection(opts);
  check(/key accepted, spooler running/.test(text), `options accept the right key ("${text.split('\n')[0]}")`);
  await shot(opts, 'options-ok.png');
  await opts.click('#save');
  await until('settings saved', async () => (await opts.textContent('#result')) === 'Saved.');

  // 2. Detection.
  const page = await context.newPage();
  const pageUrl = `${site.origin}/page.html`;
  await page.goto(pageUrl);
  await until('the page to load its streams', async () => (await page.getAttribute('body', 'data-loaded')) === '200');
  const tabId = await tabIdOf(worker, pageUrl);
  await until('badge "2"', async () => (await badge(worker, tabId)) === '2', 20000);
  const st = await tabState(worker, tabId);
  check(st.streams.length === 3, `3 playlists recorded (master, its variant, /ct/show): ${st.streams.map((s) => s.url).join(' ')}`);
  const ct = st.streams.find((s) => s.url.endsWith('/ct/show'));
  check(ct && ct.via.join('+') === 'content-type', '/ct/show detected by its Content-Type alone');
  check(ct.headers.Cookie === COOKIE && ct.headers.Referer === pageUrl && !!ct.headers['User-Agent'],
    '/ct/show keeps the Cookie, Referer and User-Agent the page sent');
  check((await badge(worker, tabId)) === '2', 'badge counts 2 (the variant folded under its master)');

  // 3. The popup lists both, with the NAS's variants.
  const popup = await openPopup(context, id, tabId, 2);
  const masterLi = `li.stream[data-url="${site.origin}/hls/master.m3u8"]`;
  const ctLi = `li.stream[data-url="${site.origin}/ct/show"]`;
  await until('the master\'s quality picker', async () => !(await popup.$eval(`${masterLi} select.quality`, (s) => s.disabled)));
  await until('the /ct/ stream\'s quality picker', async () => !(await popup.$eval(`${ctLi} select.quality`, (s) => s.disabled)));
  const values = await popup.$$eval(`${masterLi} select.quality option`, (os) => os.map((o) => o.value));
  check(JSON.stringify(values) === JSON.stringify(['best', 'worst', '180p', '90p']),
    `the master offers its variants from the probe: ${values.join(', ')}`);
  check((await popup.textContent(`${masterLi} .kind`)) === 'master', 'the master is labelled master');
  check((await popup.textContent(`${ctLi} .kind`)) === 'media', '/ct/show is labelled media');
  check(!(await popup.isVisible('#banner')), 'no error banner');
  await shot(popup, 'popup-streams.png');

  // 4. Send both; the NAS completes them; notifications.
  await worker.evaluate(() => {
    globalThis.__notes = [];
    const real = chrome.notifications.create.bind(chrome.notifications);
    chrome.notifications.create = (...a) => {
      globalThis.__notes.push(a);
      return real(...a);
    };
  });
  await popup.selectOption(`${masterLi} select.quality`, '90p');
  await popup.click(`${masterLi} button.send`);
  await popup.click(`${ctLi} button.send`);
  await until('2 jobs listed', async () => (await popup.$$('li.job')).length === 2);
  await until('both jobs completed', async () =>
    (await popup.$$('li.job[data-status="completed"]')).length === 2, 120000, 500);
  const ids = await popup.$$eval('li.job', (ls) => ls.map((l) => l.dataset.id));
  check(true, `jobs ${ids.join(', ')} completed in the popup`);
  const lines = await popup.$$eval('li.job .line', (ls) => ls.map((l) => l.textContent));
  check(lines.every((l) => /^Completed · \d/.test(l)), `completed lines show sizes: ${lines.join(' | ')}`);
  await shot(popup, 'popup.png');
  for (const jid of ids) {
    const job = await api(`/api/jobs/${jid}`);
    check(job.status === 'completed' && job.size_bytes > 0 && fs.existsSync(job.output),
      `job ${jid} is completed on the NAS: ${job.output} (${job.size_bytes} bytes)`);
  }
  const notes = await until('2 notifications', async () => {
    const n = await worker.evaluate(() => globalThis.__notes);
    return n.length >= 2 ? n : null;
  });
  const noteIds = notes.map((a) => a[0]).sort();
  check(JSON.stringify(noteIds) === JSON.stringify(ids.map((j) => `job-${j}-completed`).sort()),
    `a "completed" notification per job: ${noteIds.join(', ')}`);
  check(notes.every((a) => a[1].title === 'Video saved on the NAS' && a[1].message.startsWith('E2E Concert')),
    'notifications name the video');
  const shown = await worker.evaluate(() => chrome.notifications.getAll());
  check(noteIds.every((n) => n in shown), 'Chromium holds the notifications');
  const ua = await page.evaluate(() => navigator.userAgent);
  const ctSegs = siteLog.filter((r) => /^\/ct\/.*\.ts$/.test(r.path));
  check(ctSegs.length > 0 && ctSegs.every((r) => r.cookie.includes(COOKIE) && r.ua === ua),
    `the NAS fetched /ct/ segments with the page's cookie and User-Agent (${ctSegs.length} requests)`);
  check(siteLog.some((r) => /^\/hls\/v0\/.*\.ts$/.test(r.path)) && !siteLog.some((r) => /^\/hls\/v1\//.test(r.path)),
    'only the chosen variant (90p, v0) of the master was downloaded');
  await popup.close();

  // 5. The NAS down.
  const opts2 = await context.newPage();
  await setOptions(opts2, id, DEAD, KEY);
  await opts2.click('#save');
  await until('settings saved', async () => (await opts2.textContent('#result')) === 'Saved.');
  const downPopup = await openPopup(context, id, tabId, 2);
  // The probes are cached from step 3: the jobs poll meets the dead NAS.
  await until('the unreachable banner', async () => /Can't reach the NAS/.test(await downPopup.textContent('#banner')));
  check(true, `the popup says the NAS is down: "${(await downPopup.textContent('#banner')).slice(0, 80)}…"`);
  await shot(downPopup, 'popup-nas-down.png');
  await downPopup.close();
  await setOptions(opts2, id, NAS, KEY);
  await opts2.click('#save');
  await until('settings saved', async () => (await opts2.textContent('#result')) === 'Saved.');

  // 6. Navigation clears the tab; the NAS's own 403; a failed job.
  const page2Url = `${site.origin}/page2.html`;
  await page.goto(page2Url);
  await until('page 2 to load its stream', async () => (await page.getAttribute('body', 'data-loaded')) === '200');
  await until('badge "1"', async () => (await badge(worker, tabId)) === '1');
  const st2 = await tabState(worker, tabId);
  check(st2.streams.length === 1 && st2.streams[0].url.endsWith('/guarded/live.m3u8'),
    'navigating forgot the old page\'s streams');
  const gPopup = await openPopup(context, id, tabId, 1);
  const gErr = await until('the probe error', async () => {
    const t = await gPopup.textContent('li.stream .error');
    return t && t.length > 0 ? t : null;
  });
  check(/403/.test(gErr), `the popup shows the NAS's own error: "${gErr}"`);
  await shot(gPopup, 'popup-probe-error.png');
  // Sent with the popup closed right away: only chrome.alarms follows it.
  site.guardDelayMs = 5000;
  await gPopup.click('li.stream button.send');
  await until('the job listed', async () => (await gPopup.$$('li.job')).length === 3);
  const failId = await gPopup.$eval('li.job', (l) => l.dataset.id);
  await gPopup.close();
  const alarm = await worker.evaluate(() => chrome.alarms.get('poll-jobs'));
  check(alarm && alarm.periodInMinutes === 0.5, 'sending set the 30-second polling alarm');
  site.guardDelayMs = 0;
  await until('a "failed" notification from the alarm\'s poll', async () =>
    (await worker.evaluate(() => globalThis.__notes.map((a) => a[0]))).includes(`job-${failId}-failed`),
  150000, 1000);
  check(true, `job ${failId} failed and the alarm's poll raised a "failed" notification`);
  await until('the alarm cleared', async () => !(await worker.evaluate(() => chrome.alarms.get('poll-jobs'))));
  check(true, 'nothing left to follow: the alarm is gone');
  const fPopup = await openPopup(context, id, tabId, 1);
  await until('the failed job', async () => (await fPopup.$$(`li.job[data-id="${failId}"][data-status="failed"]`)).length === 1);
  check(/^Failed: .*403/.test(await fPopup.textContent(`li.job[data-id="${failId}"] .line`)), 'the popup shows why it failed');
  await shot(fPopup, 'popup-failed.png');
  await fPopup.close();

  const page3 = await context.newPage();
  await secondPass(context, worker, id, page3, ids);
  await page3.close();

  // 7. The rate limit: with the popup open (its stream's probe error is
  // kept, so opening it posts nothing), use up this address's POSTs
  // (re-sending a job the NAS already has), then Send meets the 429.
  // The config allows 6 POSTs a minute: no token comes back for 10 s.
  // A token may come back between the drain and the click (the bucket
  // refills continuously): then the send goes through, and we try again.
  let rPopup = null;
  let rate = null;
  for (let round = 1; round <= 3 && rate === null; round++) {
    if (rPopup)
      await rPopup.close();
    rPopup = await openPopup(context, id, tabId, 1);
    await until('the kept probe error', () => rPopup.textContent('li.stream .error'));
    let limited = null;
    for (let i = 0; i < 20 && limited === null; i++) {
      const r = await fetch(`${DIRECT}/api/download`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: `${site.origin}/guarded/live.m3u8` }),
      });
      await r.arrayBuffer();
      if (r.status === 429)
        limited = r.headers.get('retry-after');
    }
    check(limited !== null, `the NAS limits POSTs (429, Retry-After: ${limited})`);
    await rPopup.click('li.stream button.send');
    rate = await until('the rate-limit banner or a sent job', async () => {
      const t = await rPopup.textContent('#banner');
      if (/rate limit/.test(t))
        return t;
      return (await rPopup.textContent('li.stream button.send')) === 'Sent' ? 'sent' : null;
    });
    if (rate === 'sent') {
      step(`round ${round}: a token came back before the click; again`);
      rate = null;
    }
  }
  check(/429.*Try again in \d+ s/.test(rate), `the popup says the rate limit was hit: "${rate}"`);
  await shot(rPopup, 'popup-rate-limit.png');
  await rPopup.close();

  // 8. Chrome stops idle service workers: the state must outlive it.
  // (Last: the worker handle above is stale afterwards.)
  const ctl = await context.newPage();
  await ctl.goto(`chrome-extension://${id}/options.html`);
  const cdp = await context.newCDPSession(ctl);
  let version = null;
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions)
      if (v.scriptURL.endsWith('/background.js'))
        version = v;
  });
  await cdp.send('ServiceWorker.enable');
  await until('the worker\'s version', () => version && version.runningStatus === 'running');
  await cdp.send('ServiceWorker.stopWorker', { versionId: version.versionId });
  await until('the worker stopped', () => version.runningStatus === 'stopped');
  check(true, 'the service worker was stopped');
  const after = await openPopup(context, id, tabId, 1);
  check(version.runningStatus === 'running', 'opening the popup started the worker again');
  const url = await after.getAttribute('li.stream', 'data-url');
  const err = await until('the kept probe error', () => after.textContent('li.stream .error'));
  check(url.endsWith('/guarded/live.m3u8') && /403/.test(err),
    'the new worker lists the tab\'s stream and its probe error (chrome.storage.session)');
  const want = [...ids, failId];
  await until('the jobs sent', async () => {
    const have = await after.$$eval('li.job', (ls) => ls.map((l) => l.dataset.id));
    return want.every((j) => have.includes(j));
  });
  check(true, `the new worker lists the jobs sent: ${want.join(', ')} (chrome.storage.local)`);
}

// 6b. The facts, every job of the NAS, "already on the NAS", folders,
// lookup, refresh.  page: a tab of its own (the first one keeps page 2
// for steps 7 and 8); sent: the ids of the jobs sent in step 4.
async function secondPass(context, worker, id, page, sent) {
  // The facts of a probed master.
  const factsUrl = `${site.origin}/facts.html`;
  await page.goto(factsUrl);
  await until('facts.html to load its master', async () => (await page.getAttribute('body', 'data-loaded')) === '200');
  const tabId = await tabIdOf(worker, factsUrl);
  await until('badge "1" on facts.html', async () => (await badge(worker, tabId)) === '1');
  const fp = await openPopup(context, id, tabId, 1);
  await fp.setViewportSize({ width: 440, height: 600 });
  await until('the master\'s picker and facts', async () =>
    !(await fp.$eval('li.stream select.quality', (x) => x.disabled)) &&
    /≈/.test(await fp.$eval('li.stream select.quality', (x) => x.textContent)));
  const labels = await fp.$$eval('li.stream select.quality option', (os) => os.map((o) => o.textContent));
  const values = await fp.$$eval('li.stream select.quality option', (os) => os.map((o) => o.value));
  check(new Set(labels).size === labels.length && labels.length === 5, `the picker's labels are unique: ${labels.join(' | ')}`);
  check(JSON.stringify(values) === JSON.stringify(['best', 'worst', '900000', '600000', '90p']),
    `the two 180p variants are chosen by bandwidth: ${values.join(', ')}`);
  check(labels.slice(2).every((l) => /kbps|Mbps/.test(l) && /H\.264\/AAC/.test(l) && /≈ \d/.test(l)),
    'each variant shows resolution, bitrate, codecs and its estimated size');
  check(labels[2].includes('320×180 · 900 kbps · H.264/AAC · ≈ 225 KB'), `size = bandwidth × duration: "${labels[2]}"`);
  const facts = await fp.textContent('li.stream .facts');
  check(/^VOD · 2 s · 2 segments · not encrypted$/.test(facts), `the facts: "${facts}"`);
  const audio = await fp.textContent('li.stream .tracks.audio');
  const subs = await fp.textContent('li.stream .tracks.subtitles');
  check(/English \(default\)/.test(audio) && /French/.test(audio), `audio languages: "${audio}"`);
  check(/German/.test(subs), `subtitle languages: "${subs}"`);
  check((await fp.inputValue('li.stream .title-input')) === 'E2E facts', 'the title is editable, prefilled with the page\'s');
  const folderRoute = await hasRoute('GET', '/api/folders');
  if (!folderRoute) {
    skip('server has no /api/folders (no folder choice offered, as on an older NAS)');
    check(await fp.isHidden('li.stream select.folder'), 'no folder picker on a NAS without /api/folders');
  }
  check((await fp.textContent('li.stream .choice')) === `Best: ${labels[2]}`, 'the line under the picker says what "Best" gets');
  await fp.selectOption('li.stream select.quality', 'worst');
  check((await fp.textContent('li.stream .choice')) === `Smallest: ${labels[4]}`, 'and what "Smallest" gets');
  await fp.selectOption('li.stream select.quality', '600000');
  check(await fp.isHidden('li.stream .choice'), 'a variant chosen by name needs no second line');
  await fp.selectOption('li.stream select.quality', 'best');
  await shot(fp, 'popup-facts.png');
  fs.mkdirSync(path.join(SHOTS), { recursive: true });

  // Folders, remembered per site (when the NAS has them).
  if (folderRoute) {
    const f = await api('/api/folders');
    const names = (f.folders || []).map((x) => x.name);
    await until('the folder picker', async () => await fp.isVisible('li.stream select.folder'));
    const offered = await fp.$$eval('li.stream select.folder option', (os) => os.map((o) => o.value));
    check(JSON.stringify(offered) === JSON.stringify(names), `the NAS's folders offered: ${offered.join(', ')}`);
    check((await fp.inputValue('li.stream select.folder')) === f.default || !names.includes(f.default),
      `the NAS's default folder preselected (${f.default})`);
    const pick = names[names.length - 1];
    await fp.selectOption('li.stream select.folder', pick);
    await fp.fill('li.stream .title-input', 'E2E facts, renamed');
    await fp.click('li.stream button.send');
    await until('the facts job sent', async () => (await fp.textContent('li.stream button.send')) === 'Sent');
    const fp2 = await openPopup(context, id, tabId, 1);
    await until('the folder picker again', async () => await fp2.isVisible('li.stream select.folder'));
    check((await fp2.inputValue('li.stream select.folder')) === pick, `the folder is remembered for the site (${pick})`);
    await fp2.close();
  }
  await fp.close();

  // A job dropped over SMB (a .job file in incoming/) is listed too.
  if (!SPOOL) {
    skip('SPOOL_DIR not given: no job dropped in incoming/');
  } else {
    const incoming = path.join(SPOOL, 'incoming');
    fs.mkdirSync(incoming, { recursive: true });
    const tmp = path.join(incoming, '.smb-concert.job');
    fs.writeFileSync(tmp, `${site.origin}/hls/v1/index.m3u8\n`);
    fs.renameSync(tmp, path.join(incoming, 'smb-concert.job'));
    const sp = await openPopup(context, id, tabId, 1);
    await sp.setViewportSize({ width: 440, height: 700 });
    await until('the SMB job listed in the popup', async () =>
      (await sp.$$('li.job[data-id="smb-concert"][data-mine="false"]')).length === 1, 60000, 500);
    await until('the SMB job completed', async () =>
      (await sp.$$('li.job[data-id="smb-concert"][data-status="completed"]')).length === 1, 120000, 500);
    check(true, 'a job dropped in the spool\'s incoming/ (as over SMB) is listed, completed, marked "added on the NAS"');
    const mine = await sp.$$eval('li.job', (ls) => ls.map((l) => `${l.dataset.id}:${l.dataset.mine}`));
    check(sent.every((j) => mine.includes(`${j}:true`)), `this browser's jobs are marked as its own: ${mine.join(' ')}`);
    const href = await sp.getAttribute('#nas-page', 'href');
    check(await sp.isVisible('#nas-page') && href === `${NAS}/` && (await sp.textContent('#nas-page')) === 'All jobs on the NAS',
      `the link to the NAS's page: ${href}`);
    await shot(sp, 'popup-all-jobs.png');
    await sp.close();
  }

  // "already on the NAS": the master of step 4 again, with a new token.
  const againUrl = `${site.origin}/again.html`;
  await page.goto(againUrl);
  await until('again.html to load its stream', async () => (await page.getAttribute('body', 'data-loaded')) === '200');
  await until('badge "1" on again.html', async () => (await badge(worker, tabId)) === '1');
  const ap = await openPopup(context, id, tabId, 1);
  const note = await until('"already on the NAS"', async () => {
    const hidden = await ap.isHidden('li.stream .on-nas');
    return hidden ? null : ap.textContent('li.stream .on-nas');
  });
  check(/already on the NAS/.test(note), `a stream the NAS has (query tokens set aside) says so: "${note}"`);
  check((await ap.textContent('li.stream button.send')) === 'Send again', 'and sends only on request ("Send again")');
  await shot(ap, 'popup-on-nas.png');
  const tokenUrl = `${site.origin}/hls/master.m3u8?token=fresh-one`;
  if (!(await hasRoute('POST', '/api/lookup', { url: tokenUrl }))) {
    skip('server has no /api/lookup (the extension checked the NAS\'s job list only)');
  } else {
    const r = await fetch(`${DIRECT}/api/lookup`, {
      method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: tokenUrl }),
    }).then((x) => x.json());
    check(r.found === true && sent.includes(String(r.id)), `/api/lookup finds it with the token set aside: ${JSON.stringify(r)}`);
  }
  // The duplicate answer and force: only where the NAS says "duplicate".
  const dup = await fetch(`${DIRECT}/api/download`, {
    method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: `${site.origin}/hls/master.m3u8` }),
  }).then((x) => x.json());
  if (dup.duplicate !== true) {
    skip('server answers no "duplicate": true (force not tested)');
  } else {
    await ap.click('li.stream button.send');
    await until('sent again with force', async () => (await ap.textContent('li.stream button.send')) === 'Sent');
    check(true, '"Send again" sent it with force');
  }
  await ap.close();

  // An expiring link refreshed from the browser.
  if (!(await hasRoute('POST', '/api/jobs/jnosuchjob/refresh', { url: `${site.origin}/x.m3u8` }))) {
    skip('server has no /api/jobs/{id}/refresh (the expiring-link refresh flow not tested)');
    return;
  }
  const signedUrl = `${site.origin}/signed.html`;
  await page.goto(signedUrl);
  await until('signed.html to load its stream', async () => (await page.getAttribute('body', 'data-loaded')) === '200');
  await until('badge "1" on signed.html', async () => (await badge(worker, tabId)) === '1');
  const rp = await openPopup(context, id, tabId, 1);
  await sendFromPopup(rp, 'the signed job sent');
  const st = await tabState(worker, tabId);
  const firstUrl = st.streams[0].url;
  const jobs = await api('/api/jobs?limit=50');
  // The NAS keeps and shows a stream's URL without its query (tokens).
  const job = jobs.jobs.find((j) => j.url === firstUrl.split('?')[0]);
  check(!!job, `the signed job is on the NAS (${job && job.job_id})`);
  const jid = job.job_id;
  await until('the job waiting for a fresh link', async () =>
    (await rp.$$(`li.job[data-id="${jid}"][data-status="waiting"]`)).length === 1, 120000, 500);
  check(true, `job ${jid} waits for a fresh link after the token expired`);
  await shot(rp, 'popup-waiting.png');
  const before = context.pages().length;
  await rp.click(`li.job[data-id="${jid}"] button.refreshOpen`);
  const opened = await until('the source page opened', () => context.pages().length > before && context.pages()[context.pages().length - 1]);
  check(true, `"Refresh" opened the source page (${opened.url()})`);
  await until('a "Fresh link" notification', async () => {
    const n = await worker.evaluate(() => globalThis.__notes.map((a) => a[1] && a[1].title));
    return n.includes('Fresh link sent to the NAS');
  }, 60000, 500);
  check(true, 'the extension sent the fresh link by itself and notified');
  await until('the refreshed job completed', async () => (await api(`/api/jobs/${jid}`)).status === 'completed', 120000, 1000);
  check(true, `job ${jid} completed with the fresh link`);
  await opened.close();
  await rp.close();
}

const watchdog = setTimeout(() => {
  console.error('e2e: FAIL: overall timeout (560 s)');
  process.exit(1);
}, 560000);

main().then(() => {
  clearTimeout(watchdog);
  step('PASS');
}, (e) => {
  console.error(`e2e: FAIL: ${e.stack || e}`);
  process.exit(1);
});
