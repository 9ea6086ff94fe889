// format.js - numbers, times and URLs as a person reads them (pure).

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

// 1536 -> "1.5 KB" (powers of 1000, as disks are sold); "—" if unknown.
export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0)
    return n === 0 ? '0 B' : '—';
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n < 10 ? n.toFixed(1) : Math.round(n)} ${UNITS[i]}`;
}

export function speed(bps) {
  return typeof bps === 'number' && bps > 0 ? `${bytes(bps)}/s` : '—';
}

// seconds -> "45 s", "3:07", "1:02:03"
export function duration(s) {
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0)
    return '—';
  s = Math.round(s);
  if (s < 60)
    return `${s} s`;
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function bitrate(bps) {
  if (typeof bps !== 'number' || bps <= 0)
    return '—';
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bps / 1e3)} kbit/s`;
}

// The site a job came from: the page's host, else the referer's, else
// the stream's.
export function site(job) {
  for (const u of [job.source_page, job.referer, job.url]) {
    try {
      if (u)
        return new URL(u).host;
    } catch { /* not a URL */ }
  }
  return '';
}

// A URL with its query (where tokens live) hidden: "https://h/p?…".
export function hideQuery(url) {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search || u.hash ? '?…' : ''}`;
  } catch {
    return url ? url.replace(/[?#].*$/, '?…') : '';
  }
}

// Query strings inside free text (log lines) hidden the same way.
export function hideQueries(text) {
  return text.replace(/(https?:\/\/[^\s"?#]+)[?#][^\s"]*/g, '$1?…');
}

export function when(iso) {
  if (!iso)
    return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString();
}

export const STATUS_LABEL = {
  pending: 'queued', downloading: 'downloading', merging: 'merging',
  paused: 'waiting for disk', suspended: 'paused', waiting: 'needs a fresh link',
  completed: 'completed', failed: 'failed', cancelled: 'cancelled',
};

export function name(job) {
  return job.title || job.name || job.job_id;
}
