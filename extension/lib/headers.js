// headers.js - pick, from the headers a page's request carried, the ones a
// site checks before it hands out a playlist, so the NAS can send them too.
//
// Pure functions, no chrome.* calls.

// The request headers forwarded to the NAS, in their canonical spelling.
// Sites gate playlists and segments on these (hotlink protection checks
// Referer/Origin, sessions live in Cookie, some CDNs pin User-Agent).
export const FORWARDED_HEADERS = Object.freeze(['Referer', 'Origin', 'User-Agent', 'Cookie']);

// Bound on one forwarded value: a cookie jar larger than this is not a
// playlist session, and the NAS refuses oversized jobs anyway.
export const MAX_HEADER_VALUE = 8192;

// pickHeaders - from a webRequest headers array ([{name, value}]) return
// an object {Canonical-Name: value} holding only FORWARDED_HEADERS that are
// present, non-empty, free of CR/LF and at most MAX_HEADER_VALUE long.
// When a name repeats, the first occurrence wins.
export function pickHeaders(requestHeaders) {
  const out = {};
  if (!Array.isArray(requestHeaders))
    return out;
  for (const h of requestHeaders) {
    if (!h || typeof h.name !== 'string')
      continue;
    const canon = FORWARDED_HEADERS.find((n) => n.toLowerCase() === h.name.toLowerCase());
    if (!canon || canon in out)
      continue;
    const v = typeof h.value === 'string' ? h.value.trim() : '';
    if (v === '' || v.length > MAX_HEADER_VALUE || /[\r\n\0]/.test(v))
      continue;
    out[canon] = v;
  }
  return out;
}

// headerValue - the value of the first header called name (any case) in a
// webRequest headers array, or "" when absent.
export function headerValue(headers, name) {
  if (!Array.isArray(headers))
    return '';
  const want = name.toLowerCase();
  const h = headers.find((x) => x && typeof x.name === 'string' && x.name.toLowerCase() === want);
  return h && typeof h.value === 'string' ? h.value : '';
}
