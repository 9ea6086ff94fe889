// api.js - the endpoint, from the page: the session, JSON calls, events.
//
// The session is a cookie the page never sees (HttpOnly); what the page
// keeps, in memory only, is the CSRF token that every state-changing call
// carries as X-CSRF-Token.

let csrf = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function whenSignedOut(fn) {
  onSignedOut = fn;
}

export async function call(method, path, body) {
  const headers = {};
  if (method !== 'GET')
    headers['X-CSRF-Token'] = csrf ?? '';
  if (body !== undefined)
    headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await res.json();
  } catch { /* empty or not JSON */ }
  if (res.status === 401 && !path.startsWith('/api/session')) {
    csrf = null;
    onSignedOut('Your session has ended: sign in again.');
  }
  if (!res.ok)
    throw new ApiError(res.status, data?.error ?? `HTTP ${res.status}`);
  return data;
}

export async function session() {
  const s = await call('GET', '/api/session');
  csrf = s.signed_in ? s.csrf : null;
  return s.signed_in;
}

export async function signIn(token) {
  const s = await call('POST', '/api/session', { token });
  csrf = s.csrf;
}

export async function signOut() {
  try {
    await call('DELETE', '/api/session');
  } finally {
    csrf = null;
  }
}

export function jobs({ status = '', q = '', limit = 100, offset = 0 } = {}) {
  const p = new URLSearchParams({ limit, offset });
  if (status)
    p.set('status', status);
  if (q)
    p.set('q', q);
  return call('GET', `/api/jobs?${p}`);
}

export const job = (id) => call('GET', `/api/jobs/${encodeURIComponent(id)}`);
export const jobLog = (id) => call('GET', `/api/jobs/${encodeURIComponent(id)}/log`);
export const control = (id, word) =>
  call('POST', `/api/jobs/${encodeURIComponent(id)}/${word}`);
export const remove = (id, file) =>
  call('DELETE', `/api/jobs/${encodeURIComponent(id)}${file ? '?file=1' : ''}`);
export const status = () => call('GET', '/api/status');
export const probe = (url) => call('POST', '/api/probe', { url });
export const add = (job) => call('POST', '/api/download', job);
export const settings = () => call('GET', '/api/settings');
export const saveSettings = (s) => call('PUT', '/api/settings', s);
export const videoUrl = (id, download) =>
  `/api/jobs/${encodeURIComponent(id)}/video${download ? '?download=1' : ''}`;

// The live stream: handlers { job(j), status(s) }. EventSource reconnects
// by itself; a stream refused (the session ended) is told through
// onSignedOut by the session check below.
export function events(handlers) {
  const es = new EventSource('/api/events');
  es.addEventListener('job', (e) => handlers.job(JSON.parse(e.data)));
  es.addEventListener('status', (e) => handlers.status(JSON.parse(e.data)));
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED)
      session().then((ok) => {
        if (ok)
          setTimeout(() => handlers.reconnect?.(), 3000);
        else
          onSignedOut('Your session has ended: sign in again.');
      }).catch(() => setTimeout(() => handlers.reconnect?.(), 3000));
  });
  return es;
}
