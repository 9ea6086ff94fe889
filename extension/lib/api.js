// api.js - the m3u8nas HTTPS API as the extension uses it, and every way a
// call can fail turned into a sentence a person can act on.
//
// No chrome.* calls: settings come in as arguments, so the service worker,
// the popup, the options page and the Node tests share this module.

// Default bound on one API call; probes fetch the playlist on the NAS
// side first, so they get longer.
export const TIMEOUT_MS = 8000;
export const PROBE_TIMEOUT_MS = 20000;

// NasError - a failed call: kind is one of "config", "unreachable",
// "timeout", "auth", "rate", "upstream", "notfound", "conflict",
// "toolarge", "badrequest", "server", "protocol"; status the HTTP status
// (0 without one); retryAfter seconds (429 only); message for people.
export class NasError extends Error {
  constructor(kind, message, status = 0, retryAfter = null) {
    super(message);
    this.name = 'NasError';
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

// isLoopback - true for a host name of this computer: localhost (and
// *.localhost), 127.0.0.0/8, [::1].
export function isLoopback(hostname) {
  const h = String(hostname || '').toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

// normalizeEndpoint - the NAS address a person typed, as a base URL without
// a trailing slash: {endpoint} or {error}.  The scheme typed is kept; a
// bare host gets http:// when it is this computer (the endpoint's plain
// loopback listener) and https:// otherwise (it serves TLS by default).
export function normalizeEndpoint(input) {
  let s = typeof input === 'string' ? input.trim() : '';
  if (s === '')
    return { error: 'Enter the NAS address, e.g. https://nas.local:8443' };
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let host = '';
    try {
      host = new URL('http://' + s).hostname;
    } catch {
      return { error: `"${input.trim()}" is not an address` };
    }
    s = (isLoopback(host) ? 'http://' : 'https://') + s;
  }
  let u;
  try {
    u = new URL(s);
  } catch {
    return { error: `"${input.trim()}" is not an address` };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return { error: 'The NAS address must start with https:// (or http://)' };
  if (u.username || u.password || u.search || u.hash)
    return { error: 'Give only scheme, host and port, e.g. https://nas.local:8443' };
  return { endpoint: (u.origin + u.pathname).replace(/\/+$/, '') };
}

// otherScheme - the same address over the other scheme (https <-> http),
// to tell a person who typed the wrong one which one the NAS speaks.
export function otherScheme(endpoint) {
  if (/^https:\/\//i.test(endpoint))
    return 'http://' + endpoint.slice(8);
  if (/^http:\/\//i.test(endpoint))
    return 'https://' + endpoint.slice(7);
  return null;
}

// certificateUrl - the page to open once to accept the NAS's self-signed
// certificate, or null for a plain-http address.
export function certificateUrl(endpoint) {
  return /^https:\/\//i.test(endpoint || '') ? `${endpoint}/api/health` : null;
}

// parseRetryAfter - a Retry-After value (delta seconds or an HTTP date)
// as whole seconds from now (>= 0), or null when absent or unreadable.
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined || String(value).trim() === '')
    return null;
  const v = String(value).trim();
  if (/^\d+$/.test(v))
    return parseInt(v, 10);
  const t = Date.parse(v);
  if (Number.isNaN(t))
    return null;
  return Math.max(0, Math.ceil((t - now) / 1000));
}

function kindOfStatus(status) {
  if (status === 401 || status === 403)
    return 'auth';
  if (status === 429)
    return 'rate';
  if (status === 502 || status === 504)
    return 'upstream';
  const table = { 400: 'badrequest', 404: 'notfound', 409: 'conflict', 413: 'toolarge' };
  if (table[status])
    return table[status];
  return status >= 500 ? 'server' : 'protocol';
}

// describeFailure - the message for a failure. f = {kind, status,
// error (the NAS's own "error" text, if any), retryAfter, endpoint,
// timeoutMs}.
export function describeFailure(f) {
  const ep = f.endpoint || 'the NAS';
  const nas = f.error ? `: ${f.error}` : '';
  switch (f.kind) {
  case 'config':
    return 'Set the NAS address and API key in the extension\'s options first.';
  case 'unreachable': {
    let m = `Can't reach the NAS at ${ep}. Check that it is on and that the address is right.`;
    if (ep.startsWith('https://'))
      m += ` If it uses its own (self-signed) certificate, open ${ep}/api/health in a tab once and accept the certificate.`;
    return m;
  }
  case 'timeout':
    return `The NAS at ${ep} did not answer within ${Math.round((f.timeoutMs || TIMEOUT_MS) / 1000)} s.`;
  case 'auth':
    return `The NAS refused the API key (${f.status || 401}). Check the key in the extension's options.`;
  case 'rate': {
    const when = Number.isInteger(f.retryAfter) ? `in ${f.retryAfter} s` : 'in a minute';
    return `Too many requests: the NAS's rate limit was hit (429). Try again ${when}.`;
  }
  case 'upstream':
    return `The NAS could not read the stream${nas || ` (HTTP ${f.status})`}`;
  case 'notfound':
    return `Not found on the NAS (404)${nas}`;
  case 'conflict':
    return `The NAS refused (409)${nas}`;
  case 'toolarge':
    return 'The request is too large for the NAS (413): too many or too long headers.';
  case 'badrequest':
    return `The NAS rejected the request (400)${nas}`;
  case 'server':
    return `The NAS failed (HTTP ${f.status})${nas}`;
  default:
    return `Unexpected answer from ${ep} (HTTP ${f.status})${nas}. Is this an m3u8nas endpoint?`;
  }
}

function fail(f) {
  return new NasError(f.kind, describeFailure(f), f.status || 0, f.retryAfter ?? null);
}

// nasRequest - call the API: settings = {endpoint, key}; method, path
// ("/api/..."); body an object sent as JSON (or undefined).  Resolves to
// the parsed JSON answer of a 2xx; rejects with a NasError otherwise.
// opts: {timeoutMs, auth (default true), fetch (for tests)}.
export async function nasRequest(settings, method, path, body, opts = {}) {
  const endpoint = settings && settings.endpoint;
  const timeoutMs = opts.timeoutMs || TIMEOUT_MS;
  const auth = opts.auth !== false;
  if (!endpoint || (auth && !settings.key))
    throw fail({ kind: 'config' });
  const headers = { Accept: 'application/json' };
  if (auth)
    headers.Authorization = `Bearer ${settings.key}`;
  if (body !== undefined)
    headers['Content-Type'] = 'application/json';
  const doFetch = opts.fetch || fetch;
  let res;
  try {
    res = await doFetch(endpoint + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    const timedOut = e && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw fail({ kind: timedOut ? 'timeout' : 'unreachable', endpoint, timeoutMs });
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.ok) {
    if (data === null || typeof data !== 'object')
      throw fail({ kind: 'protocol', status: res.status, endpoint });
    return data;
  }
  throw fail({
    kind: kindOfStatus(res.status),
    status: res.status,
    error: data && typeof data.error === 'string' ? data.error : '',
    retryAfter: parseRetryAfter(res.headers.get('Retry-After')),
    endpoint,
  });
}

// downloadBody - the POST /api/download body for a stream found on a page:
// {url, title, referer, headers, quality, source_page, folder, force},
// empty fields left out.  opts = {title (the person's, else the page's),
// folder, force (send although the NAS has it)}.
export function downloadBody(stream, page, quality, opts = {}) {
  const body = { url: stream.url };
  const title = typeof opts.title === 'string' && opts.title.trim() !== ''
    ? opts.title.trim() : (page && page.title) || '';
  if (title)
    body.title = title.slice(0, 200);
  const referer = (stream.headers && stream.headers.Referer) || (page && page.url);
  if (referer && /^https?:/.test(referer))
    body.referer = referer;
  if (stream.headers && Object.keys(stream.headers).length > 0)
    body.headers = { ...stream.headers };
  if (quality)
    body.quality = quality;
  if (page && page.url && /^https?:/.test(page.url))
    body.source_page = page.url;
  if (typeof opts.folder === 'string' && opts.folder !== '')
    body.folder = opts.folder;
  if (opts.force === true)
    body.force = true;
  return body;
}

// jobIdOf - the job id of a /api/download or /refresh answer ("id"; the
// endpoint's first version said "job_id"), or null.
export function jobIdOf(r) {
  const id = r && (r.id ?? r.job_id);
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

// refreshBody - the POST /api/jobs/{id}/refresh body: the fresh URL of the
// same stream as seen in a tab, with the headers its request carried.
export function refreshBody(stream, page) {
  const body = { url: stream.url };
  if (stream.headers && Object.keys(stream.headers).length > 0)
    body.headers = { ...stream.headers };
  const referer = (stream.headers && stream.headers.Referer) || (page && page.url);
  if (referer && /^https?:/.test(referer))
    body.referer = referer;
  return body;
}

// isMissingRoute - true when a NasError says the NAS has no such route
// (an older NAS): a 404 to a route, not to a job.
export function isMissingRoute(e) {
  return !!e && e.kind === 'notfound';
}

// probeBody - the POST /api/probe body for a stream.
export function probeBody(stream) {
  const body = { url: stream.url };
  if (stream.headers && Object.keys(stream.headers).length > 0)
    body.headers = { ...stream.headers };
  if (stream.headers && stream.headers.Referer)
    body.referer = stream.headers.Referer;
  return body;
}
