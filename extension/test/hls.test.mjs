// hls.test.mjs - HLS detection by URL, by Content-Type, and by text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHlsUrl, isHlsContentType, detectHls, mediaType, classifyPlaylist } from '../lib/hls.js';

test('isHlsUrl', () => {
  const cases = [
    ['https://cdn.example.com/v/master.m3u8', true],
    ['https://cdn.example.com/v/master.m3u8?token=abc&x=1', true],
    ['https://cdn.example.com/v/MASTER.M3U8', true],
    ['http://127.0.0.1:8080/a/index.m3u8#t=10', true],
    ['https://cdn.example.com/v/master.m3u8/segment.ts', false],
    ['https://example.com/page?file=video.m3u8', false],
    ['https://example.com/video.m3u', false],
    ['https://example.com/video.mp4', false],
    ['blob:https://example.com/1234-abcd', false],
    ['data:application/x-mpegurl,#EXTM3U', false],
    ['ftp://example.com/a.m3u8', false],
    ['not a url', false],
    ['', false],
  ];
  for (const [url, want] of cases)
    assert.equal(isHlsUrl(url), want, url);
});

test('isHlsContentType', () => {
  const cases = [
    ['application/vnd.apple.mpegurl', true],
    ['application/x-mpegURL', true],
    ['Application/X-MpegURL; charset=utf-8', true],
    ['audio/mpegurl', true],
    ['audio/x-mpegurl', true],
    ['application/mpegurl', true],
    ['vnd.apple.mpegurl', true],
    ['  application/vnd.apple.mpegurl ;charset=UTF-8', true],
    ['video/mp2t', false],
    ['application/dash+xml', false],
    ['text/plain', false],
    ['application/octet-stream', false],
    ['application/x-mpegurl-fake', false],
    ['', false],
    [undefined, false],
    [null, false],
  ];
  for (const [ct, want] of cases)
    assert.equal(isHlsContentType(ct), want, String(ct));
});

test('mediaType', () => {
  assert.equal(mediaType('Text/HTML; charset=utf-8'), 'text/html');
  assert.equal(mediaType(42), '');
});

test('detectHls says how a playlist was recognized', () => {
  const cases = [
    ['https://a.test/x.m3u8', 'application/vnd.apple.mpegurl', 'url+content-type'],
    ['https://a.test/x.m3u8', 'text/plain', 'url'],
    ['https://a.test/x.m3u8', '', 'url'],
    ['https://a.test/ct/live', 'application/x-mpegurl', 'content-type'],
    ['https://a.test/ct/live', 'video/mp2t', null],
    ['https://a.test/seg1.ts', 'video/mp2t', null],
  ];
  for (const [url, ct, want] of cases)
    assert.equal(detectHls(url, ct), want, `${url} ${ct}`);
});

const MASTER = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",DEFAULT=YES,URI="audio/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2",AUDIO="aud"
low/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720
https://cdn.other.test/hi/index.m3u8?tok=1
`;

const MEDIA = `#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXTINF:2.0,
seg0.ts
#EXTINF:2.0,
seg1.ts
#EXT-X-ENDLIST
`;

test('classifyPlaylist', () => {
  const base = 'https://a.test/v/master.m3u8';
  const cases = [
    {
      name: 'master with audio rendition',
      text: MASTER,
      want: {
        type: 'master',
        variants: [
          { uri: 'https://a.test/v/low/index.m3u8', bandwidth: 800000, width: 640, height: 360, codecs: 'avc1.4d401e,mp4a.40.2' },
          { uri: 'https://cdn.other.test/hi/index.m3u8?tok=1', bandwidth: 2500000, width: 1280, height: 720, codecs: null },
        ],
        renditions: ['https://a.test/v/audio/en.m3u8'],
      },
    },
    { name: 'media', text: MEDIA, want: { type: 'media', variants: [], renditions: [] } },
    { name: 'media with CRLF and BOM', text: '\uFEFF' + MEDIA.replace(/\n/g, '\r\n'), want: { type: 'media', variants: [], renditions: [] } },
    { name: 'not a playlist', text: '<html>403 Forbidden</html>', want: { type: 'invalid', variants: [], renditions: [] } },
    { name: 'header only', text: '#EXTM3U\n', want: { type: 'invalid', variants: [], renditions: [] } },
    { name: 'empty', text: '', want: { type: 'invalid', variants: [], renditions: [] } },
    { name: 'not a string', text: null, want: { type: 'invalid', variants: [], renditions: [] } },
    {
      name: 'variant without resolution',
      text: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=64000\naudio.m3u8\n',
      want: { type: 'master', variants: [{ uri: 'https://a.test/v/audio.m3u8', bandwidth: 64000, width: null, height: null, codecs: null }], renditions: [] },
    },
  ];
  for (const c of cases) {
    const got = classifyPlaylist(c.text, base);
    const picked = Object.fromEntries(Object.keys(c.want).map((k) => [k, got[k]]));
    assert.deepEqual(picked, c.want, c.name);
  }
});

test('classifyPlaylist: the facts of a media playlist and the renditions of a master', () => {
  const base = 'https://a.test/v/master.m3u8';
  const m = classifyPlaylist(MEDIA, base);
  assert.deepEqual([m.duration, m.segments, m.live, m.encrypted], [4, 2, false, 'none']);
  const live = classifyPlaylist(MEDIA.replace('#EXT-X-ENDLIST\n', ''), base);
  assert.equal(live.live, true);
  const cases = [
    ['#EXT-X-KEY:METHOD=AES-128,URI="k.bin"', 'AES-128'],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://x",KEYFORMAT="com.apple.streamingkeydelivery"', 'com.apple.streamingkeydelivery'],
    ['#EXT-X-KEY:METHOD=SAMPLE-AES,URI="k"', 'SAMPLE-AES'],
    ['#EXT-X-KEY:METHOD=NONE', 'none'],
  ];
  for (const [key, want] of cases)
    assert.equal(classifyPlaylist(MEDIA.replace('#EXT-X-MEDIA-SEQUENCE:0', key), base).encrypted, want, key);
  const master = classifyPlaylist(`#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",LANGUAGE="en",NAME="English",DEFAULT=YES,URI="en.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",LANGUAGE="fr",NAME="Français",URI="fr.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="s",LANGUAGE="de",NAME="Deutsch",URI="de.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO="a",SUBTITLES="s"
v.m3u8
`, base);
  assert.deepEqual(master.audio, [
    { language: 'en', name: 'English', default: true },
    { language: 'fr', name: 'Français', default: false },
  ]);
  assert.deepEqual(master.subtitles, [{ language: 'de', name: 'Deutsch', default: false }]);
  assert.equal(master.duration, undefined);
});
