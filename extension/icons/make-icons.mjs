// make-icons.mjs - draw the extension's icons (icon16/32/48/128.png) from
// icon.svg with headless Chromium, transparent background.  The PNGs are
// committed; run this only after changing icon.svg:
//   node extension/icons/make-icons.mjs   (needs `npm ci` in extension/)
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const dir = dirname(fileURLToPath(import.meta.url));
const svg = readFileSync(join(dir, 'icon.svg'), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu'],
  headless: false,
});
try {
  const page = await browser.newPage();
  for (const size of [16, 32, 48, 128]) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" style="display:block" `)}</body>`);
    await page.screenshot({ path: join(dir, `icon${size}.png`), omitBackground: true });
  }
} finally {
  await browser.close();
}
