// format.js - numbers and URLs as a person reads them in the popup, the
// options page and notifications.  Pure functions, no chrome.* calls.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

// formatBytes - 1536 -> "1.5 KB" (powers of 1000, as disks and
// networks are sold); one decimal below 10 units, none above; "—" for
// anything that is not a finite non-negative number.
export function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
    return '—';
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  if (i === 0)
    return `${Math.round(n)} B`;
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${UNITS[i]}`;
}

// formatSpeed - bytes per second -> "1.2 MB/s"; "—" when unknown.
export function formatSpeed(bps) {
  const b = formatBytes(bps);
  return b === '—' ? b : `${b}/s`;
}

// formatEta - seconds -> "45 s", "3:07", "1:02:03"; "—" when unknown
// (null, negative, not finite).
export function formatEta(s) {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0)
    return '—';
  s = Math.round(s);
  if (s < 60)
    return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  if (h > 0)
    return `${h}:${String(m).padStart(2, '0')}:${sec}`;
  return `${m}:${sec}`;
}

// formatBandwidth - bits per second -> "2.5 Mbps", "800 kbps".
export function formatBandwidth(bps) {
  if (typeof bps !== 'number' || !Number.isFinite(bps) || bps <= 0)
    return '';
  if (bps >= 1e6)
    return `${(bps / 1e6).toFixed(bps >= 1e7 ? 0 : 1)} Mbps`;
  return `${Math.round(bps / 1e3)} kbps`;
}

// shortenUrl - a URL cut to at most max characters for a one-line list:
// host + path, the query dropped (shown as "?…"), the middle of the path
// elided.  Never shorter than the host and the last path segment allow.
export function shortenUrl(url, max = 60) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return String(url).slice(0, max);
  }
  const q = u.search ? '?…' : '';
  const full = u.host + u.pathname + q;
  if (full.length <= max)
    return full;
  const segs = u.pathname.split('/');
  const last = segs[segs.length - 1];
  const head = u.host + '/…/';
  if (head.length + last.length + q.length <= max) {
    // Keep as much of the path's start as fits before the last segment.
    const room = max - head.length - last.length - q.length;
    const start = u.pathname.slice(1, 1 + room).replace(/[^/]*$/, '');
    return u.host + '/' + start + '…/' + last + q;
  }
  return (u.host + '/…/' + last).slice(0, max - 1) + '…';
}

// qualityValue - the "quality" a variant maps to in a job: its height
// ("720p") when the playlist says it, else its bandwidth in bit/s.
export function qualityValue(v) {
  if (v && Number.isInteger(v.height) && v.height > 0)
    return `${v.height}p`;
  if (v && Number.isFinite(v.bandwidth) && v.bandwidth > 0)
    return String(v.bandwidth);
  return 'best';
}

// estimateSize - bytes a variant of bandwidth bit/s takes over duration
// seconds (bandwidth x duration / 8), or null when either is unknown.
// BANDWIDTH is the peak rate (RFC 8216): an upper estimate.
export function estimateSize(bandwidth, duration) {
  if (!Number.isFinite(bandwidth) || bandwidth <= 0 || !Number.isFinite(duration) || duration <= 0)
    return null;
  return Math.round((bandwidth * duration) / 8);
}

const CODEC_NAMES = [
  [/^avc[13]/, 'H.264'], [/^(hvc1|hev1)/, 'HEVC'], [/^av01/, 'AV1'],
  [/^(vp09|vp9)/, 'VP9'], [/^mp4a\.40\.(5|29)/, 'HE-AAC'], [/^mp4a/, 'AAC'],
  [/^ac-3/, 'AC-3'], [/^ec-3/, 'E-AC-3'], [/^opus/, 'Opus'], [/^(flac|fLaC)/, 'FLAC'],
];

// codecsName - an RFC 6381 CODECS attribute as people say it:
// "avc1.64001f,mp4a.40.2" -> "H.264/AAC"; unknown codecs as given; "" for none.
export function codecsName(codecs) {
  if (typeof codecs !== 'string' || codecs.trim() === '')
    return '';
  const names = codecs.split(',').map((c) => c.trim()).filter(Boolean).map((c) => {
    const hit = CODEC_NAMES.find(([re]) => re.test(c));
    return hit ? hit[1] : c;
  });
  return [...new Set(names)].join('/');
}

// variantLabel - "1280×720 · 2.5 Mbps · H.264/AAC" (with " · ≈ 120 MB"
// when duration, in seconds, is known).
export function variantLabel(v, duration) {
  const parts = [];
  if (v.width && v.height)
    parts.push(`${v.width}×${v.height}`);
  else if (v.height)
    parts.push(`${v.height}p`);
  const bw = formatBandwidth(v.bandwidth);
  if (bw)
    parts.push(bw);
  const c = codecsName(v.codecs);
  if (c)
    parts.push(c);
  const size = estimateSize(v.bandwidth, duration);
  if (size !== null)
    parts.push(`≈ ${formatBytes(size)}`);
  if (parts.length === 0)
    return v.label || 'unnamed variant';
  return parts.join(' · ');
}

// uniqueLabels - labels made distinct: a label that repeats (same
// resolution, rounded bitrate and codecs) gets its exact bitrate, then
// its place ("#2").
export function uniqueLabels(variants, labels) {
  const out = [...labels];
  const repeats = (i) => out.filter((l) => l === out[i]).length > 1;
  const dup1 = out.map((_, i) => repeats(i));
  out.forEach((l, i) => {
    if (dup1[i] && variants[i] && variants[i].bandwidth > 0)
      out[i] = `${l} (${Math.round(variants[i].bandwidth / 1000)} kbps)`;
  });
  const dup2 = out.map((_, i) => repeats(i));
  const seen = {};
  out.forEach((l, i) => {
    if (dup2[i]) {
      seen[l] = (seen[l] || 0) + 1;
      out[i] = `${l} #${seen[l]}`;
    }
  });
  return out;
}

// qualityOptions - the entries of the quality picker for a probe result:
// [{value, label, selected}], "best" and "worst" first, then one per
// variant from the highest bandwidth down.  A variant's value is its
// height ("720p") when no other variant has that height, else its
// bandwidth (the NAS picks by either), so three 1080p variants stay
// three choices; variants the NAS could not tell apart (same height and
// bandwidth) are offered once.  Labels are unique.  duration (seconds)
// adds each variant's estimated size.  The entry equal to want (the
// default quality) is selected, else "best".
export function qualityOptions(probe, want = 'best', duration = null) {
  const opts = [
    { value: 'best', label: 'Best available' },
    { value: 'worst', label: 'Smallest' },
  ];
  const vs = probe && Array.isArray(probe.variants) ? [...probe.variants] : [];
  vs.sort((a, b) => (b.bandwidth || 0) - (a.bandwidth || 0));
  const heightCount = {};
  for (const v of vs)
    if (Number.isInteger(v.height) && v.height > 0)
      heightCount[v.height] = (heightCount[v.height] || 0) + 1;
  const kept = [];
  for (const v of vs) {
    let value = qualityValue(v);
    if (heightCount[v.height] > 1 && v.bandwidth > 0)
      value = String(v.bandwidth);
    if (opts.some((o) => o.value === value) || kept.some((k) => k.value === value))
      continue;
    kept.push({ value, v });
  }
  const labels = uniqueLabels(kept.map((k) => k.v), kept.map((k) => variantLabel(k.v, duration)));
  kept.forEach((k, i) => opts.push({ value: k.value, label: labels[i] }));
  if (best(opts, want) === null)
    want = 'best';
  return opts.map((o) => ({ ...o, selected: o.value === want }));
}

// choiceText - what "best" and "worst" get, in words: the variant each
// means (the list runs from the highest bandwidth down); "" for a variant
// chosen by name (the picker shows its label) and without variants.
export function choiceText(opts, value) {
  const vs = opts.filter((o) => o.value !== 'best' && o.value !== 'worst');
  if (vs.length === 0)
    return '';
  if (value === 'best')
    return `Best: ${vs[0].label}`;
  if (value === 'worst')
    return `Smallest: ${vs[vs.length - 1].label}`;
  return '';
}

function best(opts, want) {
  return opts.some((o) => o.value === want) ? want : null;
}

// languageName - "en" -> "English" (in the browser's language), else the
// code as given.
export function languageName(code, locale = 'en') {
  if (typeof code !== 'string' || code === '' || code.toLowerCase() === 'und')
    return '';
  try {
    const n = new Intl.DisplayNames([locale], { type: 'language' }).of(code);
    return n && n !== code && n !== 'root' ? n : code;
  } catch {
    return code;
  }
}

// trackNames - the audio or subtitle renditions [{language, name,
// default}] as one line: "English (default), Français"; "" for none.
export function trackNames(tracks, locale = 'en') {
  if (!Array.isArray(tracks))
    return '';
  const names = [];
  for (const t of tracks) {
    let n = languageName(t.language, locale) || t.name || '';
    if (n && t.name && t.language && !t.name.toLowerCase().includes(n.toLowerCase()) &&
        t.name.toLowerCase() !== String(t.language).toLowerCase())
      n = `${n} (${t.name})`;
    if (!n)
      n = 'unnamed';
    if (t.default)
      n += ' (default)';
    if (!names.includes(n))
      names.push(n);
  }
  return names.join(', ');
}

// encryptionText - the probe's "encrypted" as a person reads it, and
// whether the NAS will refuse it: {text, refused}.  null when unknown.
export function encryptionText(enc) {
  if (!enc || enc === 'unknown')
    return null;
  if (enc === 'none')
    return { text: 'not encrypted', refused: false };
  if (enc === 'AES-128')
    return { text: 'AES-128 (the NAS decrypts it)', refused: false };
  return { text: `DRM (${enc}): the NAS will refuse it`, refused: true };
}

// streamFacts - what the popup says of a stream before it is sent, from
// the NAS's probe (and, for what a master's probe lacks, the facts of one
// of its media playlists): {kind: "VOD"|"Live"|"", duration (s or null),
// segments, encryption ({text, refused} or null), audio, subtitles (lines)}.
export function streamFacts(probe, media) {
  const p = probe || {};
  const m = media || {};
  const pick = (k) => (p[k] !== undefined && p[k] !== null && p[k] !== 'unknown' ? p[k] : m[k]);
  const live = pick('live');
  const duration = pick('duration');
  const segments = pick('segments');
  return {
    kind: live === true ? 'Live' : live === false ? 'VOD' : '',
    duration: Number.isFinite(duration) && duration > 0 ? duration : null,
    segments: Number.isInteger(segments) && segments > 0 ? segments : null,
    encryption: encryptionText(pick('encrypted')),
    audio: trackNames(p.audio && p.audio.length ? p.audio : m.audio),
    subtitles: trackNames(p.subtitles && p.subtitles.length ? p.subtitles : m.subtitles),
  };
}

// factsLine - streamFacts as one line: "VOD · 1:02:03 · 620 segments ·
// not encrypted" (a live stream's duration is only its window: not shown).
export function factsLine(f) {
  const parts = [];
  if (f.kind)
    parts.push(f.kind);
  if (f.duration !== null && f.kind !== 'Live')
    parts.push(formatEta(f.duration));
  if (f.segments !== null)
    parts.push(`${f.segments} segment${f.segments === 1 ? '' : 's'}`);
  if (f.encryption)
    parts.push(f.encryption.text);
  return parts.join(' · ');
}

const TERMINAL = ['completed', 'failed', 'cancelled'];

// isOnNas - a job state that means the NAS has (or is getting) the stream.
export function isOnNas(status) {
  return !!status && status !== 'failed' && status !== 'cancelled';
}

// isTerminal - true for the states a job never leaves by itself.
export function isTerminal(status) {
  return TERMINAL.includes(status);
}

// jobLine - one line summing a job up: "42% · 85/200 segments · 1.2 MB/s ·
// ETA 1:05" while it runs, "Completed · 120 MB" (and the seconds the
// source lacks, EXT-X-GAP), "Failed: <error>".
export function jobLine(job) {
  switch (job.status) {
  case 'completed':
    // A gap (EXT-X-GAP) is no failure, but the person should know.
    return `Completed · ${formatBytes(job.size_bytes)}` +
      (job.gap_seconds > 0 ? ` · ${job.gap_seconds.toFixed(1)} s missing in the source` : '');
  case 'failed':
    return `Failed: ${job.error || 'unknown error'}`;
  case 'cancelled':
    return 'Cancelled';
  case 'pending':
    return 'Waiting in the NAS queue';
  case 'waiting':
    return `Waiting for a fresh link · ${Math.floor(job.progress || 0)}%${job.segments_total > 0 ? ` · ${job.segments_done}/${job.segments_total} segments kept` : ''}`;
  case 'paused':
    return `Paused${job.error ? ': ' + job.error : ''}`;
  default: {
    const parts = [`${Math.floor(job.progress || 0)}%`];
    if (job.segments_total > 0)
      parts.push(`${job.segments_done}/${job.segments_total} segments`);
    if (job.status === 'merging')
      parts.push('merging');
    else {
      parts.push(formatSpeed(job.speed_bps));
      parts.push(`ETA ${formatEta(job.eta_s)}`);
    }
    return parts.join(' · ');
  }
  }
}
