// second.test.mjs - the second pass's pure logic: streams tracked per
// document whatever order the events arrive in, the same stream with its
// tokens set aside, the facts and unique labels of the picker, the NAS's
// jobs from every source, folders per site, and the endpoint's scheme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  newTabState, addStream, commitDocument, requestDocument, visibleStreams,
  badgeText, sameStream, MAX_GONE_DOCS,
} from '../lib/streams.js';
import {
  estimateSize, qualityOptions, uniqueLabels, codecsName, streamFacts,
  factsLine, trackNames, jobLine, isOnNas, choiceText,
} from '../lib/format.js';
import {
  mergeJobs, onNasMatch, refreshCandidates, folderFor, trackJob, applyJob,
  notification, refreshResendIn,
} from '../lib/jobs.js';
import {
  normalizeEndpoint, otherScheme, certificateUrl, isLoopback, downloadBody,
  refreshBody, jobIdOf,
} from '../lib/api.js';

const A = 'https://cdn.test/a/master.m3u8';
const B = 'https://cdn.test/b/master.m3u8';
const OLD = 'https://cdn.test/old/master.m3u8';

// Replays events on a fresh tab: ['nav', doc, at] is the main frame's
// onCommitted; ['req', url, doc, at] a playlist response of document doc
// ('' when the browser did not say).
function replay(events) {
  const t = newTabState();
  for (const e of events) {
    if (e[0] === 'nav')
      commitDocument(t, { doc: e[1], url: `https://site.test/${e[1]}`, at: e[2] });
    else
      addStream(t, { url: e[1], via: 'url', headers: {}, doc: e[2], at: e[3] });
  }
  return t;
}

test('per-document tracking: nothing of the new document is lost, whatever the order', () => {
  const cases = [
    {
      name: 'commit first, then the two requests (the usual order)',
      events: [['req', OLD, 'd0', 1], ['nav', 'd1', 10], ['req', A, 'd1', 11], ['req', B, 'd1', 12]],
      want: [A, B],
    },
    {
      name: 'both requests before the commit reaches the worker (the bug)',
      events: [['req', OLD, 'd0', 1], ['req', A, 'd1', 11], ['req', B, 'd1', 12], ['nav', 'd1', 10]],
      want: [A, B],
    },
    {
      name: 'one request before the commit, one after',
      events: [['req', OLD, 'd0', 1], ['req', A, 'd1', 11], ['nav', 'd1', 10], ['req', B, 'd1', 12]],
      want: [A, B],
    },
    {
      name: 'a late response of the old document after the commit is not recorded',
      events: [['nav', 'd0', 0], ['req', OLD, 'd0', 1], ['nav', 'd1', 10], ['req', OLD, 'd0', 11], ['req', A, 'd1', 12]],
      want: [A],
    },
    {
      name: 'the first page of a fresh tab: requests before any commit',
      events: [['req', A, 'd1', 11], ['req', B, 'd1', 12], ['nav', 'd1', 10]],
      want: [A, B],
    },
    {
      name: 'the same document committed again (back/forward cache) keeps its streams',
      events: [['nav', 'd1', 10], ['req', A, 'd1', 11], ['nav', 'd1', 20]],
      want: [A],
    },
    {
      name: 'no document ids: the times decide (old request dropped, new kept)',
      events: [['req', OLD, '', 1], ['req', A, '', 11], ['nav', '', 10], ['req', OLD, '', 5], ['req', B, '', 12]],
      want: [A, B],
    },
    {
      name: 'a stream seen again by the new document is kept even if first seen by the old one',
      events: [['nav', 'd0', 0], ['req', A, 'd0', 1], ['req', A, 'd1', 11], ['nav', 'd1', 10]],
      want: [A],
    },
    {
      name: 'two navigations: only the last document\'s streams',
      events: [['nav', 'd1', 10], ['req', A, 'd1', 11], ['nav', 'd2', 20], ['req', B, 'd2', 21], ['req', A, 'd1', 22]],
      want: [B],
    },
  ];
  for (const c of cases) {
    const t = replay(c.events);
    assert.deepEqual(visibleStreams(t).map((s) => s.url), c.want, c.name);
    assert.equal(badgeText(t), String(c.want.length), c.name);
  }
});

test('per-document tracking: every order of one navigation and two requests', () => {
  // The new document's two requests and its commit, in all 6 orders, after
  // an old page with a stream: always exactly the two new streams.
  const evs = [['nav', 'd1', 10], ['req', A, 'd1', 11], ['req', B, 'd1', 12]];
  const perms = (xs) => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) =>
    perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
  for (const order of perms(evs)) {
    const t = replay([['nav', 'd0', 0], ['req', OLD, 'd0', 1], ...order]);
    assert.deepEqual(visibleStreams(t).map((s) => s.url).sort(), [A, B].sort(), JSON.stringify(order));
  }
});

test('per-document tracking: the documents left are remembered, bounded', () => {
  const t = newTabState();
  for (let i = 0; i < MAX_GONE_DOCS + 5; i++)
    commitDocument(t, { doc: `d${i}`, url: 'https://s.test/', at: i });
  assert.equal(t.gone.length, MAX_GONE_DOCS);
  assert.equal(t.doc, `d${MAX_GONE_DOCS + 4}`);
});

test('requestDocument: the main-frame document of a request', () => {
  assert.equal(requestDocument({ frameId: 0, documentId: 'D' }), 'D');
  assert.equal(requestDocument({ frameId: 5, parentFrameId: 0, documentId: 'F', parentDocumentId: 'D' }), 'D');
  assert.equal(requestDocument({ frameId: 7, parentFrameId: 5, documentId: 'G', parentDocumentId: 'F' }), '');
  assert.equal(requestDocument({ frameId: 0 }), '');
  assert.equal(requestDocument(undefined), '');
});

test('sameStream: tokens set aside, the path kept', () => {
  const cases = [
    ['https://cdn.test/v/index.m3u8?token=a&exp=1', 'https://cdn.test/v/index.m3u8?token=b&exp=2', true],
    ['https://cdn.test/v/index.m3u8', 'https://cdn.test/v/index.m3u8?t=1#x', true],
    ['https://CDN.test:443/v/index.m3u8', 'https://cdn.test/v/index.m3u8', true],
    ['https://cdn.test/v/index.m3u8', 'https://cdn.test/w/index.m3u8', false],
    ['https://cdn.test/v/index.m3u8', 'http://cdn.test/v/index.m3u8', false],
    ['https://cdn.test/v/index.m3u8', 'https://cdn2.test/v/index.m3u8', false],
    ['https://cdn.test:8443/v/index.m3u8', 'https://cdn.test/v/index.m3u8', false],
    ['not a url', 'not a url', false],
    ['blob:https://a.test/1', 'blob:https://a.test/1', false],
  ];
  for (const [a, b, want] of cases)
    assert.equal(sameStream(a, b), want, `${a} ~ ${b}`);
});

test('estimateSize: bandwidth x duration', () => {
  assert.equal(estimateSize(8e6, 60), 60e6);
  assert.equal(estimateSize(2500000, 2), 625000);
  for (const [bw, d] of [[0, 60], [8e6, 0], [8e6, null], [undefined, 60], [NaN, 1], [-1, 5]])
    assert.equal(estimateSize(bw, d), null, `${bw} ${d}`);
});

test('labels are unique when heights repeat', () => {
  const probe = {
    variants: [
      { uri: 'a', width: 1920, height: 1080, bandwidth: 8000000, codecs: 'avc1.640028,mp4a.40.2' },
      { uri: 'b', width: 1920, height: 1080, bandwidth: 5000000, codecs: 'avc1.640028,mp4a.40.2' },
      { uri: 'c', width: 1920, height: 1080, bandwidth: 5040000, codecs: 'avc1.640028,mp4a.40.2' },
      { uri: 'd', width: 1920, height: 1080, bandwidth: 5040000, codecs: 'avc1.640028,mp4a.40.2' },
      { uri: 'e', width: 1280, height: 720, bandwidth: 3000000, codecs: 'hvc1.1.6.L93.B0' },
    ],
  };
  for (const duration of [null, 600]) {
    const opts = qualityOptions(probe, 'best', duration);
    const labels = opts.map((o) => o.label);
    assert.equal(new Set(labels).size, labels.length, labels.join(' | '));
    assert.equal(new Set(opts.map((o) => o.value)).size, opts.length);
    // The NAS cannot tell c from d (same height, same bandwidth): one entry.
    assert.deepEqual(opts.map((o) => o.value), ['best', 'worst', '8000000', '5040000', '5000000', '720p']);
    assert.ok(labels.every((l) => !/^1080p$/.test(l)));
  }
  const withSize = qualityOptions(probe, 'best', 600).map((o) => o.label);
  assert.equal(withSize[2], '1920×1080 · 8.0 Mbps · H.264/AAC · ≈ 600 MB');
  assert.equal(withSize[5], '1280×720 · 3.0 Mbps · HEVC · ≈ 225 MB');
  const noSize = qualityOptions(probe, 'best', null).map((o) => o.label);
  assert.equal(noSize[3], '1920×1080 · 5.0 Mbps · H.264/AAC (5040 kbps)');
  assert.equal(noSize[4], '1920×1080 · 5.0 Mbps · H.264/AAC (5000 kbps)');
  assert.deepEqual(uniqueLabels([{}, {}], ['x', 'x']), ['x #1', 'x #2']);
  const opts = qualityOptions(probe, 'best', 600);
  assert.equal(choiceText(opts, 'best'), 'Best: 1920×1080 · 8.0 Mbps · H.264/AAC · ≈ 600 MB');
  assert.equal(choiceText(opts, 'worst'), 'Smallest: 1280×720 · 3.0 Mbps · HEVC · ≈ 225 MB');
  assert.equal(choiceText(opts, '5000000'), '');
  assert.equal(choiceText(qualityOptions(null), 'best'), '');
});

test('codecsName', () => {
  assert.equal(codecsName('avc1.4d401e,mp4a.40.2'), 'H.264/AAC');
  assert.equal(codecsName('hev1.1.6.L93.B0, ec-3'), 'HEVC/E-AC-3');
  assert.equal(codecsName('av01.0.05M.08'), 'AV1');
  assert.equal(codecsName('wvtt'), 'wvtt');
  assert.equal(codecsName(''), '');
  assert.equal(codecsName(null), '');
});

test('streamFacts and factsLine: from the probe, a master completed by its media playlist', () => {
  const master = { type: 'master', duration: null, segments: null, live: false, encrypted: 'unknown',
    audio: [{ language: 'en', name: 'English', default: true, codecs: 'mp4a.40.2' }, { language: 'fr', name: 'French' }],
    subtitles: [{ language: 'de', name: 'German' }] };
  const media = { duration: 3723, segments: 620, live: false, encrypted: 'AES-128' };
  const f = streamFacts(master, media);
  assert.equal(f.duration, 3723);
  assert.equal(factsLine(f), 'VOD · 1:02:03 · 620 segments · AES-128 (the NAS decrypts it)');
  assert.equal(f.audio, 'English (default), French');
  assert.equal(f.subtitles, 'German');
  const drm = streamFacts({ type: 'media', duration: 10, segments: 1, live: true, encrypted: 'SAMPLE-AES' });
  assert.equal(factsLine(drm), 'Live · 1 segment · DRM (SAMPLE-AES): the NAS will refuse it');
  assert.equal(drm.encryption.refused, true);
  assert.equal(factsLine(streamFacts(null, null)), '');
  assert.equal(streamFacts({ audio: [] }, { audio: [{ language: 'es' }] }).audio, 'Spanish');
  assert.equal(trackNames([{ language: 'zz' }]), 'zz');
  assert.equal(trackNames([{ language: 'und', name: 'Original' }]), 'Original');
  assert.equal(trackNames([{ name: 'Commentary' }]), 'Commentary');
});

test('jobLine: waiting for a fresh link; isOnNas', () => {
  assert.equal(jobLine({ status: 'waiting', progress: 40.2, segments_done: 4, segments_total: 10 }),
    'Waiting for a fresh link · 40% · 4/10 segments kept');
  assert.deepEqual(['pending', 'downloading', 'waiting', 'completed', 'failed', 'cancelled', ''].map(isOnNas),
    [true, true, true, true, false, false, false]);
});

test('mergeJobs: every source of the NAS, this browser\'s marked, newest first', () => {
  const tracked = {};
  trackJob(tracked, 'j1', { url: 'https://a.test/1.m3u8', title: 'Mine' }, Date.parse('2026-01-01T10:00:00Z'));
  trackJob(tracked, 'j9', { url: 'https://a.test/9.m3u8', title: 'Just sent' }, Date.parse('2026-01-01T12:00:00Z'));
  const nas = [
    { job_id: 'smb', title: 'From SMB', status: 'downloading', created_at: '2026-01-01T11:00:00Z', url: 'https://x.test/s.m3u8' },
    { job_id: 'j1', title: 'Mine', status: 'completed', created_at: '2026-01-01T10:00:00Z', url: 'https://a.test/1.m3u8' },
    { job_id: 'cli', title: null, status: 'failed', created_at: '2026-01-01T09:00:00Z', url: 'https://y.test/c.m3u8' },
  ];
  const rows = mergeJobs(nas, tracked);
  assert.deepEqual(rows.map((r) => [r.job_id, r.mine]), [['j9', true], ['smb', false], ['j1', true], ['cli', false]]);
  assert.equal(rows[2].job.status, 'completed');
  assert.deepEqual(mergeJobs(null, {}), []);
});

test('onNasMatch and refreshCandidates: the same stream with other tokens', () => {
  const nas = [
    { job_id: 'f', status: 'failed', url: 'https://cdn.test/v/i.m3u8?t=1' },
    { job_id: 'w', status: 'waiting', url: 'https://cdn.test/v/i.m3u8?t=1', title: 'W' },
    { job_id: 'c', status: 'completed', url: 'https://cdn.test/other.m3u8', title: 'C' },
  ];
  assert.deepEqual(onNasMatch(nas, 'https://cdn.test/v/i.m3u8?t=2', sameStream), { found: true, id: 'w', status: 'waiting', title: 'W' });
  assert.deepEqual(onNasMatch(nas, 'https://cdn.test/other.m3u8?x', sameStream), { found: true, id: 'c', status: 'completed', title: 'C' });
  assert.equal(onNasMatch(nas, 'https://cdn.test/new.m3u8', sameStream), null);
  assert.equal(onNasMatch([nas[0]], 'https://cdn.test/v/i.m3u8', sameStream), null, 'a failed job does not count');
  const fresh = 'https://cdn.test/v/i.m3u8?t=2';
  assert.deepEqual(refreshCandidates(nas, fresh, sameStream).map((j) => j.job_id), ['w']);
  assert.deepEqual(refreshCandidates(nas, fresh, sameStream, { w: [fresh] }), [], 'each fresh URL sent once');
  assert.deepEqual(refreshCandidates(nas, 'https://cdn.test/w/i.m3u8', sameStream), []);
});

test('folderFor: remembered per site while the NAS offers it', () => {
  const folders = [{ name: 'movies' }, { name: 'library' }, { name: 'tv' }];
  assert.equal(folderFor({ 'a.test': 'tv' }, 'a.test', folders, 'library'), 'tv');
  assert.equal(folderFor({ 'a.test': 'gone' }, 'a.test', folders, 'library'), 'library');
  assert.equal(folderFor({}, 'b.test', folders, 'library'), 'library');
  assert.equal(folderFor({}, 'b.test', folders, 'nope'), 'movies');
  assert.equal(folderFor({}, 'b.test', [], 'library'), '');
});

test('the scheme the person typed is kept; a bare host: http on loopback, https elsewhere', () => {
  const cases = [
    ['127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['localhost:8080', 'http://localhost:8080'],
    ['[::1]:8080', 'http://[::1]:8080'],
    ['nas.local:8443', 'https://nas.local:8443'],
    ['192.168.1.5:8443', 'https://192.168.1.5:8443'],
    ['https://127.0.0.1:8443', 'https://127.0.0.1:8443'],
    ['http://nas.local:8080/', 'http://nas.local:8080'],
  ];
  for (const [input, want] of cases)
    assert.deepEqual(normalizeEndpoint(input), { endpoint: want }, input);
  assert.ok(normalizeEndpoint('ftp://nas.local').error);
  assert.ok(isLoopback('127.1.2.3') && isLoopback('a.localhost') && !isLoopback('127.0.0.1.nip.io'));
  assert.equal(otherScheme('http://127.0.0.1:8443'), 'https://127.0.0.1:8443');
  assert.equal(otherScheme('https://nas.local'), 'http://nas.local');
  assert.equal(certificateUrl('https://nas.local:8443'), 'https://nas.local:8443/api/health');
  assert.equal(certificateUrl('http://127.0.0.1:8080'), null);
});

test('downloadBody with title, folder, force; refreshBody; jobIdOf', () => {
  const s = { url: 'https://cdn.test/v.m3u8', headers: { Referer: 'https://site.test/p', Cookie: 'a=1' } };
  const page = { url: 'https://site.test/p', title: 'Page title' };
  assert.deepEqual(downloadBody(s, page, '720p', { title: '  My film ', folder: 'movies', force: true }), {
    url: s.url, title: 'My film', referer: 'https://site.test/p', headers: s.headers,
    quality: '720p', source_page: page.url, folder: 'movies', force: true,
  });
  assert.equal(downloadBody(s, page, 'best', { title: '' }).title, 'Page title');
  assert.equal(downloadBody(s, page, 'best').folder, undefined);
  assert.equal(downloadBody(s, page, 'best', { force: false }).force, undefined);
  assert.deepEqual(refreshBody(s, page), { url: s.url, headers: s.headers, referer: 'https://site.test/p' });
  assert.deepEqual(refreshBody({ url: 'u', headers: {} }, { url: 'https://p.test/' }), { url: 'u', referer: 'https://p.test/' });
  assert.equal(jobIdOf({ id: 'j1', status: 'pending' }), 'j1');
  assert.equal(jobIdOf({ job_id: 'j2' }), 'j2');
  assert.equal(jobIdOf({}), null);
});

test('applyJob: a wait for a fresh link is said once per wait, the end still once', () => {
  const tracked = {};
  trackJob(tracked, 'j', { url: 'https://cdn.test/v.m3u8', title: 'Film' }, 1);
  const seq = ['downloading', 'waiting', 'waiting', 'downloading', 'waiting', 'downloading', 'completed', 'completed'];
  const events = seq.map((status) => applyJob(tracked, { job_id: 'j', status }));
  assert.deepEqual(events, [null, 'waiting', null, null, 'waiting', null, 'completed', null]);
  const n = notification(tracked.j, 'waiting');
  assert.equal(n.title, 'NAS download waits for a fresh link');
  assert.match(n.message, /^Film: its link expired/);
});

test('refreshResendIn: a refresh the NAS did not take is sent again', () => {
  assert.equal(refreshResendIn('rate', 7), 7000, 'after the Retry-After');
  assert.equal(refreshResendIn('rate', null), 10000);
  assert.equal(refreshResendIn('unreachable'), 0);
  assert.equal(refreshResendIn('timeout'), 0);
  assert.equal(refreshResendIn('server'), 0);
  for (const k of ['conflict', 'notfound', 'badrequest', 'auth', 'upstream'])
    assert.equal(refreshResendIn(k), null, `${k}: answered for good`);
});
