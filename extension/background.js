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
  visibleStreams, badgeText, menuTarget,
} from './lib/streams.js';
import {
  nasRequest, NasError, downloadBody, probeBody, PROBE_TIMEOUT_MS,
} from './lib/api.js';
import {
  trackJob, toPoll, applyJob, markGone, prune, notification, sortedEntries,
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

async function forgetTab(tabId, pageUrl) {
  await ready();
  if (pageUrl === undefined)
    tabs.delete(tabId);
  else
    tabs.set(tabId, newTabState(pageUrl));
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
  if (via)
    record(d.tabId, { url: d.url, via, contentType, headers, at: Date.now() });
}, FILTER, ['responseHeaders']);

chrome.webRequest.onErrorOccurred.addListener((d) => {
  pending.delete(d.requestId);
}, FILTER);

async function record(tabId, seen) {
  await ready();
  const t = tabState(tabId);
  const added = addStream(t, seen);
  await commit(tabId);
  if (added)
    classify(tabId, findStream(t, seen.url).url);
}

// Read a new playlist once to tell master from media, so a master's own
// variants fold under it.  Best effort: a site that wants more than its
// cookies (a Referer, a token header) says no, and the NAS's probe
// classifies the stream later instead.
async function classify(tabId, url) {
  let text;
  try {
    const res = await fetch(url, {
      credentials: 'include',
      cache: 'no-store',
      signal: AbortSignal.timeout(CLASSIFY_TIMEOUT_MS),
    });
    const len = Number(res.headers.get('content-length') || 0);
    if (!res.ok || len > CLASSIFY_MAX_BYTES)
      return;
    text = await res.text();
    if (text.length > CLASSIFY_MAX_BYTES)
      return;
  } catch {
    return;
  }
  await ready();
  const t = tabs.get(tabId);
  if (t && classifyStream(t, url, classifyPlaylist(text, url)))
    await commit(tabId);
}

// A new document in the tab: its streams are the old page's.  In-page
// history changes (onHistoryStateUpdated) keep them.
chrome.webNavigation.onCommitted.addListener((d) => {
  if (d.frameId === 0)
    forgetTab(d.tabId, d.url);
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
  const t = tabs.get(tabId);
  const s = t && findStream(t, url);
  if (!s)
    return { error: 'This stream is no longer listed for the tab.' };
  const settings = await loadSettings();
  try {
    const p = await nasRequest(settings, 'POST', '/api/probe', probeBody(s),
      { timeoutMs: PROBE_TIMEOUT_MS });
    setProbe(t, url, p, null);
    await commit(tabId);
    return { probe: p };
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
async function send(tabId, url, quality) {
  await ready();
  const t = tabs.get(tabId);
  const s = (t && findStream(t, url)) || { url, headers: {} };
  const page = await pageOf(tabId);
  const settings = await loadSettings();
  try {
    const r = await nasRequest(settings, 'POST', '/api/download',
      downloadBody(s, page, quality || settings.quality));
    if (typeof r.job_id !== 'string' && typeof r.job_id !== 'number')
      throw new NasError('protocol', 'The NAS did not return a job id.');
    const id = String(r.job_id);
    await withJobs((tracked) => {
      trackJob(tracked, id, { url: s.url, title: page.title }, Date.now());
    });
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
    return { left: toPoll(tracked).length, list: sortedEntries(tracked) };
  });
  for (const [entry, ev] of events)
    await notify(entry, ev).catch(() => {});
  if (entries.left === 0)
    await chrome.alarms.clear(ALARM);
  return { jobs: entries.list, error };
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
  send: (m) => send(m.tabId, m.url, m.quality),
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
