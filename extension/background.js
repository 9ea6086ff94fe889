// background.js - the service worker: spots HLS playlists in every tab,
// keeps them per tab in chrome.storage.session, sends them to the NAS,
// follows the jobs sent with chrome.alarms and notifies when they end.
//
// The worker may be stopped at any moment: every listener is registered at
// the top level, and state lives in chrome.storage (read once per life
// into memory, written through on every change).

import { detectHls, classifyPlaylist } from './lib/hls.js';
import { pickHeaders, headerValue } from './lib/headers.js';
import {
  newTabState, addStream, classifyStream, setProbe, findStream,
  visibleStreams, badgeText, menuTarget, commitDocument, requestDocument,
  sameStream, streamKey,
} from './lib/streams.js';
import {
  nasRequest, NasError, downloadBody, probeBody, PROBE_TIMEOUT_MS,
  jobIdOf, refreshBody, isMissingRoute,
} from './lib/api.js';
import {
  trackJob, toPoll, applyJob, markGone, prune, notification, sortedEntries,
  mergeJobs, onNasMatch, refreshCandidates, folderFor, refreshResendIn,
} from './lib/jobs.js';
import { loadSettings } from './lib/settings.js';

const ALARM = 'poll-jobs';
// chrome.alarms' floor (Chrome 120+): twice a minute.
const POLL_MINUTES = 0.5;
// The request types a playlist arrives as: fetch/XHR (hls.js, dash.js,
// video.js), <video src> (native HLS), and what Chrome cannot name.
const TYPES = ['xmlhttprequest', 'media', 'other', 'object'];
const FILTER = { urls: ['<all_urls>'], types: TYPES };
// Bounds on the worker's own look at a playlist to classify it.
const CLASSIFY_MAX_BYTES = 1 << 20;
const CLASSIFY_TIMEOUT_MS = 5000;
// Request headers waiting for their response, by requestId.
const PENDING_MAX = 500;
// Most polls per alarm: one GET per running job.
const POLL_MAX = 20;
// The NAS's recent jobs (every source) the popup lists, and how old the
// copy the worker matches streams against may be.
const LIST_LIMIT = 20;
const LIST_MAX_AGE_MS = 15000;
const LIST_IDLE_AGE_MS = 60000;
// Fresh URLs remembered per waiting job (each is sent once).
const REFRESHED_MAX = 8;

// ---- a trace of detection, for diagnosis ------------------------------------

// The last events seen (playlists, main-frame commits), bounded; read by
// the end-to-end test when a count is wrong (globalThis.__trace).
const TRACE_MAX = 200;
const trace = [];
globalThis.__trace = trace;
function traceEvent(e) {
  trace.push(e);
  if (trace.length > TRACE_MAX)
    trace.shift();
}

// ---- per-tab stream state -------------------------------------------------

const tabs = new Map();
let loaded = null;

function ready() {
  if (!loaded) {
    loaded = chrome.storage.session.get(null).then((all) => {
      for (const [k, v] of Object.entries(all))
        if (k.startsWith('tab:') && !tabs.has(Number(k.slice(4))))
          tabs.set(Number(k.slice(4)), v);
    });
  }
  return loaded;
}

function tabState(tabId) {
  let t = tabs.get(tabId);
  if (!t) {
    t = newTabState();
    tabs.set(tabId, t);
  }
  return t;
}

// Write a tab's state through and show its count on the badge.
async function commit(tabId) {
  const t = tabs.get(tabId);
  const text = t ? badgeText(t) : '';
  try {
    if (t)
      await chrome.storage.session.set({ [`tab:${tabId}`]: t });
    else
      await chrome.storage.session.remove(`tab:${tabId}`);
    await chrome.action.setBadgeText({ tabId, text });
  } catch {
    // the tab closed meanwhile: nothing to show it on
  }
  refreshPageMenu();
}

async function forgetTab(tabId) {
  await ready();
  tabs.delete(tabId);
  await commit(tabId);
}

// A new document committed in the tab's main frame: its own streams stay
// (they may have been recorded before this event arrived), the previous
// document's go.
async function commitTab(tabId, nav) {
  await ready();
  commitDocument(tabState(tabId), nav);
  await commit(tabId);
}

// ---- detection ------------------------------------------------------------

const pending = new Map();

chrome.webRequest.onSendHeaders.addListener((d) => {
  if (d.tabId < 0)
    return;
  pending.set(d.requestId, pickHeaders(d.requestHeaders));
  if (pending.size > PENDING_MAX)
    pending.delete(pending.keys().next().value);
}, FILTER, ['requestHeaders', 'extraHeaders']);

// onResponseStarted rather than onHeadersReceived: it also fires for
// answers from the HTTP cache, which a player's second look often is.
chrome.webRequest.onResponseStarted.addListener((d) => {
  if (d.tabId < 0)
    return;
  const headers = pending.get(d.requestId) || {};
  pending.delete(d.requestId);
  if (d.statusCode < 200 || d.statusCode >= 300)
    return;
  const contentType = headerValue(d.responseHeaders, 'content-type');
  const via = detectHls(d.url, contentType);
  if (via) {
    traceEvent({ ev: 'playlist', tab: d.tabId, url: d.url, frame: d.frameId, doc: d.documentId, pdoc: d.parentDocumentId, ts: d.timeStamp });
    record(d.tabId, {
      url: d.url, via, contentType, headers, doc: requestDocument(d),
      at: typeof d.timeStamp === 'number' ? d.timeStamp : Date.now(),
    });
  }
}, FILTER, ['responseHeaders']);

chrome.webRequest.onErrorOccurred.addListener((d) => {
  pending.delete(d.requestId);
}, FILTER);

async function record(tabId, seen) {
  await ready();
  const t = tabState(tabId);
  const added = addStream(t, seen);
  await commit(tabId);
  const s = findStream(t, seen.url);
  if (added) {
    const key = `${tabId} ${s.url}`;
    const run = classify(tabId, s.url).finally(() => classifying.delete(key));
    classifying.set(key, run);
  }
  if (s)
    refreshFrom(tabId, s).catch(() => {});
}

// The facts kept from the worker's own read of a playlist (the popup
// shows them where the NAS's probe says nothing).
function localFacts(info) {
  const f = { audio: info.audio || [], subtitles: info.subtitles || [] };
  if (info.type === 'media')
    Object.assign(f, { duration: info.duration, segments: info.segments, live: info.live, encrypted: info.encrypted });
  return f;
}

// Read a playlist with the browser's cookies, bounded: its text or null.
async function readPlaylist(url) {
  try {
    const res = await fetch(url, {
      credentials: 'include',
      cache: 'no-store',
      signal: AbortSignal.timeout(CLASSIFY_TIMEOUT_MS),
    });
    const len = Number(res.headers.get('content-length') || 0);
    if (!res.ok || len > CLASSIFY_MAX_BYTES)
      return null;
    const text = await res.text();
    return text.length > CLASSIFY_MAX_BYTES ? null : text;
  } catch {
    return null;
  }
}

// A master says nothing of duration, segments or keys: read them from
// one of its media playlists (the smallest).  {facts} or null.
async function variantFacts(variants) {
  const vs = [...(variants || [])].filter((v) => v && v.uri)
    .sort((a, b) => (a.bandwidth || 0) - (b.bandwidth || 0));
  if (vs.length === 0)
    return null;
  const text = await readPlaylist(vs[0].uri);
  if (text === null)
    return null;
  const info = classifyPlaylist(text, vs[0].uri);
  return info.type === 'media' ? localFacts(info) : null;
}

// The worker's own reads in flight, by "tabId url": a probe waits for
// them, so that the popup gets the facts they find.
const classifying = new Map();

// Read a new playlist once to tell master from media, so a master's own
// variants fold under it.  Best effort: a site that wants more than its
// cookies (a Referer, a token header) says no, and the NAS's probe
// classifies the stream later instead.
async function classify(tabId, url) {
  const text = await readPlaylist(url);
  if (text === null)
    return;
  const info = classifyPlaylist(text, url);
  const media = info.type === 'master' ? await variantFacts(info.variants) : null;
  await ready();
  const t = tabs.get(tabId);
  if (t && classifyStream(t, url, info)) {
    const s = findStream(t, url);
    s.local = localFacts(info);
    if (media)
      s.media = media;
    await commit(tabId);
  }
}

// A new document in the tab's main frame: the previous one's streams go,
// the new one's stay, whichever of its requests and this event reached the
// worker first (per documentId; by time where the browser gives none).
// In-page history changes (onHistoryStateUpdated) keep them all.
chrome.webNavigation.onCommitted.addListener((d) => {
  traceEvent({ ev: 'commit', tab: d.tabId, url: d.url, frame: d.frameId, doc: d.documentId, ts: d.timeStamp });
  if (d.frameId === 0)
    commitTab(d.tabId, { doc: d.documentId || '', url: d.url, at: d.timeStamp || Date.now() });
});

chrome.tabs.onRemoved.addListener((tabId) => {
  forgetTab(tabId);
});

// ---- the NAS ----------------------------------------------------------------

async function pageOf(tabId) {
  try {
    const tab = await chrome.tabs.get(tabId);
    return { url: tab.url || '', title: tab.title || '' };
  } catch {
    return { url: '', title: '' };
  }
}

// What the popup shows of a tab: its page and its visible streams.
async function describeTab(tabId) {
  await ready();
  const t = tabs.get(tabId) || newTabState();
  const page = await pageOf(tabId);
  return { page, streams: visibleStreams(t) };
}

async function probe(tabId, url) {
  await ready();
  await classifying.get(`${tabId} ${streamKey(url)}`);
  const t = tabs.get(tabId);
  const s = t && findStream(t, url);
  if (!s)
    return { error: 'This stream is no longer listed for the tab.' };
  const settings = await loadSettings();
  try {
    const p = await nasRequest(settings, 'POST', '/api/probe', probeBody(s),
      { timeoutMs: PROBE_TIMEOUT_MS });
    setProbe(t, url, p, null);
    if (p.type === 'master' && !(p.duration > 0) && !s.media) {
      // The worker's own look at a variant first (no POST); the NAS's
      // probe of it when the site refuses the worker.
      let media = await variantFacts(p.variants);
      if (!media) {
        const low = [...(p.variants || [])].sort((a, b) => (a.bandwidth || 0) - (b.bandwidth || 0))[0];
        if (low && low.uri) {
          try {
            const v = await nasRequest(settings, 'POST', '/api/probe', probeBody({ ...s, url: low.uri }),
              { timeoutMs: PROBE_TIMEOUT_MS });
            if (v.type === 'media')
              media = v;
          } catch {
            // the facts stay unknown; the picker still works
          }
        }
      }
      if (media)
        s.media = media;
    }
    await commit(tabId);
    return { probe: p, media: s.media || null, local: s.local || null };
  } catch (e) {
    const kind = e instanceof NasError ? e.kind : 'protocol';
    // Only the stream's own problem is worth keeping with it; a NAS
    // that is down or a wrong key is said again on the next try.
    if (kind === 'upstream') {
      setProbe(t, url, null, e.message);
      await commit(tabId);
    }
    return { error: e.message, kind };
  }
}

// Send one stream (found in tabId, or a bare URL from a context menu) to
// the NAS; track the job.  Returns {job_id} or {error, kind}.
// opts = {title, folder, force}: see downloadBody.  A stream the NAS
// already has (and no force) answers {duplicate: true, job_id, status}.
async function send(tabId, url, quality, opts = {}) {
  await ready();
  const t = tabs.get(tabId);
  const s = (t && findStream(t, url)) || { url, headers: {} };
  const page = await pageOf(tabId);
  const settings = await loadSettings();
  try {
    const body = downloadBody(s, page, quality || settings.quality, opts);
    const r = await nasRequest(settings, 'POST', '/api/download', body);
    const id = jobIdOf(r);
    if (id === null)
      throw new NasError('protocol', 'The NAS did not return a job id.');
    if (opts.folder)
      await rememberFolder(page.url, opts.folder);
    if (r.duplicate === true)
      return { duplicate: true, job_id: id, status: r.status || '' };
    await withJobs((tracked) => {
      trackJob(tracked, id, { url: s.url, title: body.title || page.title, source_page: body.source_page }, Date.now());
    });
    nasListAt = 0;
    await chrome.alarms.create(ALARM, { periodInMinutes: POLL_MINUTES });
    return { job_id: id };
  } catch (e) {
    return { error: e.message, kind: e instanceof NasError ? e.kind : 'protocol' };
  }
}

// ---- following the jobs sent ---------------------------------------------

// Every change of the tracked jobs goes through this chain, so two polls
// (alarm and popup) never write over each other.
let jobsChain = Promise.resolve();

function withJobs(fn) {
  const run = jobsChain.then(async () => {
    const { jobs = {} } = await chrome.storage.local.get('jobs');
    const out = await fn(jobs);
    prune(jobs);
    await chrome.storage.local.set({ jobs });
    return out;
  });
  jobsChain = run.catch(() => {});
  return run;
}

async function notify(entry, event) {
  const n = notification(entry, event);
  await chrome.notifications.create(`job-${entry.job_id}-${event}`, {
    type: 'basic',
    iconUrl: 'icons/icon128.png',
    title: n.title,
    message: n.message,
  });
}

// Ask the NAS about every job not yet ended; notify the ends.  Returns
// {jobs: entries newest first, error: the message of a failed poll or
// null}.  Stops the alarm once nothing is left to follow.
async function poll() {
  const settings = await loadSettings();
  let error = null;
  const events = [];
  const entries = await withJobs(async (tracked) => {
    for (const id of toPoll(tracked).slice(0, POLL_MAX)) {
      try {
        const job = await nasRequest(settings, 'GET', `/api/jobs/${encodeURIComponent(id)}`);
        const ev = applyJob(tracked, { ...job, job_id: id });
        if (ev)
          events.push([tracked[id], ev]);
      } catch (e) {
        if (e instanceof NasError && e.kind === 'notfound') {
          const ev = markGone(tracked, id);
          if (ev)
            events.push([tracked[id], ev]);
          continue;
        }
        error = e.message;
        break;
      }
    }
    return { left: toPoll(tracked).length, tracked: { ...tracked } };
  });
  for (const [entry, ev] of events)
    await notify(entry, ev).catch(() => {});
  // The NAS's own list: the jobs of every source (SMB, the CLI, other
  // browsers).  Without it (an error), this browser's jobs alone.
  let list = null;
  if (error === null) {
    try {
      list = await nasList(settings, 0);
    } catch (e) {
      error = e.message;
    }
  }
  const waiting = (list || []).some((j) => j.status === 'waiting');
  if (waiting)
    refreshWaiting(list).catch(() => {});
  if (entries.left === 0 && !waiting)
    await chrome.alarms.clear(ALARM);
  const rows = list ? mergeJobs(list, entries.tracked)
    : sortedEntries(entries.tracked).map((e) => ({ ...e, at: e.sentAt, mine: true }));
  return { jobs: rows, error, all: list !== null };
}

// ---- the NAS's jobs from every source ------------------------------------

let nasListCache = [];
let nasListAt = 0;
let listFailedAt = 0;

// GET /api/jobs?limit=N, newest first; a copy younger than maxAgeMs is
// reused.  Rejects with a NasError.
async function nasList(settings, maxAgeMs) {
  if (maxAgeMs > 0 && Date.now() - nasListAt < maxAgeMs)
    return nasListCache;
  const r = await nasRequest(settings, 'GET', `/api/jobs?limit=${LIST_LIMIT}`);
  nasListCache = Array.isArray(r.jobs) ? r.jobs : [];
  nasListAt = Date.now();
  listFailedAt = 0;
  return nasListCache;
}

// Routes an older NAS lacks (404), learnt once per worker life.
const missing = new Set();

// Is the stream at url already on the NAS (running or completed)?  The
// recent jobs first (a GET), then POST /api/lookup, which knows them all.
// {found, id, status, title} or {found: false}; {error} when unknown.
async function lookup(tabId, url) {
  await ready();
  const settings = await loadSettings();
  try {
    const m = onNasMatch(await nasList(settings, 5000), url, sameStream);
    if (m)
      return m;
  } catch (e) {
    return { error: e.message, kind: e instanceof NasError ? e.kind : 'protocol' };
  }
  if (missing.has('lookup'))
    return { found: false, checked: 'jobs' };
  try {
    const r = await nasRequest(settings, 'POST', '/api/lookup', { url });
    if (r.found === true)
      return { found: true, id: String(r.id ?? r.job_id ?? ''), status: r.status || '', title: r.title || '' };
    return { found: false, checked: 'lookup' };
  } catch (e) {
    if (e instanceof NasError && isMissingRoute(e)) {
      missing.add('lookup');
      return { found: false, checked: 'jobs' };
    }
    return { found: false, checked: 'jobs', error: e.message, kind: e instanceof NasError ? e.kind : 'protocol' };
  }
}

// ---- folders -----------------------------------------------------------------

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

async function rememberFolder(pageUrl, folder) {
  const host = hostOf(pageUrl);
  if (!host)
    return;
  const { folderBySite = {} } = await chrome.storage.local.get('folderBySite');
  folderBySite[host] = folder;
  const keys = Object.keys(folderBySite);
  if (keys.length > 200)
    delete folderBySite[keys[0]];
  await chrome.storage.local.set({ folderBySite });
}

// The NAS's folders and the one to preselect for the tab's site:
// {folders: [names], selected} or {folders: null} (an older NAS: no
// choice offered).
async function folders(tabId) {
  const settings = await loadSettings();
  if (missing.has('folders'))
    return { folders: null };
  try {
    const r = await nasRequest(settings, 'GET', '/api/folders');
    const list = (Array.isArray(r.folders) ? r.folders : []).filter((f) => f && typeof f.name === 'string');
    const { folderBySite = {} } = await chrome.storage.local.get('folderBySite');
    const page = await pageOf(tabId);
    return {
      folders: list.map((f) => f.name),
      selected: folderFor(folderBySite, hostOf(page.url), list, r.default),
    };
  } catch (e) {
    if (e instanceof NasError && isMissingRoute(e))
      missing.add('folders');
    return { folders: null };
  }
}

// ---- refreshing an expiring link -----------------------------------------

// Jobs whose "Refresh" was pressed: id -> the tab opened for it.
const wanted = new Map();

async function sentRefreshes() {
  const { refreshed = {} } = await chrome.storage.local.get('refreshed');
  return refreshed;
}

// Send the fresh URL of stream s (seen in tabId) to every job waiting for
// it, once per URL; notify.  One at a time: a playlist seen twice in a row
// must not send its URL twice.
let refreshChain = Promise.resolve();
// No refresh POST before this time (a 429's Retry-After).
let refreshNotBefore = 0;
function refreshJobs(tabId, s, jobs) {
  const run = refreshChain.then(() => refreshJobsNow(tabId, s, jobs));
  refreshChain = run.catch(() => {});
  return run;
}

async function refreshJobsNow(tabId, s, jobs) {
  if (Date.now() < refreshNotBefore)
    return;
  const settings = await loadSettings();
  const refreshed = await sentRefreshes();
  const page = await pageOf(tabId);
  for (const j of refreshCandidates(jobs, s.url, sameStream, refreshed)) {
    const id = String(j.job_id ?? j.id);
    if (streamKey(j.url) === s.url)
      continue; // the very URL that expired: no new token in it
    if (missing.has('refresh'))
      return;
    refreshed[id] = [...(refreshed[id] || []), s.url].slice(-REFRESHED_MAX);
    await chrome.storage.local.set({ refreshed });
    const name = j.title || s.url;
    let n;
    try {
      await nasRequest(settings, 'POST', `/api/jobs/${encodeURIComponent(id)}/refresh`, refreshBody(s, page));
      j.status = 'downloading';
      n = { title: 'Fresh link sent to the NAS', message: `${name}: the download goes on.` };
    } catch (e) {
      const resend = e instanceof NasError ? refreshResendIn(e.kind, e.retryAfter) : null;
      if (resend !== null) {
        // Not taken by the NAS: not sent.  The next sighting of the
        // stream, or the next look at the job list, sends it again.
        refreshed[id] = refreshed[id].filter((u) => u !== s.url);
        await chrome.storage.local.set({ refreshed });
        refreshNotBefore = Date.now() + resend;
        return;
      }
      if (e instanceof NasError && e.kind === 'notfound' && /no such route/i.test(e.message))
        missing.add('refresh');
      n = wanted.has(id) ? { title: 'Link not refreshed', message: `${name}: ${e.message}` } : null;
    }
    wanted.delete(id);
    nasListAt = 0;
    if (n)
      await chrome.notifications.create(`refresh-${id}-${Date.now()}`, {
        type: 'basic', iconUrl: 'icons/icon128.png', ...n,
      }).catch(() => {});
  }
}

// A stream seen (again) in a tab: does a waiting job want its URL?
async function refreshFrom(tabId, s) {
  const settings = await loadSettings();
  if (!settings.endpoint || !settings.key || missing.has('refresh'))
    return;
  // A NAS that did not answer is asked again a minute later, not at each
  // reload of a live playlist.
  if (Date.now() - listFailedAt < LIST_IDLE_AGE_MS)
    return;
  const hot = wanted.size > 0 || nasListCache.some((j) => j.status === 'waiting');
  let jobs;
  try {
    jobs = await nasList(settings, hot ? LIST_MAX_AGE_MS : LIST_IDLE_AGE_MS);
  } catch {
    listFailedAt = Date.now();
    return;
  }
  if (jobs.some((j) => j.status === 'waiting'))
    await refreshJobs(tabId, s, jobs);
}

// The list shows waiting jobs: the streams the tabs already hold may be
// the fresh links they wait for.
async function refreshWaiting(jobs) {
  await ready();
  for (const [tabId, t] of tabs)
    for (const s of t.streams || [])
      if (jobs.some((j) => j.status === 'waiting' && sameStream(j.url, s.url)))
        await refreshJobs(tabId, s, jobs);
}

// "Refresh" on a waiting job: open the page the stream came from; the
// stream it loads there is sent as the fresh link.
async function refreshOpen(id) {
  const { jobs = {} } = await chrome.storage.local.get('jobs');
  const listed = nasListCache.find((j) => String(j.job_id ?? j.id) === id) || {};
  const page = (jobs[id] && jobs[id].source_page) || listed.source_page || listed.referer || '';
  if (!/^https?:\/\//.test(page))
    return { error: 'The NAS does not know the page this video came from: open it and play the video, the link is refreshed by itself.' };
  const tab = await chrome.tabs.create({ url: page, active: true });
  wanted.set(id, tab.id);
  await chrome.alarms.create(ALARM, { periodInMinutes: POLL_MINUTES });
  return { opened: page, tabId: tab.id };
}

async function jobAction(id, action) {
  const settings = await loadSettings();
  try {
    await nasRequest(settings, 'POST', `/api/jobs/${encodeURIComponent(id)}/${action}`, {});
    if (action === 'retry')
      await chrome.alarms.create(ALARM, { periodInMinutes: POLL_MINUTES });
    return {};
  } catch (e) {
    return { error: e.message };
  }
}

chrome.alarms.onAlarm.addListener((a) => {
  if (a.name === ALARM)
    poll();
});

// ---- context menu -----------------------------------------------------------

function createMenus() {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: 'send-link', title: 'Send to NAS', contexts: ['link'] });
    chrome.contextMenus.create({ id: 'send-media', title: 'Send to NAS', contexts: ['video', 'audio'] });
    chrome.contextMenus.create({
      id: 'send-page', title: 'Send this page\'s video to NAS', contexts: ['page'], visible: false,
    });
  });
}

// The page item shows only where the active tab has a stream.
async function refreshPageMenu() {
  try {
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    const t = tab && tabs.get(tab.id);
    await chrome.contextMenus.update('send-page', { visible: !!t && visibleStreams(t).length > 0 });
  } catch {
    // menus not created yet (first install still running)
  }
}

chrome.tabs.onActivated.addListener(() => {
  ready().then(refreshPageMenu);
});

chrome.contextMenus.onClicked.addListener(async (info, tab) => {
  await ready();
  const tabId = tab ? tab.id : -1;
  const url = menuTarget(info, tabs.get(tabId));
  let n;
  if (!url) {
    n = { title: 'Nothing to send', message: 'No HLS stream was seen on this page yet. Start the video, then try again.' };
  } else {
    const r = await send(tabId, url);
    n = r.error ? { title: 'Not sent to the NAS', message: r.error }
      : { title: 'Sent to the NAS', message: (tab && tab.title) || url };
  }
  chrome.notifications.create({ type: 'basic', iconUrl: 'icons/icon128.png', ...n });
});

// ---- messages from the popup ----------------------------------------------

// The NAS's own account of itself (the popup's first look).
async function nasStatus() {
  try {
    return { status: await nasRequest(await loadSettings(), 'GET', '/api/status') };
  } catch (e) {
    return { error: e.message, kind: e instanceof NasError ? e.kind : 'protocol' };
  }
}

const HANDLERS = {
  status: () => nasStatus(),
  tab: (m) => describeTab(m.tabId),
  probe: (m) => probe(m.tabId, m.url),
  send: (m) => send(m.tabId, m.url, m.quality, { title: m.title, folder: m.folder, force: m.force === true }),
  lookup: (m) => lookup(m.tabId, m.url),
  folders: (m) => folders(m.tabId),
  refreshOpen: (m) => refreshOpen(String(m.id)),
  poll: () => poll(),
  cancel: (m) => jobAction(m.id, 'cancel'),
  retry: (m) => jobAction(m.id, 'retry'),
};

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  // Only the extension's own pages talk to the worker.
  if (sender.id !== chrome.runtime.id || !msg || !HANDLERS[msg.type])
    return false;
  HANDLERS[msg.type](msg).then(reply, (e) => reply({ error: String(e && e.message || e) }));
  return true;
});

// ---- life cycle -------------------------------------------------------------

chrome.runtime.onInstalled.addListener(() => {
  createMenus();
});

chrome.action.setBadgeBackgroundColor({ color: '#1565c0' });

chrome.runtime.onStartup.addListener(async () => {
  const { jobs = {} } = await chrome.storage.local.get('jobs');
  if (toPoll(jobs).length > 0)
    await chrome.alarms.create(ALARM, { periodInMinutes: POLL_MINUTES });
});
