// jobs.js - the jobs this browser sent to the NAS, followed until they end:
// which to poll, when to notify, what the notification says.
//
// Pure functions over the plain object kept in chrome.storage.local
// ({job_id: entry}); no chrome.* calls.

import { formatBytes, isTerminal } from './format.js';

// Keep at most this many finished jobs in the list; running ones are
// never dropped.
export const MAX_TRACKED = 30;

// trackJob - add (or refresh) the entry of a job just sent.  entry =
// {job_id, url, title, sentAt, job: last JOB seen or null, notified}.
export function trackJob(tracked, jobId, meta, now) {
  const old = tracked[jobId];
  tracked[jobId] = {
    job_id: jobId,
    url: meta.url,
    title: meta.title || '',
    source_page: meta.source_page || (old && old.source_page) || '',
    sentAt: old ? old.sentAt : now,
    job: old ? old.job : null,
    notified: old ? old.notified : null,
  };
  return tracked[jobId];
}

// toPoll - the ids of tracked jobs whose end we have not seen yet, newest
// first.
export function toPoll(tracked) {
  return sortedEntries(tracked)
    .filter((e) => !e.job || !isTerminal(e.job.status))
    .map((e) => e.job_id);
}

// sortedEntries - the entries newest first.
export function sortedEntries(tracked) {
  return Object.values(tracked).sort((a, b) => b.sentAt - a.sentAt);
}

// applyJob - store the latest JOB for its entry; returns "waiting" once
// per wait for a fresh link, and "completed" or "failed" exactly once per job, the first time it is seen in that state
// (the caller raises the notification), else null.  A job retried after a
// failure notifies again when it ends again.
export function applyJob(tracked, job) {
  const e = tracked[job.job_id];
  if (!e)
    return null;
  e.job = job;
  if (!e.title && job.title)
    e.title = job.title;
  if (job.status === 'waiting') {
    // Waiting for a fresh link: said once per wait.
    if (e.notified === 'waiting')
      return null;
    e.notified = 'waiting';
    return 'waiting';
  }
  if (!isTerminal(job.status)) {
    e.notified = null;
    return null;
  }
  if (job.status === 'cancelled' || e.notified === job.status)
    return null;
  e.notified = job.status;
  return job.status;
}

// markGone - the NAS no longer knows the job (404): end it as failed.
export function markGone(tracked, jobId) {
  const e = tracked[jobId];
  if (!e)
    return null;
  return applyJob(tracked, {
    ...(e.job || {}),
    job_id: jobId,
    status: 'failed',
    error: 'the NAS no longer knows this job',
  });
}

// prune - drop the oldest finished entries beyond MAX_TRACKED.
export function prune(tracked, max = MAX_TRACKED) {
  let finished = 0;
  for (const e of sortedEntries(tracked)) {
    if (!e.job || !isTerminal(e.job.status))
      continue;
    if (++finished > max)
      delete tracked[e.job_id];
  }
  return tracked;
}

// notification - {title, message} of the notification for event on entry.
export function notification(entry, event) {
  const name = entry.title || (entry.job && entry.job.title) || entry.url;
  if (event === 'completed') {
    const size = entry.job ? formatBytes(entry.job.size_bytes) : '—';
    return { title: 'Video saved on the NAS', message: `${name} (${size})` };
  }
  if (event === 'waiting')
    return {
      title: 'NAS download waits for a fresh link',
      message: `${name}: its link expired. Open its page again (or Refresh in the popup): the fresh link is sent by itself.`,
    };
  const why = (entry.job && entry.job.error) || 'unknown error';
  return { title: 'NAS download failed', message: `${name}: ${why}` };
}

// mergeJobs - the popup's list: the NAS's recent jobs from every source
// (nasJobs, as GET /api/jobs lists them, newest first) and the jobs this
// browser sent that the list does not hold yet (just posted), newest first.
// Each row {job_id, title, url, job, mine, at}; mine = sent from here.
export function mergeJobs(nasJobs, tracked) {
  const rows = [];
  const seen = new Set();
  (Array.isArray(nasJobs) ? nasJobs : []).forEach((j, i) => {
    const id = String(j.job_id ?? j.id ?? '');
    if (!id || seen.has(id))
      return;
    seen.add(id);
    const mine = tracked[id];
    const created = Date.parse(j.created_at || '');
    rows.push({
      job_id: id,
      title: j.title || (mine && mine.title) || '',
      url: j.url || (mine && mine.url) || '',
      job: mine && mine.job && !j.status ? mine.job : j,
      mine: !!mine,
      at: Number.isFinite(created) ? created : (mine ? mine.sentAt : 0),
      order: i,
    });
  });
  for (const e of Object.values(tracked)) {
    if (seen.has(e.job_id))
      continue;
    rows.push({ job_id: e.job_id, title: e.title, url: e.url, job: e.job, mine: true, at: e.sentAt, order: -1 });
  }
  // The NAS's order stands (its clock); rows only this browser knows go
  // by their sending time among them.
  rows.sort((a, b) => (b.at - a.at) || (a.order - b.order));
  return rows.map(({ order, ...r }) => r);
}

// onNasMatch - the NAS job that already has the stream at url (same path,
// query tokens set aside; running or completed), from a job list; or null.
export function onNasMatch(nasJobs, url, same) {
  for (const j of Array.isArray(nasJobs) ? nasJobs : []) {
    if (j && j.url && same(j.url, url) && j.status && j.status !== 'failed' && j.status !== 'cancelled')
      return { found: true, id: String(j.job_id ?? j.id), status: j.status, title: j.title || '' };
  }
  return null;
}

// refreshResendIn - a refresh POST that failed before the NAS took it
// (rate limit, NAS unreachable, timeout, server trouble) was not sent: the
// ms to wait before sending that URL again (a 429's Retry-After, else 10 s
// for the rate limit, 0 for the others), or null when the NAS answered
// for good (409 another stream, 404, 400) and the URL stays spent.
export function refreshResendIn(kind, retryAfter) {
  if (kind === 'rate')
    return 1000 * (Number.isInteger(retryAfter) && retryAfter > 0 ? retryAfter : 10);
  return ['unreachable', 'timeout', 'server'].includes(kind) ? 0 : null;
}

// refreshCandidates - the jobs waiting for a fresh link that a stream seen
// at url can renew: status "waiting", same stream, and this URL not
// already sent to that job (refreshed = {job_id: [urls sent]}).
export function refreshCandidates(nasJobs, url, same, refreshed = {}) {
  return (Array.isArray(nasJobs) ? nasJobs : []).filter((j) => j && j.status === 'waiting' &&
    j.url && same(j.url, url) && !(refreshed[String(j.job_id ?? j.id)] || []).includes(url));
}

// folderFor - the folder to preselect for a site: the one remembered for
// it (prefs = {host: name}) if the NAS still offers it, else the NAS's
// default, else "".
export function folderFor(prefs, host, folders, def) {
  const names = (Array.isArray(folders) ? folders : []).map((f) => f && f.name).filter(Boolean);
  const want = prefs && host ? prefs[host] : undefined;
  if (want && names.includes(want))
    return want;
  if (def && names.includes(def))
    return def;
  return names[0] || '';
}
