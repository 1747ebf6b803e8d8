// security-reauth.test.mjs — the one re-authentication prompt (reauth.js): with the window
// closed (--reauth-window 0s: every sensitive action asks), locking a tab from the top bar
// gets `reauth_required`, the prompt appears, a wrong PIN keeps it open with the error and
// logs nobody out, the right one retries the call once and the tab is locked (the padlock in
// the tab strip); Cancel changes nothing. With the default window a fresh login locks
// without a prompt (the login just asked for the PIN).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { assertClean, launchBrowser, listTerminals, login, newPage, openAccountMenu, startServer } from './harness.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

let browser;

/** Serious or critical axe violations on the page, as text (empty when none). */
async function axeProblems(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return violations.join('\n');
}

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Every call to the lock route the page makes, with the body it sent. */
function lockCalls(page) {
  const calls = [];
  page.on('request', (req) => {
    if (/\/api\/terminals\/[^/]+\/lock$/.test(req.url())) calls.push(JSON.parse(req.postData() || '{}'));
  });
  return calls;
}

test('outside the window a sensitive action asks for the PIN, then retries once', async () => {
  const server = await startServer({ TERMGATE_REAUTH_WINDOW: '0s' });
  const page = await newPage(browser);
  try {
    await login(page, server);
    const calls = lockCalls(page);
    const prompt = page.locator('#pin-dialog');
    await page.locator('#tab-lock').click();
    await prompt.waitFor({ state: 'visible' });
    assert.equal(await page.locator('#pin-title').textContent(), 'Confirm it is you');
    assert.equal(await page.locator('#pin-code-row').isVisible(), false, 'a code asked while two-step login is off');
    await page.locator('#pin-input').fill('000000');
    await page.keyboard.press('Enter');
    await page.locator('#pin-error').filter({ hasText: 'Wrong PIN.' }).waitFor();
    assert.ok(await prompt.isVisible(), 'the prompt stays open on a wrong PIN');
    assert.equal(await axeProblems(page), '', 'axe with the prompt open');
    assert.ok(await page.locator('#workspace').isVisible(), 'a wrong PIN logged the page out');
    await page.locator('#pin-input').fill(server.pin);
    await page.keyboard.press('Enter');
    await prompt.waitFor({ state: 'hidden' });
    await page.locator('#tab-lock .label').filter({ hasText: 'Unlock tab' }).waitFor();
    await page.locator('#tabs .tab.locked .lock-mark').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#tabs .tab.locked .size-mark').isVisible(), false, 'the size mark shows for a tab lock');
    const [tab] = await listTerminals(page);
    assert.equal(tab.locked, true);
    // The first call went without factors; each retry carried the PIN typed then.
    assert.deepEqual(calls, [
      { locked: true },
      { locked: true, pin: '000000' },
      { locked: true, pin: server.pin },
    ]);

    // Cancel: nothing changes, and the page stays.
    await page.locator('#tab-lock').click();
    await prompt.waitFor({ state: 'visible' });
    await page.locator('#pin-cancel').click();
    await prompt.waitFor({ state: 'hidden' });
    assert.equal((await listTerminals(page))[0].locked, true, 'a cancelled prompt unlocked the tab');
    assert.equal(await page.locator('#tab-lock .label').textContent(), 'Unlock tab');
    assert.ok(await page.locator('#workspace').isVisible());
    await assertClean(page);
  } finally {
    await page.context().close();
    await server.stop();
  }
});

test('inside the window (a fresh login) the same action asks nothing', async () => {
  const server = await startServer();
  const page = await newPage(browser);
  try {
    await login(page, server);
    const calls = lockCalls(page);
    await page.locator('#tab-lock').click();
    await page.locator('#tabs .tab.locked .lock-mark').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#pin-dialog').isVisible(), false);
    assert.deepEqual(calls, [{ locked: true }]);
    await page.locator('#tab-lock').click();
    await page.locator('#tab-lock .label').filter({ hasText: 'Lock tab' }).waitFor();
    assert.equal((await listTerminals(page))[0].locked, false);
    await assertClean(page);
  } finally {
    await page.context().close();
    await server.stop();
  }
});

test('the prompt on the phone layout (390 px), light and dark', async () => {
  const server = await startServer({ TERMGATE_REAUTH_WINDOW: '0s' });
  try {
    for (const colorScheme of ['light', 'dark']) {
      const page = await newPage(browser, { ...PHONE, colorScheme });
      try {
        await login(page, server);
        // On a phone the lock is in the ☰ menu.
        await openAccountMenu(page);
        await page.locator('#tab-lock').click();
        const prompt = page.locator('#pin-dialog');
        await prompt.waitFor({ state: 'visible' });
        const box = await prompt.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the prompt overflows: ${JSON.stringify(box)}`);
        assert.equal(await axeProblems(page), '', `axe with the prompt open (${colorScheme})`);
        await page.locator('#pin-input').fill(server.pin);
        await page.keyboard.press('Enter');
        await prompt.waitFor({ state: 'hidden' });
        await page.locator('#tabs .tab.locked .lock-mark').waitFor({ state: 'visible' });
        await openAccountMenu(page);
        await page.locator('#tab-lock').click();
        await prompt.waitFor({ state: 'visible' });
        await page.locator('#pin-input').fill(server.pin);
        await page.keyboard.press('Enter');
        await page.locator('#tabs .tab.locked').waitFor({ state: 'detached' });
        await assertClean(page);
      } finally {
        await page.context().close();
      }
    }
  } finally {
    await server.stop();
  }
});
