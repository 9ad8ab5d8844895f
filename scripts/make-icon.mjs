// Renders the extension's icon (media/icon.png, 256×256, for the extension details page and the
// gallery) from the activity-bar glyph (media/session-tree.svg) in Chromium, so the two never drift.
//   node scripts/make-icon.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const glyph = readFileSync(path.join(root, 'media', 'session-tree.svg'), 'utf8')
  .replace(/<!--[\s\S]*?-->/g, '')
  .replace('width="24" height="24"', 'width="176" height="176"')
  .replace('stroke="currentColor"', 'stroke="#ffffff"');
const html = `<html><body style="margin:0;background:transparent">
<div style="width:256px;height:256px;border-radius:48px;background:linear-gradient(135deg,#2b7a68,#164a63);display:flex;align-items:center;justify-content:center">${glyph}</div>
</body></html>`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 256, height: 256 } });
  await page.setContent(html);
  const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: 256, height: 256 } });
  writeFileSync(path.join(root, 'media', 'icon.png'), png);
  console.log(`media/icon.png: ${png.length} bytes`);
} finally {
  await browser.close();
}
