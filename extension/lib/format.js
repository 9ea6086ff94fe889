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

// variantLabel - "1280×720 · 2.5 Mbps" (the NAS's own label if it gave one).
export function variantLabel(v) {
  if (v.label)
    return v.label;
  const parts = [];
  if (v.width && v.height)
    parts.push(`${v.width}×${v.height}`);
  else if (v.height)
    parts.push(`${v.height}p`);
  const bw = formatBandwidth(v.bandwidth);
  if (bw)
    parts.push(bw);
  return parts.join(' · ') || 'unnamed variant';
}

// qualityOptions - the entries of the quality picker for a probe result:
// [{value, label, selected}], "best" and "worst" first, then one per
// variant from the highest bandwidth down (duplicated values dropped).
// The entry equal to want (the default quality from the options) is
// selected, else "best".
export function qualityOptions(probe, want = 'best') {
  const opts = [
    { value: 'best', label: 'Best available' },
    { value: 'worst', label: 'Smallest' },
  ];
  const vs = probe && Array.isArray(probe.variants) ? [...probe.variants] : [];
  vs.sort((a, b) => (b.bandwidth || 0) - (a.bandwidth || 0));
  for (const v of vs) {
    const value = qualityValue(v);
    if (!opts.some((o) => o.value === value))
      opts.push({ value, label: variantLabel(v) });
  }
  if (!opts.some((o) => o.value === want))
    want = 'best';
  return opts.map((o) => ({ ...o, selected: o.value === want }));
}

const TERMINAL = ['completed', 'failed', 'cancelled'];

// isTerminal - true for the states a job never leaves by itself.
export function isTerminal(status) {
  return TERMINAL.includes(status);
}

// jobLine - one line summing a job up: "42% · 85/200 segments · 1.2 MB/s ·
// ETA 1:05" while it runs, "Completed · 120 MB", "Failed: <error>".
export function jobLine(job) {
  switch (job.status) {
  case 'completed':
    return `Completed · ${formatBytes(job.size_bytes)}`;
  case 'failed':
    return `Failed: ${job.error || 'unknown error'}`;
  case 'cancelled':
    return 'Cancelled';
  case 'pending':
    return 'Waiting in the NAS queue';
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
