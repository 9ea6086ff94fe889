// options.js - the options page: NAS address, API key, default quality,
// and "Test connection" (GET /api/health, then GET /api/status with the
// key) that says plainly what is wrong.

import {
  nasRequest, normalizeEndpoint, NasError, otherScheme, certificateUrl,
} from './lib/api.js';
import { loadSettings, saveSettings } from './lib/settings.js';
import { formatBytes } from './lib/format.js';

const $ = (sel) => document.querySelector(sel);

function show(text, level, kind = '') {
  const r = $('#result');
  r.hidden = false;
  r.textContent = text;
  r.className = `banner ${level}`;
  r.dataset.level = level;
  r.dataset.kind = kind;
}

// The link to open once to accept the NAS's self-signed certificate,
// shown for an https:// address (and for the https:// twin of an http://
// address that did not answer).
function showCertLink(url, why) {
  const box = $('#cert');
  box.hidden = !url;
  if (!url)
    return;
  const a = $('#cert-link');
  a.href = url;
  a.textContent = url;
  $('#cert-why').textContent = why;
}

function updateCertLink() {
  const ep = normalizeEndpoint($('#endpoint').value);
  const url = ep.endpoint ? certificateUrl(ep.endpoint) : null;
  showCertLink(url, 'If the NAS uses its own (self-signed) certificate, open this once and accept it (Advanced → Proceed):');
}

// The same address over the other scheme answers /api/health: the person
// typed the wrong one.  The sentence saying so, or null.
async function schemeHint(settings) {
  const other = otherScheme(settings.endpoint);
  if (!other)
    return null;
  try {
    const h = await nasRequest({ ...settings, endpoint: other }, 'GET', '/api/health', undefined,
      { auth: false, timeoutMs: 4000 });
    if (h && h.status === 'ok')
      return other.startsWith('https://')
        ? `This address speaks https, not http: the NAS answers at ${other}. Use that address.`
        : `This address speaks plain http, not https: the NAS answers at ${other}. Use that address.`;
  } catch {
    // the other scheme does not answer either
  }
  return null;
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
    if (e instanceof NasError && ['unreachable', 'timeout', 'protocol'].includes(e.kind)) {
      const hint = await schemeHint(settings);
      if (hint)
        return [hint, 'error', 'scheme'];
      if (settings.endpoint.startsWith('http://'))
        showCertLink(certificateUrl(otherScheme(settings.endpoint)),
          'Nothing answers over http here. If the NAS speaks https at this address, open this once and accept its certificate, then use the https:// address:');
    }
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
  updateCertLink();
  $('#endpoint').addEventListener('input', () => {
    // A result said of another address would mislead.
    $('#result').hidden = true;
    updateCertLink();
  });
  // Show the address as it will be used (scheme added) once typed.
  $('#endpoint').addEventListener('change', () => {
    const ep = normalizeEndpoint($('#endpoint').value);
    if (ep.endpoint)
      $('#endpoint').value = ep.endpoint;
    updateCertLink();
  });

  $('#form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = read();
    if (r.error)
      return show(r.error, 'error');
    await saveSettings(r.settings);
    $('#endpoint').value = r.settings.endpoint;
    updateCertLink();
    show('Saved.', 'ok');
  });

  $('#test').addEventListener('click', async () => {
    const r = read();
    if (r.error)
      return show(r.error, 'error');
    $('#test').disabled = true;
    $('#endpoint').value = r.settings.endpoint;
    updateCertLink();
    show('Testing…', 'warn');
    try {
      const [text, level, kind] = await testConnection(r.settings);
      show(text, level, kind);
    } finally {
      $('#test').disabled = false;
    }
  });
}

main();
