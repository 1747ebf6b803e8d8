// screenshots.test.mjs — a test run writes nothing tracked: the harness's screenshot()
// leaves docs/screenshots/ alone unless TERMGATE_SCREENSHOTS names a folder (only
// scripts/screenshots sets it), and then writes there.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, newPage, ROOT, screenshot } from './harness.mjs';

const DOCS = join(ROOT, 'docs', 'screenshots');
const PROBE = 'probe-from-a-test.png';
// Where this run was asked to put screenshots (scripts/screenshots: docs/screenshots), if anywhere.
const SCREENSHOTS = process.env.TERMGATE_SCREENSHOTS ? resolve(process.env.TERMGATE_SCREENSHOTS) : null;
let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  // Should the harness ever write into docs/ again, leave the work tree as it was.
  rmSync(join(DOCS, PROBE), { force: true });
  if (SCREENSHOTS) rmSync(join(SCREENSHOTS, PROBE), { force: true });
});

/** Name, size and mtime of every file in `dir`. */
function listing(dir) {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const st = statSync(join(dir, name));
      return `${name} ${st.size} ${st.mtimeMs}`;
    });
}

test('screenshot() leaves docs/screenshots/ alone unless told to write there', async () => {
  const before = listing(DOCS);
  const page = await newPage(browser);
  await page.setContent('<p>probe</p>');
  await screenshot(page, PROBE);
  if (SCREENSHOTS !== DOCS) assert.deepEqual(listing(DOCS), before, 'a test run changed docs/screenshots/');
  await page.context().close();
});

test('with TERMGATE_SCREENSHOTS set, the screenshot lands there', async () => {
  // The harness reads the variable when it loads: check it in a fresh module instance.
  const dir = mkdtempSync(join(tmpdir(), 'termgate-shots-'));
  process.env.TERMGATE_SCREENSHOTS = dir;
  try {
    const harness = await import(`./harness.mjs?shots=${Date.now()}`);
    const page = await newPage(browser);
    await page.setContent('<p>probe</p>');
    await harness.screenshot(page, PROBE);
    assert.ok(readdirSync(dir).includes(PROBE), `no ${PROBE} in ${dir}`);
    await page.context().close();
  } finally {
    delete process.env.TERMGATE_SCREENSHOTS;
    rmSync(dir, { recursive: true, force: true });
  }
});
