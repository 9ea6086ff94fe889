// queue.js - the queue view: every job of the store, a page at a time,
// kept live by the event stream; the add form; a job's detail.
import * as api from './api.js';
import * as fmt from './format.js';

const PAGE = 100;
const $ = (id) => document.getElementById(id);

const state = {
  filter: '', q: '', offset: 0, total: 0,
  rows: new Map(),          // job_id -> { job, el }
  newest: null,             // created_at of the newest job shown
  probe: null,
  detailId: null, showTokens: false,
};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls)
    e.className = cls;
  if (text !== undefined)
    e.textContent = text;
  return e;
}

// Which controls a job in this state offers (the endpoint checks again).
export function actionsFor(status) {
  switch (status) {
  case 'pending': case 'downloading': case 'paused': case 'waiting':
    return ['pause', 'cancel'];
  case 'merging':
    return ['cancel'];
  case 'suspended':
    return ['resume', 'cancel'];
  case 'failed': case 'cancelled':
    return ['retry', 'remove'];
  case 'completed':
    return ['remove'];
  default:
    return [];
  }
}

const LABEL = { pause: 'Pause', resume: 'Resume', cancel: 'Cancel', retry: 'Retry', remove: 'Remove' };

async function act(job, word, button) {
  if (button)
    button.disabled = true;
  try {
    if (word === 'remove') {
      const withFile = job.status === 'completed' &&
        confirm(`Also delete the video file of "${fmt.name(job)}"?\nOK: delete the file too. Cancel: keep the file, remove only the entry.`);
      await api.remove(job.job_id, withFile);
    } else {
      await api.control(job.job_id, word);
    }
    flash(`${LABEL[word]}: asked for "${fmt.name(job)}"`);
  } catch (e) {
    flash(`${LABEL[word]} failed: ${e.message}`, true);
    if (button)
      button.disabled = false;
  }
}

function flash(text, bad) {
  const m = $('add-msg');
  m.textContent = text;
  m.classList.toggle('bad', !!bad);
}

function buildRow(job) {
  const row = el('div', 'job');
  row.tabIndex = 0;
  row.dataset.id = job.job_id;
  const name = el('div', 'name');
  name.append(el('span', 'title'), el('span', 'site muted'));
  const st = el('div', 'st');
  st.append(el('span', 'badge'));
  const prog = el('div', 'prog');
  const bar = el('div', 'bar');
  bar.append(el('i'));
  prog.append(bar, el('span', 'pct'));
  row.append(name, st, prog, el('div', 'speed num'), el('div', 'eta num'),
    el('div', 'size num'), el('div', 'quality'), el('div', 'acts'));
  row.addEventListener('click', (e) => {
    if (!e.target.closest('button'))
      openDetail(row.dataset.id);
  });
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter')
      openDetail(row.dataset.id);
  });
  return row;
}

function fillRow(row, job) {
  const running = job.status === 'downloading' || job.status === 'merging';
  row.querySelector('.title').textContent = fmt.name(job);
  row.querySelector('.title').title = fmt.name(job);
  row.querySelector('.site').textContent = fmt.site(job);
  const badge = row.querySelector('.badge');
  badge.textContent = fmt.STATUS_LABEL[job.status] ?? job.status;
  badge.className = `badge s-${job.status}`;
  row.dataset.status = job.status;
  const pct = Math.max(0, Math.min(100, job.progress ?? 0));
  row.querySelector('.bar i').style.width = `${pct}%`;
  row.querySelector('.bar').classList.toggle('live', running);
  row.querySelector('.pct').textContent = `${pct.toFixed(pct < 10 ? 1 : 0)}%`;
  row.querySelector('.speed').textContent = running ? fmt.speed(job.speed_bps) : '—';
  row.querySelector('.eta').textContent = fmt.duration(job.eta_s);
  row.querySelector('.size').textContent =
    fmt.bytes(job.size_bytes > 0 ? job.size_bytes : job.bytes_done);
  row.querySelector('.quality').textContent = job.resolution || job.quality || '—';
  const acts = row.querySelector('.acts');
  const words = actionsFor(job.status);
  if (acts.dataset.words !== words.join()) {
    acts.replaceChildren(...words.map((w) => {
      const b = el('button', `small ${w === 'cancel' || w === 'remove' ? 'danger' : 'ghost'}`, LABEL[w]);
      b.type = 'button';
      b.dataset.act = w;
      b.addEventListener('click', () => act(state.rows.get(row.dataset.id).job, w, b));
      return b;
    }));
    acts.dataset.words = words.join();
  }
}

function matchesFilter(job) {
  if (state.filter && !state.filter.split(',').includes(job.status))
    return false;
  if (state.q) {
    const hay = `${job.title ?? ''} ${job.name ?? ''} ${job.job_id} ${job.url ?? ''}`.toLowerCase();
    return state.q.toLowerCase().split(/\s+/).every((w) => hay.includes(w));
  }
  return true;
}

let loading = null, again = false;
export async function load() {
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    do {
      again = false;
      const r = await api.jobs({ status: state.filter, q: state.q, limit: PAGE, offset: state.offset });
      render(r);
    } while (again);
  })().finally(() => { loading = null; });
  return loading;
}

function render(r) {
  const list = $('jobs');
  const keep = new Map();
  const frag = document.createDocumentFragment();
  for (const job of r.jobs) {
    const old = state.rows.get(job.job_id);
    const row = old ? old.el : buildRow(job);
    fillRow(row, job);
    keep.set(job.job_id, { job, el: row });
    frag.append(row);
  }
  list.replaceChildren(frag);
  state.rows = keep;
  state.total = r.total;
  state.newest = r.jobs[0]?.created_at ?? state.newest;
  $('jobs-empty').hidden = r.jobs.length > 0;
  const from = r.total === 0 ? 0 : state.offset + 1;
  $('range').textContent = `${from.toLocaleString()}–${(state.offset + r.jobs.length).toLocaleString()} of ${r.total.toLocaleString()}`;
  $('prev').disabled = state.offset === 0;
  $('next').disabled = state.offset + PAGE >= r.total;
}

let reloadTimer = null;
function reloadSoon() {
  if (!reloadTimer)
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      load().catch(() => {});
    }, 250);
}

// An event from the stream: a shown row changes in place; a job new to
// this view (dropped in, added elsewhere) brings the first page up to date.
export function onJob(job) {
  const shown = state.rows.get(job.job_id);
  if (shown) {
    if (!matchesFilter(job)) {
      reloadSoon();
      return;
    }
    shown.job = job;
    fillRow(shown.el, job);
    if (state.detailId === job.job_id)
      fillDetail(job);
    return;
  }
  if (state.offset === 0 && matchesFilter(job))
    reloadSoon();
}

let lastTotal = null;
export function onStatus(s) {
  const c = s.counts ?? {};
  const n = (list) => list.reduce((a, k) => a + (c[k] ?? 0), 0);
  const counts = {
    '': s.total,
    'pending,downloading,merging,paused,waiting': n(['pending', 'downloading', 'merging', 'paused', 'waiting']),
    suspended: n(['suspended']),
    completed: n(['completed']),
    'failed,cancelled': n(['failed', 'cancelled']),
  };
  for (const b of document.querySelectorAll('#filters button'))
    b.querySelector('span').textContent = (counts[b.dataset.filter] ?? 0).toLocaleString();
  if (lastTotal !== null && s.total !== lastTotal)
    reloadSoon();           // jobs were added or removed
  lastTotal = s.total;
}

// --- detail --------------------------------------------------------------

function fillDetail(job) {
  $('d-title').textContent = fmt.name(job);
  $('d-status').textContent = `${fmt.STATUS_LABEL[job.status] ?? job.status} · ${(job.progress ?? 0).toFixed(1)}%` +
    (job.segments_total ? ` · ${job.segments_done}/${job.segments_total} segments` : '') +
    (job.retry_count ? ` · retried ${job.retry_count}×` : '') +
    (job.gap_seconds > 0 ? ` · ${job.gap_seconds.toFixed(1)} s missing in the source (EXT-X-GAP)` : '');
  $('d-source').textContent = job.source_page || job.referer || fmt.site(job) || '—';
  $('d-url').textContent = state.showTokens ? job.url : fmt.hideQuery(job.url);
  $('d-url-show').textContent = state.showTokens ? 'hide tokens' : 'show tokens';
  $('d-url-show').hidden = job.url === fmt.hideQuery(job.url);
  $('d-output').textContent = job.output || '—';
  $('d-error').textContent = job.error || '—';
  $('d-error').classList.toggle('bad', !!job.error);
  $('d-id').textContent = job.job_id;
  $('d-created').textContent = fmt.when(job.created_at);
  const acts = $('d-actions');
  const words = actionsFor(job.status);
  if (acts.dataset.words !== words.join()) {
    acts.replaceChildren(...words.map((w) => {
      const b = el('button', w === 'cancel' || w === 'remove' ? 'danger' : 'ghost', LABEL[w]);
      b.type = 'button';
      b.dataset.act = w;
      b.addEventListener('click', () => act(state.rows.get(job.job_id)?.job ?? job, w, b));
      return b;
    }));
    acts.dataset.words = words.join();
  }
}

async function fillLog(id) {
  const pre = $('d-log');
  pre.textContent = 'loading…';
  try {
    const r = await api.jobLog(id);
    const text = r.lines.length ? r.lines.join('\n') : (r.note ?? 'Nothing logged for this job.');
    pre.textContent = state.showTokens ? text : fmt.hideQueries(text);
  } catch (e) {
    pre.textContent = `The log cannot be read: ${e.message}`;
  }
}

export async function openDetail(id) {
  state.detailId = id;
  state.showTokens = false;
  const job = state.rows.get(id)?.job ?? await api.job(id);
  fillDetail(job);
  $('d-actions').dataset.words = '';
  fillDetail(job);
  const d = $('detail');
  if (!d.open)
    d.showModal();
  fillLog(id);
}

// --- add -------------------------------------------------------------------

function variantRows(p) {
  const dur = typeof p.duration === 'number' ? p.duration : null;
  const vs = p.variants?.length ? p.variants : [{ label: 'as is', bandwidth: 0 }];
  return vs.map((v, i) => {
    const tr = el('tr');
    const radio = el('input');
    radio.type = 'radio';
    radio.name = 'variant';
    radio.value = String(i);
    radio.checked = i === vs.length - 1 || (i === 0 && vs.length === 1);
    const td0 = el('td');
    td0.append(radio);
    const d = typeof v.duration === 'number' ? v.duration : dur;
    const size = v.bandwidth > 0 && d ? v.bandwidth * d / 8 : null;
    const enc = v.encrypted ?? p.encrypted;
    tr.append(td0,
      el('td', '', v.width ? `${v.width}×${v.height}` : (v.label ?? '—')),
      el('td', 'num', fmt.bitrate(v.bandwidth)),
      el('td', 'num', p.live ? 'live' : fmt.duration(d ?? -1)),
      el('td', 'num', size ? `≈ ${fmt.bytes(size)}` : '—'),
      el('td', '', enc === 'none' ? 'no' : enc === 'unknown' || enc === undefined ? '?' : `yes (${enc})`));
    tr.addEventListener('click', () => { radio.checked = true; });
    return tr;
  });
}

async function check(e) {
  e.preventDefault();
  const url = $('add-url').value.trim();
  flash('Asking the NAS what this playlist holds…');
  $('add-check').disabled = true;
  try {
    const p = await api.probe(url);
    state.probe = p;
    $('add-variants-body').replaceChildren(...variantRows(p));
    $('add-variants').hidden = false;
    flash(p.type === 'master' ? `${p.variants.length} variants: choose one.` : 'One stream (no variants).');
  } catch (err) {
    flash(`The NAS cannot use this URL: ${err.message}`, true);
  } finally {
    $('add-check').disabled = false;
  }
}

async function send() {
  const p = state.probe;
  const i = Number(document.querySelector('input[name=variant]:checked')?.value ?? 0);
  const v = p.variants?.[i];
  const body = { url: p.url };
  const title = $('add-title').value.trim();
  if (title)
    body.title = title;
  if (v && v.height)
    body.quality = `${v.height}p`;
  else if (v && v.bandwidth)
    body.quality = String(v.bandwidth);
  try {
    const r = await api.add(body);
    flash(r.status === 'pending' && r.job_id ? `Added: ${title || r.job_id}` : `Already in the queue (${r.status}).`);
    $('add-variants').hidden = true;
    $('add-form').reset();
    state.probe = null;
    reloadSoon();
  } catch (err) {
    flash(`Not added: ${err.message}`, true);
  }
}

export function init() {
  $('add-form').addEventListener('submit', check);
  $('add-send').addEventListener('click', send);
  $('add-cancel').addEventListener('click', () => {
    $('add-variants').hidden = true;
    state.probe = null;
    flash('');
  });
  for (const b of document.querySelectorAll('#filters button'))
    b.addEventListener('click', () => {
      for (const o of document.querySelectorAll('#filters button'))
        o.classList.toggle('on', o === b);
      state.filter = b.dataset.filter;
      state.offset = 0;
      load();
    });
  let t = null;
  $('search').addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(() => {
      state.q = $('search').value.trim();
      state.offset = 0;
      load();
    }, 200);
  });
  $('prev').addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - PAGE);
    load();
  });
  $('next').addEventListener('click', () => {
    state.offset += PAGE;
    load();
  });
  $('d-url-show').addEventListener('click', () => {
    state.showTokens = !state.showTokens;
    const j = state.rows.get(state.detailId)?.job;
    if (j)
      fillDetail(j);
    fillLog(state.detailId);
  });
  $('detail').addEventListener('close', () => { state.detailId = null; });
}
