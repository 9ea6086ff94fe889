// streams.js - the streams seen in one tab: recorded once each, classified
// as master or media playlist, and folded so that the media playlists of a
// master the tab also loaded are not offered twice.
//
// Pure functions over plain objects (they live in chrome.storage.session
// between service-worker lives); no chrome.* calls.

// sameStream - true when a and b are the same stream with its query
// (signing tokens, expiry times, cache-busters) set aside: same scheme,
// host, port and path.  Fragments never count.
export function sameStream(a, b) {
  const pa = pathKey(a);
  return pa !== null && pa === pathKey(b);
}

// A page that loads more playlists than this is a player gone wild; keep
// the first ones rather than grow the session storage without bound.
export const MAX_STREAMS_PER_TAB = 50;

// newTabState - the empty state of a tab showing pageUrl.
// doc: the id of the main-frame document the tab shows (webNavigation's
// documentId), docAt its commit time; gone: the ids of documents the tab
// has left (their late requests are not recorded).
export const MAX_GONE_DOCS = 16;

export function newTabState(pageUrl = '', title = '') {
  return { pageUrl, title, streams: [], doc: '', docAt: 0, gone: [] };
}

// requestDocument - the main-frame document a webRequest event belongs to:
// its documentId for a request of the top frame, the parent's for a frame
// directly in it, else '' (then the times decide).  d = the event details.
export function requestDocument(d) {
  if (!d)
    return '';
  if (d.frameId === 0 && typeof d.documentId === 'string')
    return d.documentId;
  if (d.frameId > 0 && d.parentFrameId === 0 && typeof d.parentDocumentId === 'string')
    return d.parentDocumentId;
  return '';
}

// commitDocument - the tab (mutated) committed a new main-frame document
// nav = {doc, url, at}: keep the streams recorded for that very document
// (their requests may reach us before the commit does) and those without
// a known document seen at or after the commit; forget the rest.  The
// same document committed again (back/forward cache) changes nothing.
// Returns true when streams were dropped.
export function commitDocument(tab, nav) {
  const doc = (nav && nav.doc) || '';
  const at = (nav && nav.at) || 0;
  if (!Array.isArray(tab.gone))
    tab.gone = [];
  tab.pageUrl = (nav && nav.url) || '';
  if (doc && tab.doc === doc)
    return false;
  if (tab.doc && !tab.gone.includes(tab.doc))
    tab.gone.push(tab.doc);
  if (tab.gone.length > MAX_GONE_DOCS)
    tab.gone.splice(0, tab.gone.length - MAX_GONE_DOCS);
  tab.doc = doc;
  tab.docAt = at;
  const before = tab.streams.length;
  tab.streams = tab.streams.filter((s) => {
    if (s.doc)
      return s.doc === doc;
    // Without document ids (an old browser, a request of a worker), a
    // request is the new document's when it came after the commit.
    return (s.lastSeen || s.firstSeen || 0) >= at;
  });
  return tab.streams.length !== before;
}

// streamKey - the identity of a stream: its absolute URL without the
// fragment (never sent to the server).  null when url is not http(s).
export function streamKey(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return null;
  u.hash = '';
  return u.href;
}

// The same resource, allowing for tokens and cache-busters in the query:
// players often fetch a variant with a query its master did not write.
function pathKey(url) {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      return null;
    return u.origin + u.pathname;
  } catch {
    return null;
  }
}

// findStream - the stream recorded under url's key, or undefined.
export function findStream(tab, url) {
  const key = streamKey(url);
  return tab.streams.find((s) => s.url === key);
}

// addStream - record a playlist request in tab (mutated) and return true
// when it is a new stream.  seen = {url, via, contentType, headers, at}.
// A stream seen again (by the player's reloads, or once by its URL and
// once by its Content-Type) keeps its place and first-seen time; it takes
// the newest non-empty headers (cookies get refreshed) and the union of
// the ways it was detected.
//
// seen.doc is the request's main-frame document (requestDocument): a
// request of a document the tab has left is not recorded; a request of a
// document not committed yet is (the commit keeps it).  seen.at is the
// request's time, against the commit's when the document is unknown.
export function addStream(tab, seen) {
  const key = streamKey(seen.url);
  if (!key)
    return false;
  const doc = seen.doc || '';
  if (doc && Array.isArray(tab.gone) && tab.gone.includes(doc))
    return false;
  if (!doc && tab.docAt && (seen.at || 0) < tab.docAt)
    return false;
  const old = tab.streams.find((s) => s.url === key);
  const via = (seen.via || '').split('+').filter(Boolean);
  if (old) {
    if (doc)
      old.doc = doc;
    old.lastSeen = Math.max(old.lastSeen || 0, seen.at || 0);
    old.via = [...new Set([...old.via, ...via])].sort();
    if (seen.headers && Object.keys(seen.headers).length > 0)
      old.headers = { ...seen.headers };
    if (seen.contentType && !old.contentType)
      old.contentType = seen.contentType;
    return false;
  }
  if (tab.streams.length >= MAX_STREAMS_PER_TAB)
    return false;
  tab.streams.push({
    url: key,
    via: [...new Set(via)].sort(),
    contentType: seen.contentType || '',
    headers: { ...(seen.headers || {}) },
    firstSeen: seen.at || 0,
    lastSeen: seen.at || 0,
    doc,
    kind: 'unknown',
    variants: [],
    probe: null,
    probeError: null,
  });
  return true;
}

// classifyStream - record what the playlist at url turned out to be.
// info = {type, variants: [{uri}], renditions: [uri]} as returned by
// hls.classifyPlaylist or the NAS's /api/probe.  Returns true if the
// stream was known.  An "invalid" verdict does not overwrite a known kind.
export function classifyStream(tab, url, info) {
  const s = findStream(tab, url);
  if (!s || !info)
    return false;
  if (info.type === 'master' || info.type === 'media')
    s.kind = info.type;
  const uris = [];
  for (const v of info.variants || []) {
    try {
      uris.push(new URL(v.uri, s.url).href);
    } catch {
      // an unusable URI hides nothing
    }
  }
  for (const r of info.renditions || [])
    uris.push(r);
  if (uris.length > 0)
    s.variants = [...new Set(uris)];
  return true;
}

// setProbe - keep the NAS's answer for the stream at url: either its probe
// result or its error message (one replaces the other).  Also classifies.
export function setProbe(tab, url, probe, error) {
  const s = findStream(tab, url);
  if (!s)
    return false;
  s.probe = probe || null;
  s.probeError = error || null;
  if (probe)
    classifyStream(tab, url, probe);
  return true;
}

// isFolded - true when stream s is one of the media playlists (variant or
// rendition) of another stream in the tab known to be a master.
export function isFolded(tab, s) {
  const exact = s.url;
  const path = pathKey(s.url);
  return tab.streams.some((m) => m !== s && m.kind === 'master' &&
    m.variants.some((v) => v === exact || pathKey(v) === path));
}

// visibleStreams - the streams to offer, in the order first seen: all but
// the media playlists folded under a master.
export function visibleStreams(tab) {
  if (!tab || !Array.isArray(tab.streams))
    return [];
  return tab.streams.filter((s) => !isFolded(tab, s));
}

// badgeText - what the toolbar badge shows for a tab: the number of
// visible streams, or "" for none.
export function badgeText(tab) {
  const n = visibleStreams(tab).length;
  return n > 0 ? String(n) : '';
}

// mainStream - a tab's best guess at "the video": its first master
// playlist, else its first visible stream; undefined when it has none.
export function mainStream(tab) {
  const vs = visibleStreams(tab);
  return vs.find((s) => s.kind === 'master') || vs[0];
}

// menuTarget - the URL a "Send to NAS" context-menu click sends, or "".
// info is chrome.contextMenus.OnClickData.  A link or a <video>/<audio>
// with an http(s) URL sends that URL; the page item, and a media element
// playing a blob: or data: URL (MediaSource), send the tab's main stream.
export function menuTarget(info, tab) {
  const url = info.menuItemId === 'send-page' ? '' : (info.linkUrl || info.srcUrl || '');
  if (/^https?:\/\//i.test(url))
    return url;
  const s = tab && mainStream(tab);
  return s ? s.url : '';
}
