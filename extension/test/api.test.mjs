// api.test.mjs - API calls and every way they fail, against a real HTTP
// server on 127.0.0.1 (answers chosen per path), a closed port and a
// server that never answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import {
  nasRequest, NasError, describeFailure, normalizeEndpoint, parseRetryAfter,
  downloadBody, probeBody,
} from '../lib/api.js';

test('normalizeEndpoint', () => {
  const cases = [
    ['https://nas.local:8443', { endpoint: 'https://nas.local:8443' }],
    ['  https://nas.local:8443/  ', { endpoint: 'https://nas.local:8443' }],
    ['nas.local:8443', { endpoint: 'https://nas.local:8443' }],
    ['HTTP://127.0.0.1:8080', { endpoint: 'http://127.0.0.1:8080' }],
    ['https://nas.local/m3u8nas/', { endpoint: 'https://nas.local/m3u8nas' }],
    ['', { error: /Enter the NAS address/ }],
    ['ftp://nas.local', { error: /must start with https/ }],
    ['https://user:pw@nas.local', { error: /only scheme, host and port/ }],
    ['https://nas.local/?x=1', { error: /only scheme, host and port/ }],
    ['https://[bad', { error: /not an address/ }],
  ];
  for (const [input, want] of cases) {
    const got = normalizeEndpoint(input);
    if (want.endpoint)
      assert.deepEqual(got, want, input);
    else
      assert.match(got.error || '', want.error, input);
  }
});

test('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const cases = [
    ['30', 30], [' 7 ', 7], ['0', 0], [null, null], [undefined, null], ['', null], ['soon', null],
    ['Thu, 01 Jan 2026 00:00:42 GMT', 42], ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
  ];
  for (const [v, want] of cases)
    assert.equal(parseRetryAfter(v, now), want, String(v));
});

test('describeFailure', () => {
  const ep = 'https://nas.local:8443';
  const cases = [
    [{ kind: 'config' }, /NAS address and API key in the extension's options/],
    [{ kind: 'unreachable', endpoint: ep }, /Can't reach the NAS at https:\/\/nas.local:8443\..*open https:\/\/nas.local:8443\/api\/health.*accept the certificate/],
    [{ kind: 'unreachable', endpoint: 'http://127.0.0.1:1' }, /^Can't reach the NAS at http:\/\/127.0.0.1:1\. Check that it is on and that the address is right\.$/],
    [{ kind: 'timeout', endpoint: ep, timeoutMs: 8000 }, /did not answer within 8 s/],
    [{ kind: 'auth', status: 401 }, /refused the API key \(401\)/],
    [{ kind: 'rate', status: 429, retryAfter: 42 }, /rate limit was hit \(429\)\. Try again in 42 s/],
    [{ kind: 'rate', status: 429, retryAfter: null }, /Try again in a minute/],
    [{ kind: 'upstream', status: 502, error: 'HTTP 403 Access denied fetching https://c.test/x.m3u8' },
      /^The NAS could not read the stream: HTTP 403 Access denied fetching https:\/\/c.test\/x.m3u8$/],
    [{ kind: 'upstream', status: 504, error: '' }, /could not read the stream \(HTTP 504\)/],
    [{ kind: 'notfound', status: 404, error: 'no such job' }, /Not found on the NAS \(404\): no such job/],
    [{ kind: 'conflict', status: 409, error: 'job is completed' }, /refused \(409\): job is completed/],
    [{ kind: 'toolarge', status: 413 }, /too large.*413/],
    [{ kind: 'badrequest', status: 400, error: 'url: not http(s)' }, /rejected the request \(400\): url: not http\(s\)/],
    [{ kind: 'server', status: 503, error: 'store busy' }, /failed \(HTTP 503\): store busy/],
    [{ kind: 'protocol', status: 200, endpoint: ep }, /Is this an m3u8nas endpoint/],
  ];
  for (const [f, re] of cases)
    assert.match(describeFailure(f), re, f.kind);
});

test('downloadBody and probeBody', () => {
  const s = {
    url: 'https://cdn.test/v/master.m3u8',
    headers: { Referer: 'https://site.test/', Cookie: 'sid=1', 'User-Agent': 'UA' },
  };
  const page = { url: 'https://site.test/watch/1', title: 'A video' };
  assert.deepEqual(downloadBody(s, page, '720p'), {
    url: s.url, title: 'A video', referer: 'https://site.test/', headers: s.headers,
    quality: '720p', source_page: 'https://site.test/watch/1',
  });
  // No captured headers: the page is the referer; internal pages are not.
  assert.deepEqual(downloadBody({ url: s.url, headers: {} }, page, 'best'), {
    url: s.url, title: 'A video', referer: page.url, quality: 'best', source_page: page.url,
  });
  assert.deepEqual(downloadBody({ url: s.url }, { url: 'chrome://newtab/', title: '' }, ''), { url: s.url });
  assert.equal(downloadBody(s, { url: '', title: 'x'.repeat(500) }, 'best').title.length, 200);
  assert.deepEqual(probeBody(s), { url: s.url, headers: s.headers, referer: 'https://site.test/' });
  assert.deepEqual(probeBody({ url: s.url, headers: {} }), { url: s.url });
});

// A real server whose answer depends on the path: /status/<code> answers
// that code with {"error": ...}; /ok echoes what it received.
let server;
let base;
const seen = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      const m = /^\/status\/(\d+)$/.exec(req.url);
      if (m) {
        const code = Number(m[1]);
        const h = { 'Content-Type': 'application/json' };
        if (code === 429)
          h['Retry-After'] = '17';
        res.writeHead(code, h);
        res.end(JSON.stringify({ error: `answer ${code}` }));
      } else if (req.url === '/html') {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html>router login</html>');
      } else if (req.url === '/hang') {
        // never answers; the client's timeout must fire
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ok: true, method: req.method, body: body ? JSON.parse(body) : null }));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

async function closedPort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

test('nasRequest success: bearer key, JSON body', async () => {
  const r = await nasRequest({ endpoint: base, key: 'k1' }, 'POST', '/ok', { url: 'u' });
  assert.deepEqual(r, { ok: true, method: 'POST', body: { url: 'u' } });
  assert.equal(seen.at(-1).auth, 'Bearer k1');
  await nasRequest({ endpoint: base }, 'GET', '/ok', undefined, { auth: false });
  assert.equal(seen.at(-1).auth, undefined);
});

test('nasRequest failures', async () => {
  const dead = `http://127.0.0.1:${await closedPort()}`;
  const cases = [
    { s: { endpoint: '', key: 'k' }, path: '/ok', kind: 'config', status: 0 },
    { s: { endpoint: base, key: '' }, path: '/ok', kind: 'config', status: 0 },
    { s: { endpoint: dead, key: 'k' }, path: '/ok', kind: 'unreachable', status: 0, msg: /Can't reach the NAS/ },
    { s: { endpoint: base, key: 'k' }, path: '/hang', kind: 'timeout', status: 0, opts: { timeoutMs: 300 }, msg: /within 0 s|within 1 s|did not answer/ },
    { s: { endpoint: base, key: 'k' }, path: '/status/401', kind: 'auth', status: 401, msg: /refused the API key/ },
    { s: { endpoint: base, key: 'k' }, path: '/status/429', kind: 'rate', status: 429, retryAfter: 17, msg: /Try again in 17 s/ },
    { s: { endpoint: base, key: 'k' }, path: '/status/502', kind: 'upstream', status: 502, msg: /could not read the stream: answer 502/ },
    { s: { endpoint: base, key: 'k' }, path: '/status/404', kind: 'notfound', status: 404 },
    { s: { endpoint: base, key: 'k' }, path: '/status/409', kind: 'conflict', status: 409 },
    { s: { endpoint: base, key: 'k' }, path: '/status/413', kind: 'toolarge', status: 413 },
    { s: { endpoint: base, key: 'k' }, path: '/status/400', kind: 'badrequest', status: 400, msg: /answer 400/ },
    { s: { endpoint: base, key: 'k' }, path: '/status/500', kind: 'server', status: 500 },
    { s: { endpoint: base, key: 'k' }, path: '/html', kind: 'protocol', status: 200, msg: /m3u8nas endpoint/ },
  ];
  for (const c of cases) {
    await assert.rejects(nasRequest(c.s, 'GET', c.path, undefined, c.opts), (e) => {
      assert.ok(e instanceof NasError, c.path);
      assert.equal(e.kind, c.kind, c.path);
      assert.equal(e.status, c.status, c.path);
      if (c.retryAfter !== undefined)
        assert.equal(e.retryAfter, c.retryAfter);
      if (c.msg)
        assert.match(e.message, c.msg, c.path);
      return true;
    });
  }
});
