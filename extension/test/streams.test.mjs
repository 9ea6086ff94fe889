// streams.test.mjs - per-tab stream state: counted once, classified,
// media playlists of a known master folded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  newTabState, addStream, classifyStream, setProbe, visibleStreams, badgeText,
  streamKey, findStream, menuTarget, MAX_STREAMS_PER_TAB,
} from '../lib/streams.js';
import { classifyPlaylist } from '../lib/hls.js';

const M = 'https://cdn.test/v/master.m3u8';
const LOW = 'https://cdn.test/v/low/index.m3u8';
const HI = 'https://cdn.test/v/hi/index.m3u8';
const CT = 'https://site.test/ct/live';
const MASTER_TEXT = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\nhi/index.m3u8\n';

test('streamKey', () => {
  const cases = [
    ['https://a.test/x.m3u8#frag', 'https://a.test/x.m3u8'],
    ['https://A.TEST:443/x.m3u8?b=1', 'https://a.test/x.m3u8?b=1'],
    ['blob:https://a.test/1', null],
    ['nonsense', null],
  ];
  for (const [url, want] of cases)
    assert.equal(streamKey(url), want, url);
});

// Each case: a sequence of events, then the URLs listed and the badge.
const CASES = [
  {
    name: 'one stream seen by URL',
    events: [['add', M, 'url']],
    visible: [M],
  },
  {
    name: 'the same stream seen twice (player reload) counted once',
    events: [['add', M, 'url'], ['add', M, 'url'], ['add', M + '#t=3', 'url']],
    visible: [M],
  },
  {
    name: 'seen once by URL and once by Content-Type: one stream, both ways kept',
    events: [['add', M, 'url'], ['add', M, 'content-type']],
    visible: [M],
    via: { [M]: ['content-type', 'url'] },
  },
  {
    name: 'two different streams, one known only by its Content-Type',
    events: [['add', M, 'url'], ['add', CT, 'content-type']],
    visible: [M, CT],
  },
  {
    name: 'variants listed until the master is classified, then folded',
    events: [['add', LOW, 'url'], ['add', M, 'url'], ['add', HI, 'url'], ['master', M, MASTER_TEXT]],
    visible: [M],
  },
  {
    name: 'folding allows a different query (tokens) on the variant',
    events: [['add', M, 'url'], ['add', LOW + '?token=zz', 'url'], ['master', M, MASTER_TEXT]],
    visible: [M],
  },
  {
    name: 'a media playlist of another master is not folded',
    events: [['add', M, 'url'], ['add', 'https://cdn.test/other/index.m3u8', 'url'], ['master', M, MASTER_TEXT]],
    visible: [M, 'https://cdn.test/other/index.m3u8'],
  },
  {
    name: 'a stream classified media stays listed',
    events: [['add', LOW, 'url'], ['media', LOW]],
    visible: [LOW],
  },
  {
    name: 'the probe folds too (variants from the NAS)',
    events: [['add', M, 'url'], ['add', HI, 'url'], ['probe', M, { type: 'master', variants: [{ uri: 'hi/index.m3u8', bandwidth: 2 }] }]],
    visible: [M],
  },
  {
    name: 'an invalid verdict does not unclassify a master',
    events: [['add', M, 'url'], ['add', LOW, 'url'], ['master', M, MASTER_TEXT], ['master', M, 'garbage']],
    visible: [M],
  },
  {
    name: 'non-http URLs are not recorded',
    events: [['add', 'blob:https://a.test/1', 'url']],
    visible: [],
  },
];

function play(events) {
  const tab = newTabState('https://site.test/watch', 'Watch');
  let at = 0;
  for (const [op, url, arg] of events) {
    if (op === 'add')
      addStream(tab, { url, via: arg, contentType: '', headers: {}, at: ++at });
    else if (op === 'master')
      classifyStream(tab, url, classifyPlaylist(arg, url));
    else if (op === 'media')
      classifyStream(tab, url, { type: 'media' });
    else if (op === 'probe')
      setProbe(tab, url, arg, null);
  }
  return tab;
}

test('visible streams and badge', () => {
  for (const c of CASES) {
    const tab = play(c.events);
    const vis = visibleStreams(tab).map((s) => s.url);
    assert.deepEqual(vis, c.visible, c.name);
    assert.equal(badgeText(tab), c.visible.length ? String(c.visible.length) : '', c.name);
    for (const [url, via] of Object.entries(c.via || {}))
      assert.deepEqual(findStream(tab, url).via, via, c.name);
  }
});

test('addStream reports new streams and keeps the newest headers', () => {
  const tab = newTabState();
  assert.equal(addStream(tab, { url: CT, via: 'content-type', headers: { Cookie: 'a=1' }, at: 1 }), true);
  assert.equal(addStream(tab, { url: CT, via: 'content-type', headers: { Cookie: 'a=2' }, at: 2 }), false);
  assert.equal(addStream(tab, { url: CT, via: 'content-type', headers: {}, at: 3 }), false);
  const s = findStream(tab, CT);
  assert.deepEqual(s.headers, { Cookie: 'a=2' });
  assert.equal(s.firstSeen, 1);
});

test('at most MAX_STREAMS_PER_TAB streams per tab', () => {
  const tab = newTabState();
  for (let i = 0; i < MAX_STREAMS_PER_TAB + 5; i++)
    addStream(tab, { url: `https://a.test/${i}.m3u8`, via: 'url', at: i });
  assert.equal(tab.streams.length, MAX_STREAMS_PER_TAB);
});

test('setProbe keeps either the result or the error', () => {
  const tab = newTabState();
  addStream(tab, { url: M, via: 'url', at: 1 });
  setProbe(tab, M, null, 'HTTP 403 Access denied');
  assert.equal(findStream(tab, M).probeError, 'HTTP 403 Access denied');
  setProbe(tab, M, { type: 'media', variants: [] }, null);
  assert.equal(findStream(tab, M).probeError, null);
  assert.equal(findStream(tab, M).kind, 'media');
  assert.equal(setProbe(tab, 'https://unknown.test/x.m3u8', null, 'x'), false);
});

test('menuTarget: what a context-menu click sends', () => {
  const tab = play([['add', LOW, 'url'], ['add', M, 'url'], ['add', CT, 'content-type'], ['master', M, MASTER_TEXT]]);
  const media = play([['add', CT, 'content-type']]);
  const empty = newTabState();
  const cases = [
    ['link to a playlist', { menuItemId: 'send-link', linkUrl: 'https://x.test/a.m3u8' }, tab, 'https://x.test/a.m3u8'],
    ['video with an http src', { menuItemId: 'send-media', srcUrl: 'https://x.test/v.m3u8' }, empty, 'https://x.test/v.m3u8'],
    ['MediaSource video: the master', { menuItemId: 'send-media', srcUrl: 'blob:https://x.test/1' }, tab, M],
    ['page item: the master, not a folded variant', { menuItemId: 'send-page', pageUrl: 'https://site.test/' }, tab, M],
    ['page item, no master: the first stream', { menuItemId: 'send-page' }, media, CT],
    ['page item, nothing seen', { menuItemId: 'send-page' }, empty, ''],
    ['data: src and no tab state', { menuItemId: 'send-media', srcUrl: 'data:video/mp4,x' }, undefined, ''],
    ['javascript: link', { menuItemId: 'send-link', linkUrl: 'javascript:void(0)' }, empty, ''],
  ];
  for (const [name, info, t, want] of cases)
    assert.equal(menuTarget(info, t), want, name);
});
