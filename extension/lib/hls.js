// hls.js - tell HLS playlists apart: by URL, by Content-Type, and by text.
//
// Pure functions, no chrome.* calls: imported by the service worker and by
// the Node unit tests alike.

// Media types that name an HLS playlist (RFC 8216 section 4 and the
// aliases players and CDNs actually send), compared case-insensitively
// and without parameters.
export const HLS_CONTENT_TYPES = Object.freeze([
  'application/vnd.apple.mpegurl',
  'application/x-mpegurl',
  'application/mpegurl',
  'audio/mpegurl',
  'audio/x-mpegurl',
  'vnd.apple.mpegurl',
]);

// isHlsUrl - true when the URL's path ends in ".m3u8" (any case); the query
// string and fragment are ignored, so "/a/master.m3u8?token=x" counts but
// "/a/page?file=x.m3u8" does not.  Returns false for anything unparseable.
export function isHlsUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return false;
  return u.pathname.toLowerCase().endsWith('.m3u8');
}

// mediaType - the bare media type of a Content-Type value ("" if none):
// lower case, parameters and surrounding space removed.
export function mediaType(contentType) {
  if (typeof contentType !== 'string')
    return '';
  return contentType.split(';')[0].trim().toLowerCase();
}

// isHlsContentType - true when the Content-Type header value names an HLS
// playlist, whatever its case or parameters ("Application/X-MpegURL;
// charset=utf-8" counts).
export function isHlsContentType(contentType) {
  return HLS_CONTENT_TYPES.includes(mediaType(contentType));
}

// detectHls - why a request is an HLS playlist: "url", "content-type",
// both joined by "+", or null when it is not one.
export function detectHls(url, contentType) {
  const byUrl = isHlsUrl(url);
  const byType = isHlsContentType(contentType);
  if (byUrl && byType)
    return 'url+content-type';
  if (byUrl)
    return 'url';
  if (byType)
    return 'content-type';
  return null;
}

// Attribute list of a tag (RFC 8216 4.2): KEY=VALUE pairs, values either
// quoted strings (which may hold commas) or bare tokens.
function parseAttributes(text) {
  const attrs = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    let v = m[2];
    if (v.startsWith('"'))
      v = v.slice(1, -1);
    attrs[m[1]] = v;
  }
  return attrs;
}

function resolve(uri, base) {
  try {
    return new URL(uri, base).href;
  } catch {
    return null;
  }
}

// classifyPlaylist - read a playlist's text just far enough to say what it
// is: {type: "master"|"media"|"invalid", variants, renditions}.
// variants: [{uri, bandwidth, width, height, codecs}] from EXT-X-STREAM-INF
// (uri resolved against baseUrl); renditions: absolute URIs of
// EXT-X-MEDIA entries (alternative audio, subtitles).  Only what the
// extension needs to hide a master's own media playlists; the NAS parses
// playlists properly for the download.
//
// Also the facts the popup shows when the NAS's probe lacks them: audio
// and subtitles [{language, name, default}] from EXT-X-MEDIA, and for a
// media playlist duration (s, sum of EXTINF), segments, live (no
// EXT-X-ENDLIST) and encrypted ("none", "AES-128", "SAMPLE-AES", or the
// KEYFORMAT of another key), the names /api/probe uses.
export function classifyPlaylist(text, baseUrl) {
  const out = { type: 'invalid', variants: [], renditions: [], audio: [], subtitles: [] };
  let duration = 0;
  let segments = 0;
  let endlist = false;
  let encrypted = 'none';
  if (typeof text !== 'string')
    return out;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U')
    return out;
  let pending = null;
  let media = false;
  for (const line of lines.slice(1)) {
    if (line === '')
      continue;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const a = parseAttributes(line.slice(18));
      const [w, h] = (a.RESOLUTION || '').split('x').map((n) => parseInt(n, 10));
      pending = {
        bandwidth: parseInt(a.BANDWIDTH, 10) || 0,
        width: Number.isFinite(w) ? w : null,
        height: Number.isFinite(h) ? h : null,
        codecs: a.CODECS || null,
      };
    } else if (line.startsWith('#EXT-X-MEDIA:')) {
      const a = parseAttributes(line.slice(13));
      const uri = a.URI ? resolve(a.URI, baseUrl) : null;
      if (uri)
        out.renditions.push(uri);
      const r = { language: a.LANGUAGE || null, name: a.NAME || null, default: a.DEFAULT === 'YES' };
      if (a.TYPE === 'AUDIO')
        out.audio.push(r);
      else if (a.TYPE === 'SUBTITLES')
        out.subtitles.push(r);
    } else if (line.startsWith('#EXTINF:')) {
      media = true;
      const d = parseFloat(line.slice(8));
      if (Number.isFinite(d) && d > 0)
        duration += d;
    } else if (line.startsWith('#EXT-X-TARGETDURATION')) {
      media = true;
    } else if (line === '#EXT-X-ENDLIST') {
      endlist = true;
    } else if (line.startsWith('#EXT-X-KEY:') && encrypted === 'none') {
      const a = parseAttributes(line.slice(11));
      if (a.METHOD === 'AES-128' || a.METHOD === 'SAMPLE-AES')
        encrypted = a.KEYFORMAT && a.KEYFORMAT !== 'identity' ? a.KEYFORMAT : a.METHOD;
      else if (a.METHOD && a.METHOD !== 'NONE')
        encrypted = a.KEYFORMAT || a.METHOD;
    } else if (!line.startsWith('#') && media && !pending) {
      segments++;
    } else if (!line.startsWith('#') && pending) {
      const uri = resolve(line, baseUrl);
      if (uri)
        out.variants.push({ uri, ...pending });
      pending = null;
    }
  }
  if (out.variants.length > 0)
    out.type = 'master';
  else if (media) {
    out.type = 'media';
    out.duration = Math.round(duration * 1000) / 1000;
    out.segments = segments;
    out.live = !endlist;
    out.encrypted = encrypted;
  }
  return out;
}
