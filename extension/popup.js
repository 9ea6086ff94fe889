// popup.js - the toolbar popup: lists the tab's streams with a quality
// picker from the NAS's probe, sends one to the NAS, and shows the jobs
// sent with their progress.  All NAS calls go through the service worker
// (one place that keeps state and follows jobs); this page only draws.
//
// popup.html?tab=<id> shows that tab instead of the active one (tests
// open the popup as a page).

import { shortenUrl, qualityOptions, jobLine, isTerminal } from './lib/format.js';
import { loadSettings } from './lib/settings.js';

// While the popup is open, the jobs are refreshed this often.
const REFRESH_MS = 2000;

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

function fillPicker(select, probe, want) {
  select.replaceChildren(...qualityOptions(probe, want).map((o) =>
    el('option', { value: o.value, textContent: o.label, selected: o.selected })));
  select.disabled = false;
}

function streamCard(tabId, page, s, settings) {
  const kind = el('span', { class: 'kind', textContent: s.kind === 'unknown' ? 'hls' : s.kind });
  const select = el('select', { class: 'quality', disabled: true },
    el('option', { textContent: 'Asking the NAS…' }));
  const button = el('button', { class: 'send', textContent: 'Send to NAS' });
  const msg = el('div', { class: 'error', hidden: true });
  const li = el('li', { class: 'stream', 'data-url': s.url },
    el('div', { class: 'title', textContent: page.title || 'Untitled page' }, kind),
    el('div', { class: 'url', textContent: shortenUrl(s.url), title: s.url }),
    el('div', { class: 'row' }, select, button),
    msg);

  const showError = (text) => {
    msg.hidden = !text;
    msg.textContent = text || '';
  };
  const fill = (probe) => {
    fillPicker(select, probe, settings.quality);
    if (probe && probe.type)
      kind.textContent = probe.type;
  };

  if (s.probe)
    fill(s.probe);
  else if (s.probeError) {
    fill(null);
    showError(s.probeError);
  } else {
    ask({ type: 'probe', tabId, url: s.url }).then((r) => {
      fill(r.probe || null);
      if (r.error && BANNER_KINDS.includes(r.kind))
        banner(r.error);
      else
        showError(r.error);
    });
  }

  button.addEventListener('click', async () => {
    button.disabled = true;
    showError('');
    const r = await ask({ type: 'send', tabId, url: s.url, quality: select.value });
    if (r.error) {
      button.disabled = false;
      if (BANNER_KINDS.includes(r.kind))
        banner(r.error);
      else
        showError(r.error);
      return;
    }
    banner('');
    button.textContent = 'Sent';
    refreshJobs();
  });
  return li;
}

function jobCard(entry) {
  const job = entry.job || { status: 'pending', progress: 0 };
  const actions = el('div', { class: 'actions' });
  if (!isTerminal(job.status))
    actions.append(actionButton(entry.job_id, 'cancel', 'Cancel'));
  else if (job.status !== 'completed')
    actions.append(actionButton(entry.job_id, 'retry', 'Retry'));
  return el('li', { class: 'job', 'data-id': entry.job_id, 'data-status': job.status },
    el('div', { class: 'title', textContent: entry.title || job.title || shortenUrl(entry.url) }),
    el('div', { class: 'status', textContent: job.status }),
    el('progress', { max: 100, value: job.status === 'completed' ? 100 : (job.progress || 0) }),
    el('div', { class: 'line', textContent: jobLine(job) }),
    job.output && job.status === 'completed'
      ? el('div', { class: 'url', textContent: job.output }) : null,
    actions);
}

function actionButton(id, type, label) {
  const b = el('button', { class: 'secondary', textContent: label });
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
  $('#streams').replaceChildren(...streams.map((s) => streamCard(tabId, page, s, settings)));
  $('#no-streams').hidden = streams.length > 0;
  await refreshJobs();
  setInterval(refreshJobs, REFRESH_MS);
}

main();
