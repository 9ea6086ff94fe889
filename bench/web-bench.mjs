// web-bench.mjs - the NAS's page with many jobs: first paint, the queue
// rendered, and how long a store write takes to reach the page through
// /api/events. Run by bench/web-bench.sh (which seeds the store and starts
// m3u8nas-httpd); environment: PW_DIR, CHROMIUM, NAS, NAS_KEY, DB, RUNS.
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const env = (k, d) => process.env[k] ?? d;
const NAS = env('NAS');
const { chromium } = createRequire(path.join(path.resolve(env('PW_DIR')), 'x.cjs'))('playwright-core');
const RUNS = Number(env('RUNS', '5'));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (a) => `median ${median(a).toFixed(1)} ms (min ${Math.min(...a).toFixed(1)}, max ${Math.max(...a).toFixed(1)})`;

// A writer that stays open, like the spooler: one UPDATE per line asked,
// answering with the wall-clock time right after its COMMIT.
function writer(db) {
  const py = spawn('python3', ['-u', '-c', `
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA busy_timeout = 5000')
for line in sys.stdin:
    job, p = line.split()
    c.execute('BEGIN IMMEDIATE')
    c.execute("UPDATE jobs SET progress = ?, updated_at = strftime('%s','now') WHERE id = ?", (float(p), job))
    c.execute('COMMIT')
    print('%.3f' % (time.time() * 1000), flush=True)
`, db], { stdio: ['pipe', 'pipe', 'inherit'] });
  let pending = null, buf = '';
  py.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      pending?.(Number(line));
      pending = null;
    }
  });
  return {
    write: (job, p) => new Promise((res) => { pending = res; py.stdin.write(`${job} ${p}\n`); }),
    close: () => py.stdin.end(),
  };
}

async function main() {
  const browser = await chromium.launch({
    executablePath: env('CHROMIUM', '/usr/bin/chromium'),
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  // the session, once, through the API
  const r = await context.request.post(`${NAS}/api/session`, { data: { token: env('NAS_KEY') } });
  if (!r.ok())
    throw new Error(`sign-in: ${r.status()}`);
  // When the queue's rows are in the DOM (observed in the page itself).
  await context.addInitScript(() => {
    new MutationObserver((m, o) => {
      const list = document.getElementById('jobs');
      if (list && list.children.length >= 100 && !window.__rowsAt) {
        window.__rowsAt = performance.now();
        o.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const fcp = [], rows = [], total = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await context.newPage();
    await page.goto(`${NAS}/`);
    await page.waitForFunction(() => window.__rowsAt, null, { timeout: 10000 });
    const t = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      rows: window.__rowsAt,
      total: document.getElementById('range').textContent,
    }));
    fcp.push(t.fcp);
    rows.push(t.rows);
    total.push(t.total);
    await page.close();
  }
  console.log(`queue: ${total[0]}`);
  console.log(`first contentful paint: ${fmt(fcp)}`);
  console.log(`queue rendered (100 rows of ${total[0].split(' of ')[1]}): ${fmt(rows)}`);

  // Event latency: a row of the first page changes in the store; the
  // page's own EventSource reports when the event arrived.
  const page = await context.newPage();
  await page.goto(`${NAS}/`);
  await page.waitForFunction(() => window.__rowsAt);
  const id = await page.evaluate(() => document.querySelector('#jobs .job').dataset.id);
  await page.evaluate(() => {
    window.__seen = {};
    const es = new EventSource('/api/events');
    es.addEventListener('job', (e) => {
      const j = JSON.parse(e.data);
      if (!(j.progress in window.__seen))
        window.__seen[j.progress] = Date.now();
    });
    return new Promise((res) => es.addEventListener('status', res, { once: true }));
  });
  const w = writer(env('DB'));
  const lat = [];
  for (let i = 0; i < 20; i++) {
    const p = 10 + i + 0.25;
    const committed = await w.write(id, p);
    const seen = await page.waitForFunction((v) => window.__seen[v], p, { timeout: 5000 }).then((h) => h.jsonValue());
    lat.push(seen - committed);
    await new Promise((res) => setTimeout(res, 150 + (i * 37) % 200));
  }
  w.close();
  // the row on screen follows too
  await page.waitForFunction((v) => document.querySelector('#jobs .job .pct').textContent.startsWith(v), String(Math.round(29.25)));
  console.log(`store write -> event in the page: ${fmt(lat)} over ${lat.length} writes`);
  await browser.close();
}

main().catch((e) => {
  console.error(`web-bench: ${e.stack ?? e}`);
  process.exit(1);
});
