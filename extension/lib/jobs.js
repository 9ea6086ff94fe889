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

// applyJob - store the latest JOB for its entry; returns "completed" or
// "failed" exactly once per job, the first time it is seen in that state
// (the caller raises the notification), else null.  A job retried after a
// failure notifies again when it ends again.
export function applyJob(tracked, job) {
  const e = tracked[job.job_id];
  if (!e)
    return null;
  e.job = job;
  if (!e.title && job.title)
    e.title = job.title;
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
  const why = (entry.job && entry.job.error) || 'unknown error';
  return { title: 'NAS download failed', message: `${name}: ${why}` };
}
