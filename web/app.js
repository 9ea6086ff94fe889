// app.js - the NAS's own page: sign-in, the views, the live event stream.
import * as api from './api.js';
import * as fmt from './format.js';
import * as queue from './queue.js';

const $ = (id) => document.getElementById(id);
const VIEWS = ['queue', 'library', 'status', 'settings'];
let stream = null;
let lastStatus = null;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls)
    e.className = cls;
  if (text !== undefined)
    e.textContent = text;
  return e;
}

function show(view) {
  for (const s of document.querySelectorAll('.view'))
    s.hidden = s.id !== `view-${view}`;
  $('top').hidden = view === 'signin';
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('on', a.dataset.view === view);
  document.body.dataset.view = view;
}

function route() {
  const v = location.hash.replace('#', '');
  const view = VIEWS.includes(v) ? v : 'queue';
  show(view);
  const load = { queue: queue.load, library: loadLibrary, status: () => renderStatus(lastStatus), settings: loadSettings }[view];
  Promise.resolve(load()).catch((e) => console.warn(e));
}

// --- sign-in -----------------------------------------------------------

function signedOut(why) {
  stream?.close();
  stream = null;
  $('signin-error').textContent = why ?? '';
  show('signin');
  $('signin-token').focus();
}

async function signIn(e) {
  e.preventDefault();
  $('signin-error').textContent = '';
  try {
    await api.signIn($('signin-token').value);
    $('signin-token').value = '';
    start();
  } catch (err) {
    $('signin-error').textContent = err.status === 401 ? 'That is not a valid API key.' : err.message;
  }
}

function start() {
  connect();
  route();
}

function connect() {
  stream?.close();
  stream = api.events({
    job: (j) => {
      queue.onJob(j);
      onLibraryJob(j);
    },
    status: onStatus,
    reconnect: connect,
  });
}

// --- header and status ---------------------------------------------------

function onStatus(s) {
  lastStatus = s;
  $('sum-alive').classList.toggle('alive', s.spooler_alive);
  $('sum-alive').title = s.spooler_alive ? 'spooler running' : 'spooler not running';
  $('sum-speed').textContent = `↓ ${fmt.speed(s.speed_bps)}`;
  $('sum-disk').textContent = s.disk ? `${fmt.bytes(s.disk.free_bytes)} free` : '';
  queue.onStatus(s);
  if (document.body.dataset.view === 'status')
    renderStatus(s);
}

function card(title, value, sub) {
  const c = el('div', 'card stat');
  c.append(el('div', 'muted', title), el('div', 'big', value));
  if (sub)
    c.append(el('div', 'muted', sub));
  return c;
}

// Every state with its count, as the FUSE tree's status file lists them.
function byStatus(total, c) {
  const box = card('Jobs', total.toLocaleString(), '');
  const dl = el('dl', 'counts');
  for (const [k, v] of Object.entries(c)) {
    dl.append(el('dt', 'muted', fmt.STATUS_LABEL[k] ?? k), el('dd', 'num', v.toLocaleString()));
  }
  box.append(dl);
  box.classList.add('tall');
  return box;
}

function renderStatus(s) {
  if (!s)
    return api.status().then(onStatus);
  const c = s.counts ?? {};
  const d = s.disk;
  const used = d ? Math.round(100 * d.used_bytes / Math.max(1, d.total_bytes)) : 0;
  const disk = card('Disk free', d ? fmt.bytes(d.free_bytes) : '—',
    d ? `of ${fmt.bytes(d.total_bytes)} (${used}% used)` : '');
  if (d) {
    const bar = el('div', 'bar');
    const i = el('i');
    i.style.width = `${used}%`;
    bar.append(i);
    disk.append(bar);
  }
  $('status-cards').replaceChildren(
    card('Spooler', s.spooler_alive ? 'running' : 'not running',
      s.heartbeat ? `last heartbeat ${new Date(s.heartbeat * 1000).toLocaleTimeString()}` : 'never started'),
    card('Current speed', fmt.speed(s.speed_bps), `${s.active} downloading`),
    disk,
    card('Queue', String(s.queue_length), 'waiting for a slot'),
    byStatus(s.total ?? 0, c),
    card('Downloaded', fmt.bytes(s.bytes_downloaded), 'since the spooler first ran'),
    card('Version', s.version ?? '—', ''),
  );
  $('status-cards').lastChild.classList.add('small');
  return null;
}

// --- library -----------------------------------------------------------

const lib = { offset: 0, q: '', shown: new Set() };
const LIB_PAGE = 48;

async function loadLibrary() {
  const r = await api.jobs({ status: 'completed', q: lib.q, limit: LIB_PAGE, offset: lib.offset });
  lib.shown = new Set(r.jobs.map((j) => j.job_id));
  $('library').replaceChildren(...r.jobs.map(libraryCard));
  $('lib-empty').hidden = r.jobs.length > 0;
  $('lib-range').textContent = r.total ? `${lib.offset + 1}–${lib.offset + r.jobs.length} of ${r.total}` : '—';
  $('lib-prev').disabled = lib.offset === 0;
  $('lib-next').disabled = lib.offset + LIB_PAGE >= r.total;
}

function onLibraryJob(j) {
  if (document.body.dataset.view === 'library' && j.status === 'completed' && !lib.shown.has(j.job_id) && lib.offset === 0)
    loadLibrary().catch(() => {});
}

function libraryCard(j) {
  const c = el('div', 'card video');
  c.dataset.id = j.job_id;
  const thumb = el('button', 'thumb');
  thumb.type = 'button';
  thumb.setAttribute('aria-label', `Play ${fmt.name(j)}`);
  thumb.append(el('span', 'play', '▶'), el('span', 'dur', fmt.duration(j.duration_s > 0 ? j.duration_s : -1)));
  thumb.addEventListener('click', () => play(j));
  const meta = el('div', 'meta');
  meta.append(el('div', 'title', fmt.name(j)),
    el('div', 'muted', [j.resolution || (j.quality !== 'best' ? j.quality : ''), fmt.bytes(j.size_bytes), fmt.site(j)].filter(Boolean).join(' · ')));
  const acts = el('div', 'row');
  const playB = el('button', 'primary small', 'Play');
  playB.type = 'button';
  playB.addEventListener('click', () => play(j));
  const dl = el('a', 'button ghost small', 'Download');
  dl.href = api.videoUrl(j.job_id, true);
  dl.setAttribute('download', '');
  acts.append(playB, dl);
  meta.append(acts);
  c.append(thumb, meta);
  return c;
}

function play(j) {
  const v = $('p-video');
  $('p-title').textContent = fmt.name(j);
  $('p-download').href = api.videoUrl(j.job_id, true);
  v.src = api.videoUrl(j.job_id, false);
  $('player').showModal();
  v.play().catch(() => { /* the person presses play */ });
}

// --- settings ----------------------------------------------------------

function windowRow(w = { from: '01:00', to: '07:00', rate: 'unlimited' }) {
  const row = el('div', 'row window');
  const from = el('input');
  from.type = 'time';
  from.value = w.from;
  from.className = 'w-from';
  const to = el('input');
  to.type = 'time';
  to.value = w.to;
  to.className = 'w-to';
  const rate = el('input');
  rate.type = 'text';
  rate.value = w.rate;
  rate.className = 'w-rate';
  rate.placeholder = 'unlimited';
  const del = el('button', 'ghost small', 'Remove');
  del.type = 'button';
  del.addEventListener('click', () => row.remove());
  row.append(el('span', 'muted', 'from'), from, el('span', 'muted', 'to'), to, el('span', 'muted', 'at'), rate, del);
  return row;
}

function showSettings(s) {
  $('bw-limit').value = s.bandwidth_limit;
  $('windows').replaceChildren(...s.schedule.map((w) => {
    const m = /^(\d\d:\d\d)-(\d\d:\d\d) (.*)$/.exec(w);
    return windowRow(m ? { from: m[1], to: m[2], rate: m[3] } : undefined);
  }));
  $('bw-now').textContent = `In force now: ${s.limit_now_bps > 0 ? fmt.speed(s.limit_now_bps) : 'unlimited'}` +
    (s.pending ? ' (the spooler has not applied the last change yet)' : '');
}

async function loadSettings() {
  showSettings(await api.settings());
  $('settings-msg').textContent = '';
}

async function saveSettings(e) {
  e.preventDefault();
  const schedule = [...document.querySelectorAll('#windows .window')].map((r) =>
    `${r.querySelector('.w-from').value}-${r.querySelector('.w-to').value} ${r.querySelector('.w-rate').value.trim() || 'unlimited'}`);
  try {
    const s = await api.saveSettings({ bandwidth_limit: $('bw-limit').value.trim() || 'unlimited', schedule });
    showSettings(s);
    $('settings-msg').textContent = 'Saved: the spooler applies it within a second.';
    $('settings-msg').classList.remove('bad');
    setTimeout(() => loadSettings().catch(() => {}), 1500);
  } catch (err) {
    $('settings-msg').textContent = err.message;
    $('settings-msg').classList.add('bad');
  }
}

// --- start -------------------------------------------------------------

async function main() {
  api.whenSignedOut(signedOut);
  queue.init();
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', async () => {
    await api.signOut().catch(() => {});
    signedOut('Signed out.');
  });
  $('settings-form').addEventListener('submit', saveSettings);
  $('bw-addwin').addEventListener('click', () => $('windows').append(windowRow()));
  $('lib-prev').addEventListener('click', () => { lib.offset = Math.max(0, lib.offset - LIB_PAGE); loadLibrary(); });
  $('lib-next').addEventListener('click', () => { lib.offset += LIB_PAGE; loadLibrary(); });
  let t = null;
  $('lib-search').addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(() => { lib.q = $('lib-search').value.trim(); lib.offset = 0; loadLibrary(); }, 200);
  });
  $('player').addEventListener('close', () => {
    const v = $('p-video');
    v.pause();
    v.removeAttribute('src');
    v.load();
  });
  window.addEventListener('hashchange', () => {
    if (document.body.dataset.view !== 'signin')
      route();
  });
  let ok = false;
  try {
    ok = await api.session();
  } catch { /* the NAS is down: the sign-in form says so when used */ }
  if (ok)
    start();
  else
    signedOut();
}

main();
