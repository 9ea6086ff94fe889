// format.test.mjs - bytes, speeds, ETAs, URLs, quality choices, job lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatBytes, formatSpeed, formatEta, formatBandwidth, shortenUrl,
  qualityValue, variantLabel, qualityOptions, jobLine, isTerminal,
} from '../lib/format.js';

test('formatBytes / formatSpeed', () => {
  const cases = [
    [0, '0 B'], [999, '999 B'], [1000, '1.0 KB'], [1536, '1.5 KB'], [12345678, '12 MB'],
    [9.96e9, '10.0 GB'], [2.5e12, '2.5 TB'], [7e18, '7000 PB'],
    [-1, '—'], [NaN, '—'], [null, '—'], [undefined, '—'], ['12', '—'], [Infinity, '—'],
  ];
  for (const [n, want] of cases) {
    assert.equal(formatBytes(n), want, String(n));
    assert.equal(formatSpeed(n), want === '—' ? '—' : `${want}/s`, String(n));
  }
});

test('formatEta', () => {
  const cases = [
    [0, '0 s'], [45, '45 s'], [59.6, '1:00'], [65, '1:05'], [187, '3:07'], [3723, '1:02:03'],
    [null, '—'], [-5, '—'], [undefined, '—'], [Infinity, '—'],
  ];
  for (const [s, want] of cases)
    assert.equal(formatEta(s), want, String(s));
});

test('formatBandwidth', () => {
  const cases = [[800000, '800 kbps'], [2500000, '2.5 Mbps'], [12000000, '12 Mbps'], [0, ''], [null, '']];
  for (const [b, want] of cases)
    assert.equal(formatBandwidth(b), want, String(b));
});

test('shortenUrl', () => {
  const cases = [
    ['https://cdn.test/v/master.m3u8', 60, 'cdn.test/v/master.m3u8'],
    ['https://cdn.test/v/master.m3u8?token=abcdef', 60, 'cdn.test/v/master.m3u8?…'],
    ['https://cdn.example.com/a/very/long/path/with/many/parts/that/goes/on/master.m3u8?x=1', 50,
      'cdn.example.com/a/very/long/path/…/master.m3u8?…'],
    ['https://cdn.example.com/x/' + 'y'.repeat(80) + '.m3u8', 40, 'cdn.example.com/…/' + 'y'.repeat(21) + '…'],
    ['not a url at all', 5, 'not a'],
  ];
  for (const [url, max, want] of cases) {
    const got = shortenUrl(url, max);
    assert.equal(got, want, url);
    assert.ok(got.length <= max, `${got} longer than ${max}`);
  }
});

test('qualityValue and variantLabel', () => {
  const cases = [
    [{ height: 720, width: 1280, bandwidth: 2500000 }, '720p', '1280×720 · 2.5 Mbps'],
    [{ height: 360, bandwidth: 0 }, '360p', '360p'],
    [{ bandwidth: 64000 }, '64000', '64 kbps'],
    [{}, 'best', 'unnamed variant'],
    [{ label: '720p (NAS)' }, 'best', '720p (NAS)'],
    [{ height: 1080, width: 1920, bandwidth: 5e6, codecs: 'avc1.640028,mp4a.40.2' }, '1080p', '1920×1080 · 5.0 Mbps · H.264/AAC'],
  ];
  for (const [v, q, label] of cases) {
    assert.equal(qualityValue(v), q, JSON.stringify(v));
    assert.equal(variantLabel(v), label, JSON.stringify(v));
  }
});

test('qualityOptions', () => {
  const probe = {
    type: 'master',
    variants: [
      { uri: 'a', bandwidth: 800000, width: 640, height: 360 },
      { uri: 'b', bandwidth: 2500000, width: 1280, height: 720 },
      { uri: 'c', bandwidth: 2000000, width: 1280, height: 720 },
    ],
  };
  const cases = [
    // Two 720p variants: chosen by bandwidth, so both stay choices.
    { probe, want: '2000000', values: ['best', 'worst', '2500000', '2000000', '360p'], selected: '2000000' },
    { probe, want: '720p', values: ['best', 'worst', '2500000', '2000000', '360p'], selected: 'best' },
    { probe, want: '360p', values: ['best', 'worst', '2500000', '2000000', '360p'], selected: '360p' },
    { probe, want: undefined, values: ['best', 'worst', '2500000', '2000000', '360p'], selected: 'best' },
    { probe: { type: 'media', variants: [] }, want: 'worst', values: ['best', 'worst'], selected: 'worst' },
    { probe: null, want: '720p', values: ['best', 'worst'], selected: 'best' },
  ];
  for (const c of cases) {
    const opts = qualityOptions(c.probe, c.want);
    assert.deepEqual(opts.map((o) => o.value), c.values, JSON.stringify(c.want));
    assert.deepEqual(opts.filter((o) => o.selected).map((o) => o.value), [c.selected]);
  }
});

test('jobLine and isTerminal', () => {
  const cases = [
    [{ status: 'pending' }, 'Waiting in the NAS queue', false],
    [{ status: 'downloading', progress: 42.7, segments_done: 85, segments_total: 200, speed_bps: 1234567, eta_s: 65 },
      '42% · 85/200 segments · 1.2 MB/s · ETA 1:05', false],
    [{ status: 'downloading', progress: 0, segments_done: 0, segments_total: 0, speed_bps: 0, eta_s: null },
      '0% · 0 B/s · ETA —', false],
    [{ status: 'merging', progress: 100, segments_done: 200, segments_total: 200 }, '100% · 200/200 segments · merging', false],
    [{ status: 'paused', error: 'disk full' }, 'Paused: disk full', false],
    [{ status: 'completed', size_bytes: 123456789 }, 'Completed · 123 MB', true],
    [{ status: 'completed', size_bytes: 123456789, gap_seconds: 0 }, 'Completed · 123 MB', true],
    [{ status: 'completed', size_bytes: 123456789, gap_seconds: 4 }, 'Completed · 123 MB · 4.0 s missing in the source', true],
    [{ status: 'failed', error: 'HTTP 403 Access denied' }, 'Failed: HTTP 403 Access denied', true],
    [{ status: 'failed', error: null }, 'Failed: unknown error', true],
    [{ status: 'cancelled' }, 'Cancelled', true],
  ];
  for (const [job, line, terminal] of cases) {
    assert.equal(jobLine(job), line, job.status);
    assert.equal(isTerminal(job.status), terminal, job.status);
  }
});
