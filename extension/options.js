// options.js - the options page: NAS address, API key, default quality,
// and "Test connection" (GET /api/health, then GET /api/status with the
// key) that says plainly what is wrong.

import { nasRequest, normalizeEndpoint, NasError } from './lib/api.js';
import { loadSettings, saveSettings } from './lib/settings.js';
import { formatBytes } from './lib/format.js';

const $ = (sel) => document.querySelector(sel);

function show(text, level) {
  const r = $('#result');
  r.hidden = false;
  r.textContent = text;
  r.className = `banner ${level}`;
  r.dataset.level = level;
}

// The form's values, checked: {settings} or {error}.
function read() {
  const ep = normalizeEndpoint($('#endpoint').value);
  if (ep.error)
    return { error: ep.error };
  const key = $('#key').value.trim();
  if (!key)
    return { error: 'Enter the API key.' };
  return { settings: { endpoint: ep.endpoint, key, quality: $('#quality').value } };
}

// testConnection - the sentence for what GET /api/health and /api/status
// say about these settings, and its level ("ok", "warn", "error").
async function testConnection(settings) {
  let health;
  try {
    health = await nasRequest(settings, 'GET', '/api/health', undefined, { auth: false });
  } catch (e) {
    return [e.message, 'error'];
  }
  if (!health || health.status !== 'ok')
    return [`${settings.endpoint} answered, but not as an m3u8nas endpoint.`, 'error'];
  let st;
  try {
    st = await nasRequest(settings, 'GET', '/api/status');
  } catch (e) {
    if (e instanceof NasError && e.kind === 'auth')
      return [`Wrong API key: the NAS (m3u8nas ${health.version || ''}) refused it (401).`, 'error'];
    return [e.message, 'error'];
  }
  const disk = st.disk ? `, ${formatBytes(st.disk.free_bytes)} free` : '';
  const facts = `Queue: ${st.queue_length ?? 0} waiting, ${st.active ?? 0} downloading${disk}.`;
  if (!st.spooler_alive)
    return [`Connected to m3u8nas ${st.version || ''}, key accepted, but the spooler is not running: jobs will wait until it starts.\n${facts}`, 'warn'];
  return [`Connected to m3u8nas ${st.version || ''}: key accepted, spooler running.\n${facts}`, 'ok'];
}

async function main() {
  const s = await loadSettings();
  $('#endpoint').value = s.endpoint;
  $('#key').value = s.key;
  $('#quality').value = s.quality;

  $('#form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = read();
    if (r.error)
      return show(r.error, 'error');
    await saveSettings(r.settings);
    $('#endpoint').value = r.settings.endpoint;
    show('Saved.', 'ok');
  });

  $('#test').addEventListener('click', async () => {
    const r = read();
    if (r.error)
      return show(r.error, 'error');
    $('#test').disabled = true;
    show('Testing…', 'warn');
    try {
      const [text, level] = await testConnection(r.settings);
      show(text, level);
    } finally {
      $('#test').disabled = false;
    }
  });
}

main();
