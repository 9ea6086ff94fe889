// settings.js - where the extension keeps its settings: the NAS address
// and default quality in chrome.storage.sync (they follow the person to
// their other browsers), the API key in chrome.storage.local (a secret
// stays on this machine).

export const DEFAULT_QUALITY = 'best';

// loadSettings - {endpoint, key, quality}; empty strings when unset.
export async function loadSettings() {
  const [sync, local] = await Promise.all([
    chrome.storage.sync.get({ endpoint: '', quality: DEFAULT_QUALITY }),
    chrome.storage.local.get({ apiKey: '' }),
  ]);
  return { endpoint: sync.endpoint, quality: sync.quality || DEFAULT_QUALITY, key: local.apiKey };
}

// saveSettings - store {endpoint, key, quality} (already validated).
export async function saveSettings(s) {
  await Promise.all([
    chrome.storage.sync.set({ endpoint: s.endpoint, quality: s.quality || DEFAULT_QUALITY }),
    chrome.storage.local.set({ apiKey: s.key }),
  ]);
}
