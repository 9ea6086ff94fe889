// popup.js - the toolbar popup: lists the tab's streams with a quality
// picker from the NAS's probe, sends one to the NAS, and shows the jobs
// sent with their progress.  All NAS calls go through the service worker
// (one place that keeps state and follows jobs); this page only draws.
//
// popup.html?tab=<id> shows that tab instead of the active one (tests
// open the popup as a page).

import {
  shortenUrl, qualityOptions, jobLine, isTerminal, streamFacts, factsLine,
  choiceText,
} from './lib/format.js';
import { loadSettings } from './lib/settings.js';

// While the popup is open, the jobs are refreshed this often.
const REFRESH_MS = 2000;
// Streams probed as soon as the popup opens; the others on demand. Each
// probe is a POST, and the NAS allows few a minute (10 by default): a page
// with a dozen playlists must not use them all up.
const AUTO_PROBES = 3;

const $ = (sel) => document.querySelector(sel);

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class')
      e.className = v;
    else if (k.startsWith('data-'))
      e.setAttribute(k, v);
    else
      e[k] = v;
  }
  for (const c of children)
    if (c !== null && c !== undefined)
      e.append(c);
  return e;
}

function ask(msg) {
  return chrome.runtime.sendMessage(msg);
}

// One banner for what concerns the NAS as a whole (down, wrong key, rate
// limit); per-stream problems are shown with the stream.
const BANNER_KINDS = ['config', 'unreachable', 'timeout', 'auth', 'rate', 'server', 'protocol'];

function banner(text, level = 'error') {
  const b = $('#banner');
  b.hidden = !text;
  b.textContent = text || '';
  b.className = `banner ${level}`;
  if (text)
    b.dataset.kind = level;
}

async function targetTab() {
  const p = new URLSearchParams(location.search).get('tab');
  if (p !== null && /^\d+$/.test(p))
    return Number(p);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab ? tab.id : -1;
}

// Fill the quality picker; choice (a line under it) says what the value
// chosen gets, size included.
function fillPicker(select, choice, probe, want, duration) {
  const opts = qualityOptions(probe, want, duration);
  select.replaceChildren(...opts.map((o) =>
    el('option', { value: o.value, textContent: o.label, selected: o.selected })));
  select.disabled = false;
  const say = () => {
    choice.textContent = choiceText(opts, select.value);
    choice.hidden = choice.textContent === '';
  };
  select.onchange = say;
  say();
}

// The NAS's folders, asked once per popup: {folders: [names], selected}
// or {folders: null} on a NAS without them.
let foldersAsked = null;
function nasFolders(tabId) {
  if (!foldersAsked)
    foldersAsked = ask({ type: 'folders', tabId }).catch(() => ({ folders: null }));
  return foldersAsked;
}

// The facts under a stream: kind, duration, segments, encryption; audio
// and subtitle languages.
function drawFacts(box, probe, s) {
  // What the probe lacks: the renditions from the worker's own read of the
  // playlist, the timing and keys from one of a master's media playlists.
  const extra = { ...(s.local || {}) };
  for (const k of ['duration', 'segments', 'live', 'encrypted'])
    if (s.media && s.media[k] !== undefined && s.media[k] !== null)
      extra[k] = s.media[k];
  const f = streamFacts(probe, extra);
  const line = factsLine(f);
  const rows = [];
  if (line)
    rows.push(el('div', { class: f.encryption && f.encryption.refused ? 'facts bad' : 'facts', textContent: line }));
  if (f.audio)
    rows.push(el('div', { class: 'tracks audio', textContent: `Audio: ${f.audio}` }));
  if (f.subtitles)
    rows.push(el('div', { class: 'tracks subtitles', textContent: `Subtitles: ${f.subtitles}` }));
  box.replaceChildren(...rows);
  box.hidden = rows.length === 0;
  return f;
}

function onNasText(m) {
  const what = m.status === 'completed' ? 'already on the NAS' : `already on the NAS (${m.status})`;
  return `This stream is ${what}${m.title ? `: "${m.title}"` : ''}.`;
}

function streamCard(tabId, page, s, settings, autoProbe) {
  const kind = el('span', { class: 'kind', textContent: s.kind === 'unknown' ? 'hls' : s.kind });
  const title = el('input', { class: 'title-input', type: 'text', value: page.title || '', placeholder: 'Title on the NAS', maxLength: 200 });
  title.setAttribute('aria-label', 'Title on the NAS');
  const select = el('select', { class: 'quality', disabled: true },
    el('option', { textContent: 'Asking the NAS…' }));
  select.setAttribute('aria-label', 'Quality');
  const choice = el('div', { class: 'choice', hidden: true });
  const folder = el('select', { class: 'folder', hidden: true });
  folder.setAttribute('aria-label', 'Folder on the NAS');
  const button = el('button', { class: 'send', textContent: 'Send to NAS' });
  const facts = el('div', { class: 'facts-box', hidden: true });
  const onNas = el('div', { class: 'on-nas', hidden: true });
  const msg = el('div', { class: 'error', hidden: true });
  const li = el('li', { class: 'stream', 'data-url': s.url },
    el('div', { class: 'title-row' }, title, kind),
    el('div', { class: 'url', textContent: shortenUrl(s.url), title: s.url }),
    facts,
    el('div', { class: 'row' }, select),
    choice,
    el('div', { class: 'row' }, folder, button),
    onNas,
    msg);
  let force = false;

  const showError = (text) => {
    msg.hidden = !text;
    msg.textContent = text || '';
  };
  const alreadyThere = (m) => {
    onNas.hidden = false;
    onNas.textContent = onNasText(m);
    li.dataset.onNas = m.status || 'yes';
    if (button.textContent !== 'Sent')
      button.textContent = 'Send again';
    force = true;
  };
  const fill = (probe, media, local) => {
    if (media)
      s.media = media;
    if (local)
      s.local = local;
    const f = drawFacts(facts, probe, s);
    fillPicker(select, choice, probe, settings.quality, f.duration);
    if (probe && probe.type)
      kind.textContent = probe.type;
  };
  drawFacts(facts, s.probe, s);

  if (s.probe)
    fill(s.probe);
  else if (s.probeError) {
    fill(null);
    showError(s.probeError);
  } else {
    const probe = () => ask({ type: 'probe', tabId, url: s.url }).then((r) => {
      fill(r.probe || null, r.media, r.local);
      if (r.error && BANNER_KINDS.includes(r.kind))
        banner(r.error);
      else
        showError(r.error);
    });
    if (autoProbe) {
      probe();
    } else {
      fill(null);
      const more = el('button', { class: 'secondary probe', textContent: 'Qualities' });
      more.title = 'Ask the NAS which qualities it sees';
      more.addEventListener('click', () => {
        more.remove();
        select.disabled = true;
        probe();
      });
      button.before(more);
    }
  }
  // Already on the NAS?  Asked for the streams probed at once (a lookup
  // may be a POST, which the NAS rate-limits).
  if (autoProbe && settings.endpoint && settings.key)
    ask({ type: 'lookup', tabId, url: s.url }).then((m) => {
      if (m && m.found)
        alreadyThere(m);
    });
  nasFolders(tabId).then((r) => {
    if (!r || !Array.isArray(r.folders) || r.folders.length === 0)
      return;
    folder.replaceChildren(...r.folders.map((n) => el('option', { value: n, textContent: n, selected: n === r.selected })));
    folder.hidden = false;
  });

  button.addEventListener('click', async () => {
    button.disabled = true;
    showError('');
    const r = await ask({
      type: 'send', tabId, url: s.url, quality: select.value, title: title.value,
      folder: folder.hidden ? '' : folder.value, force,
    });
    button.disabled = false;
    if (r.error) {
      if (BANNER_KINDS.includes(r.kind))
        banner(r.error);
      else
        showError(r.error);
      return;
    }
    banner('');
    if (r.duplicate) {
      // The NAS has it and said so: sent again only on request.
      alreadyThere({ status: r.status, title: '' });
      return;
    }
    button.textContent = 'Sent';
    button.disabled = true;
    refreshJobs();
  });
  return li;
}

function jobCard(entry) {
  const job = entry.job || { status: 'pending', progress: 0 };
  const actions = el('div', { class: 'actions' });
  if (job.status === 'waiting')
    actions.append(actionButton(entry.job_id, 'refreshOpen', 'Refresh',
      'Open the page the video came from: the fresh link it loads is sent to the NAS'));
  if (!isTerminal(job.status))
    actions.append(actionButton(entry.job_id, 'cancel', 'Cancel'));
  else if (job.status !== 'completed')
    actions.append(actionButton(entry.job_id, 'retry', 'Retry'));
  const from = entry.mine ? 'sent from this browser' : 'added on the NAS';
  return el('li', { class: 'job', 'data-id': entry.job_id, 'data-status': job.status, 'data-mine': String(!!entry.mine) },
    el('div', { class: 'title', textContent: entry.title || job.title || shortenUrl(entry.url) }),
    el('div', { class: 'status-row' },
      el('span', { class: 'status', textContent: job.status === 'waiting' ? 'waiting for a fresh link' : job.status }),
      el('span', { class: 'from', textContent: from })),
    el('progress', { max: 100, value: job.status === 'completed' ? 100 : (job.progress || 0) }),
    el('div', { class: 'line', textContent: jobLine(job) }),
    job.output && job.status === 'completed'
      ? el('div', { class: 'url', textContent: job.output }) : null,
    actions);
}

function actionButton(id, type, label, tip = '') {
  const b = el('button', { class: `secondary ${type}`, textContent: label });
  if (tip)
    b.title = tip;
  b.addEventListener('click', async () => {
    b.disabled = true;
    const r = await ask({ type, id });
    if (r.error)
      banner(r.error);
    refreshJobs();
  });
  return b;
}

let refreshing = false;

async function refreshJobs() {
  if (refreshing)
    return;
  refreshing = true;
  try {
    const r = await ask({ type: 'poll' });
    const jobs = r.jobs || [];
    $('#jobs').replaceChildren(...jobs.map(jobCard));
    $('#no-jobs').hidden = jobs.length > 0;
    if (r.error)
      banner(r.error);
  } finally {
    refreshing = false;
  }
}

async function main() {
  $('#open-options').addEventListener('click', (e) => {
    e.preventDefault();
    chrome.runtime.openOptionsPage();
  });
  const settings = await loadSettings();
  if (settings.endpoint) {
    const a = $('#nas-page');
    a.href = `${settings.endpoint}/`;
    a.hidden = false;
  }
  if (!settings.endpoint || !settings.key)
    banner('Set the NAS address and API key in the options first.', 'warn');
  else
    ask({ type: 'status' }).then((r) => {
      if (r.error)
        banner(r.error);
      else if (!r.status.spooler_alive)
        banner('The NAS\'s spooler is not running: jobs sent will wait until it starts.', 'warn');
    });
  const tabId = await targetTab();
  const { page, streams } = await ask({ type: 'tab', tabId });
  $('#page-title').textContent = page.title || page.url || '';
  $('#streams').replaceChildren(...streams.map((s, i) => streamCard(tabId, page, s, settings, i < AUTO_PROBES)));
  $('#no-streams').hidden = streams.length > 0;
  await refreshJobs();
  setInterval(refreshJobs, REFRESH_MS);
}

main();
