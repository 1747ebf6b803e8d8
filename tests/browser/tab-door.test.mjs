// tab-door.test.mjs — a locked tab's door in the page (tab-door.js): the owner locks the
// tab from the top bar, reloads, and the tab's pane shows the door (nothing of the
// terminal, the socket not live); a wrong PIN says so at the door, the right one lets the
// socket in and the terminal works. The same on the phone layout (390×844, touch), and
// axe finds no serious or critical violation at the door, in the light and dark themes.
// Another open page of the owner follows a lock and an unlock at once, its view open.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { assertClean, launchBrowser, login, newPage, pageFetch, run, startServer, waitForScreen, waitLive } from './harness.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

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

/** Reload and wait at the door; checks nothing of the tab came and the socket is not live. */
async function reloadToDoor(page) {
  await page.reload();
  const door = page.locator('.pane:not([hidden]) .tab-door');
  await door.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match(await door.locator('h2').textContent(), /is locked$/);
  assert.notEqual(await page.evaluate(() => window.__termgate.activeStatus()), 'live');
  assert.equal((await page.evaluate(() => window.__termgate.activeText())).trim(), '', 'the tab showed through the door');
  return door;
}

async function unlockAtDoor(page, door) {
  await door.locator('input[type="password"]').fill('000000');
  await door.locator('button[type="submit"]').click();
  await door.locator('[role="alert"]').filter({ hasText: 'Wrong PIN or code.' }).waitFor();
  assert.ok(await door.isVisible(), 'a wrong PIN opened the door');
  await door.locator('input[type="password"]').fill(server.pin);
  await page.keyboard.press('Enter');
  await door.waitFor({ state: 'hidden' });
  await waitLive(page);
}

for (const [layout, options] of [['wide', {}], ['phone', PHONE]]) {
  test(`a locked tab's door after a reload (${layout} layout)`, async () => {
    for (const colorScheme of ['light', 'dark']) {
      const page = await newPage(browser, { ...options, colorScheme });
      try {
        await login(page, server);
        if (layout === 'wide') {
          await page.locator('#tab-lock').click();
        } else {
          // The phone's top bar has no room for it: the same route the button calls.
          const [tab] = (await pageFetch(page, 'api/terminals')).body.terminals;
          const locked = await pageFetch(page, `api/terminals/${tab.id}/lock`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ locked: true }),
          });
          assert.equal(locked.status, 200, JSON.stringify(locked.body));
        }
        const door = await reloadToDoor(page);
        await page.locator('#tabs .tab.locked .lock-mark').first().waitFor({ state: 'visible' });
        assert.equal(await door.locator('.tab-door-row').nth(1).isVisible(), false, 'a code asked while two-step login is off');
        const box = await door.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= (options.viewport?.width ?? 1100), `the door overflows: ${JSON.stringify(box)}`);
        assert.equal(await axeProblems(page), '', `axe at the door (${layout}, ${colorScheme})`);
        await unlockAtDoor(page, door);
        await run(page, 'echo door-$((20+22))');
        await waitForScreen(page, /door-42/);
        // Unlock for the next round (the window the login opened is still open).
        const [tab] = (await pageFetch(page, 'api/terminals')).body.terminals;
        await pageFetch(page, `api/terminals/${tab.id}/lock`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ locked: false }),
        });
        await assertClean(page);
      } finally {
        await page.context().close();
      }
    }
  });
}

test('another open page follows the tab lock without a reload, and its view stays', async () => {
  const locker = await newPage(browser);
  const other = await newPage(browser);
  try {
    await login(locker, server);
    await login(other, server);
    const padlock = other.locator('#tab-lock');
    assert.equal(await padlock.getAttribute('aria-pressed'), 'false');
    await locker.locator('#tab-lock').click();
    await other.locator('#tabs .tab.locked .lock-mark').first().waitFor({ state: 'visible' });
    await other.locator('#tab-lock[aria-pressed="true"]').waitFor();
    assert.equal(await padlock.locator('.label').textContent(), 'Unlock tab');
    // Its view was open before the lock: it stays, and still types.
    await run(other, 'echo still-$((40+2))');
    await waitForScreen(other, /still-42/);
    await locker.locator('#tab-lock').click();
    await other.locator('#tab-lock[aria-pressed="false"]').waitFor();
    assert.equal(await other.locator('#tabs .tab.locked').count(), 0, 'the other page still shows the tab locked');
    await assertClean(other);
  } finally {
    await locker.context().close();
    await other.context().close();
  }
});
