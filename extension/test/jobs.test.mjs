// jobs.test.mjs - following sent jobs: what to poll, notify once per end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trackJob, toPoll, applyJob, markGone, prune, notification, sortedEntries } from '../lib/jobs.js';

const job = (id, status, extra = {}) => ({ job_id: id, status, progress: 0, ...extra });

test('notify exactly once per end, again after a retry', () => {
  const t = {};
  trackJob(t, 'a', { url: 'https://c.test/a.m3u8', title: 'A' }, 1);
  // status sequence seen by successive polls -> event returned
  const steps = [
    ['pending', null], ['downloading', null], ['downloading', null], ['merging', null],
    ['completed', 'completed'], ['completed', null],
  ];
  for (const [status, want] of steps)
    assert.equal(applyJob(t, job('a', status)), want, status);

  trackJob(t, 'b', { url: 'https://c.test/b.m3u8', title: 'B' }, 2);
  const steps2 = [
    ['downloading', null], ['failed', 'failed'], ['failed', null],
    ['pending', null], ['downloading', null], ['failed', 'failed'],
    ['pending', null], ['completed', 'completed'],
  ];
  for (const [status, want] of steps2)
    assert.equal(applyJob(t, job('b', status)), want, `b ${status}`);
});

test('cancelled jobs end quietly; unknown jobs are ignored', () => {
  const t = {};
  trackJob(t, 'c', { url: 'u' }, 1);
  assert.equal(applyJob(t, job('c', 'cancelled')), null);
  assert.deepEqual(toPoll(t), []);
  assert.equal(applyJob(t, job('zzz', 'completed')), null);
  assert.equal(t.zzz, undefined);
});

test('toPoll: not yet ended, newest first', () => {
  const t = {};
  trackJob(t, 'old', { url: 'u' }, 1);
  trackJob(t, 'mid', { url: 'u' }, 2);
  trackJob(t, 'new', { url: 'u' }, 3);
  assert.deepEqual(toPoll(t), ['new', 'mid', 'old']);
  applyJob(t, job('mid', 'completed'));
  assert.deepEqual(toPoll(t), ['new', 'old']);
  assert.deepEqual(sortedEntries(t).map((e) => e.job_id), ['new', 'mid', 'old']);
});

test('re-sending a duplicate keeps its history', () => {
  const t = {};
  trackJob(t, 'd', { url: 'u', title: 'D' }, 5);
  applyJob(t, job('d', 'downloading', { progress: 40 }));
  trackJob(t, 'd', { url: 'u', title: 'D' }, 9);
  assert.equal(t.d.sentAt, 5);
  assert.equal(t.d.job.progress, 40);
});

test('markGone fails a job the NAS forgot', () => {
  const t = {};
  trackJob(t, 'g', { url: 'u', title: 'G' }, 1);
  assert.equal(markGone(t, 'g'), 'failed');
  assert.match(t.g.job.error, /no longer knows/);
  assert.equal(markGone(t, 'nope'), null);
});

test('prune drops the oldest finished jobs only', () => {
  const t = {};
  for (let i = 0; i < 6; i++) {
    trackJob(t, `j${i}`, { url: 'u' }, i);
    if (i !== 0)
      applyJob(t, job(`j${i}`, 'completed'));
  }
  prune(t, 3);
  assert.deepEqual(Object.keys(t).sort(), ['j0', 'j3', 'j4', 'j5']);
});

test('notification text', () => {
  const cases = [
    [{ title: 'Concert', url: 'u', job: { size_bytes: 5e6 } }, 'completed', 'Video saved on the NAS', 'Concert (5.0 MB)'],
    [{ title: '', url: 'https://c.test/x.m3u8', job: { title: 'From NAS', error: 'HTTP 403 Access denied' } }, 'failed',
      'NAS download failed', 'From NAS: HTTP 403 Access denied'],
    [{ title: '', url: 'https://c.test/x.m3u8', job: null }, 'failed', 'NAS download failed', 'https://c.test/x.m3u8: unknown error'],
  ];
  for (const [entry, ev, title, message] of cases)
    assert.deepEqual(notification(entry, ev), { title, message });
});
