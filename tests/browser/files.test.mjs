// files.test.mjs — the file panel and the editor: open a file from the tree, edit, save with
// Ctrl+S; a save after the file changed on disk shows both versions and writes the chosen
// one; a file changed on disk behind an open editor is noticed (Reload, or both versions on
// save); a file dropped on the terminal is uploaded where the shell is, its quoted path typed;
// unsaved edits survive a reload; new folder, upload and "open a terminal here";
// and with --terminal-only there is no file panel at all.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertClean, closeSuite, login, newPage, openSuite, pageFetch, pageJson, run, screenshot, screenText, startServer, waitForScreen, waitLive } from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  ({ server, browser } = await openSuite());
  mkdirSync(join(server.cwd, 'src'));
  writeFileSync(join(server.cwd, 'src', 'main.rs'), 'fn main() {\n    println!("hello");\n}\n');
  writeFileSync(join(server.cwd, 'notes.md'), '# Notes\n\nfirst line\n');
  page = await newPage(browser, { viewport: { width: 1280, height: 760 } });
  await login(page, server);
});

after(() => closeSuite(server, browser));

const disk = (rel) => readFileSync(join(server.cwd, rel), 'utf8');
const item = (path) => page.locator(`#files [role="treeitem"][data-path="${path}"] > .tree-row`);
const editorIs = (path) => page.waitForFunction((p) => window.__termgate.editorPath() === p, path);
const saved = () => page.waitForFunction(() => window.__termgate.editorPath() && !window.__termgate.editorDirty());

/** Move the editor's cursor to the end of the document and type. */
async function typeAtEnd(text) {
  await page.locator('#editor .editor-host .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

test('open a file from the tree, edit, save with Ctrl+S', async () => {
  await page.locator('#files').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#files-toggle').getAttribute('aria-expanded'), 'true');
  await item('src').click();
  await item('src/main.rs').waitFor();
  await item('notes.md').click();
  await editorIs('notes.md');
  await typeAtEnd('second line\n');
  await page.locator('#editor .editor-dirty').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => window.__termgate.editorDirty()), true);
  await page.keyboard.press('Control+s');
  await saved();
  assert.equal(disk('notes.md'), '# Notes\n\nfirst line\nsecond line\n');
  assert.equal(await page.locator('#editor .editor-dirty').isVisible(), false);

  await item('src/main.rs').click();
  await editorIs('src/main.rs');
  await page.locator('#editor .cm-content').filter({ hasText: 'println!' }).waitFor();
  await page.locator('.xterm-helper-textarea').first().focus();
  await run(page, 'ls src');
  await waitForScreen(page, /^main\.rs$/);
  await screenshot(page, 'workspace.png');
  await assertClean(page);
});

test('a save over a changed file shows both versions; the chosen one is written', async () => {
  await item('notes.md').click();
  await editorIs('notes.md');
  writeFileSync(join(server.cwd, 'notes.md'), 'rewritten on disk\n');
  await typeAtEnd('mine\n');
  await page.keyboard.press('Control+s');
  const conflict = page.locator('#editor .conflict');
  await conflict.waitFor({ state: 'visible' });
  await conflict.locator('.cm-merge-a .cm-content').filter({ hasText: 'mine' }).waitFor();
  await conflict.locator('.cm-merge-b .cm-content').filter({ hasText: 'rewritten on disk' }).waitFor();
  await conflict.getByRole('button', { name: 'Keep mine' }).click();
  await conflict.waitFor({ state: 'hidden' });
  await saved();
  assert.equal(disk('notes.md'), '# Notes\n\nfirst line\nsecond line\nmine\n');

  // Again, and this time take the disk version.
  writeFileSync(join(server.cwd, 'notes.md'), 'theirs wins\n');
  await typeAtEnd('lost edit\n');
  await page.keyboard.press('Control+s');
  await conflict.waitFor({ state: 'visible' });
  await conflict.getByRole('button', { name: 'Use the disk version' }).click();
  await conflict.waitFor({ state: 'hidden' });
  await saved();
  assert.equal(await page.evaluate(() => window.__termgate.editorText()), 'theirs wins\n');
  assert.equal(disk('notes.md'), 'theirs wins\n');
  await assertClean(page);
});

test('an open file changed on disk is noticed: Reload when unmodified, both versions on save when not', async () => {
  const notice = page.locator('#editor .editor-changed');
  /** The page looks at the disk when it gets focus; resolves once that answer arrived. */
  const poll = async () => {
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/files/version');
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    await answered;
  };
  writeFileSync(join(server.cwd, 'watched.txt'), 'first\n');
  await page.locator('#files').getByRole('button', { name: 'Refresh', exact: true }).click();
  await item('watched.txt').click();
  await editorIs('watched.txt');
  // Nothing changed yet: no notice.
  await poll();
  assert.equal(await notice.isVisible(), false, 'a notice for a file nobody changed');

  writeFileSync(join(server.cwd, 'watched.txt'), 'changed behind the editor\n');
  await poll();
  await notice.filter({ hasText: '“watched.txt” changed on disk.' }).waitFor();
  // Non-modal: the editor still takes typing focus and its text is untouched until asked.
  assert.equal(await page.evaluate(() => window.__termgate.editorText()), 'first\n');
  await notice.getByRole('button', { name: 'Reload' }).click();
  await page.waitForFunction(() => window.__termgate.editorText() === 'changed behind the editor\n');
  await notice.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => window.__termgate.editorDirty()), false);

  // Modified in the editor, then changed on disk: no Reload, the save shows both.
  await typeAtEnd('my edit\n');
  writeFileSync(join(server.cwd, 'watched.txt'), 'changed again\n');
  await poll();
  await notice.filter({ hasText: '“watched.txt” changed on disk: saving will show both versions.' }).waitFor();
  assert.equal(await notice.getByRole('button', { name: 'Reload' }).count(), 0);
  await page.keyboard.press('Control+s');
  const conflict = page.locator('#editor .conflict');
  await conflict.waitFor({ state: 'visible' });
  await conflict.locator('.cm-merge-b .cm-content').filter({ hasText: 'changed again' }).waitFor();
  await conflict.getByRole('button', { name: 'Keep mine' }).click();
  await saved();
  await notice.waitFor({ state: 'hidden' });
  assert.equal(disk('watched.txt'), 'changed behind the editor\nmy edit\n');
  // Its own save is no change on disk.
  await poll();
  assert.equal(await notice.isVisible(), false, 'the editor\'s own save was noticed as a change');
  await page.locator('#editor').getByRole('button', { name: 'Close the editor' }).click();
  await item('notes.md').click();
  await editorIs('notes.md');
  await assertClean(page);
});

test('unsaved edits survive a reload', async () => {
  await typeAtEnd('draft text');
  await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('termgate.draft.notes.md') || 'null')?.text.includes('draft text'));
  await page.reload();
  await waitLive(page);
  await editorIs('notes.md');
  await page.locator('#notice').filter({ hasText: 'Restored unsaved changes to “notes.md”' }).waitFor();
  assert.equal(await page.evaluate(() => window.__termgate.editorText()), 'theirs wins\ndraft text');
  assert.equal(await page.evaluate(() => window.__termgate.editorDirty()), true);
  assert.equal(disk('notes.md'), 'theirs wins\n');
  await page.locator('#files [role="treeitem"][data-path="notes.md"].dirty').waitFor();
  await page.keyboard.press('Control+s');
  await saved();
  assert.equal(disk('notes.md'), 'theirs wins\ndraft text');
  await assertClean(page);
});

test('new folder, upload into it, open a terminal there', async () => {
  await page.locator('#files').getByRole('button', { name: 'New folder' }).click();
  await page.locator('#ask-input').fill('made');
  await page.locator('#ask-confirm').click();
  await item('made').waitFor();
  assert.ok(existsSync(join(server.cwd, 'made')));
  await page.waitForFunction(() => document.querySelector('#files [data-path="made"]')?.getAttribute('aria-selected') === 'true');

  await page.locator('#files input[type="file"]').setInputFiles({ name: 'up.txt', mimeType: 'text/plain', buffer: Buffer.from('uploaded\n') });
  await item('made/up.txt').waitFor();
  assert.equal(disk('made/up.txt'), 'uploaded\n');

  await item('made').click();
  await page.locator('#files').getByRole('button', { name: 'Open a terminal here' }).click();
  await page.waitForFunction(() => window.__termgate.tabTitles().length === 2);
  await waitLive(page);
  await run(page, 'pwd');
  await waitForScreen(page, /\/made$/);
  await assertClean(page);
});

test('drag and drop moves a file into a folder', async () => {
  const made = page.locator('#files [data-path="made"]');
  if ((await made.getAttribute('aria-expanded')) !== 'true') await item('made').click();
  await item('made/up.txt').dragTo(item('src'));
  await item('src/up.txt').waitFor();
  assert.ok(existsSync(join(server.cwd, 'src', 'up.txt')));
  assert.ok(!existsSync(join(server.cwd, 'made', 'up.txt')));
  await assertClean(page);
});

test('a file dropped on the terminal lands in the shell\'s folder and its quoted path is typed', async () => {
  await page.locator('#panes .pane:not([hidden]) .xterm-helper-textarea').focus();
  await run(page, "cd \"$HOME\" && mkdir -p 'drop zone' && cd 'drop zone' && echo in-$((2+2))");
  await waitForScreen(page, /^in-4$/);
  /** Drop a file (made in the page, as the desktop would hand it over) on the terminal. */
  const dropFile = async (name, text) => {
    const dt = await page.evaluateHandle(([n, t]) => {
      const data = new DataTransfer();
      data.items.add(new File([t], n, { type: 'text/plain' }));
      return data;
    }, [name, text]);
    const target = page.locator('#panes .pane:not([hidden]) .xterm-screen');
    await target.dispatchEvent('dragover', { dataTransfer: dt });
    await target.dispatchEvent('drop', { dataTransfer: dt });
  };
  const name = "it's here.txt";
  await dropFile(name, 'hello drop\n');
  await page.locator('#notice').filter({ hasText: `Uploaded “${name}” to “drop zone”.` }).waitFor();
  assert.equal(disk(`drop zone/${name}`), 'hello drop\n');
  // Typed at the prompt, quoted for the shell, and not run (no Enter).
  await waitForScreen(page, /[$#] 'it'\\''s here\.txt'$/);
  const lastLine = (await screenText(page)).trimEnd().split('\n').at(-1);
  assert.match(lastLine, /[$#] 'it'\\''s here\.txt'$/, 'the path was run, or more was typed');
  // The shell reads it as one word naming the file.
  await page.keyboard.press('Home');
  await page.keyboard.type('cat ');
  await page.keyboard.press('Enter');
  await waitForScreen(page, /^hello drop$/);

  // Outside the root: into the root, and nothing typed (no name there would resolve).
  await run(page, 'cd / && echo out-$((3+3))');
  await waitForScreen(page, /^out-6$/);
  await dropFile('outside.txt', 'to the root\n');
  await page.locator('#notice').filter({ hasText: 'Uploaded “outside.txt” to the file root; the shell is outside it, so no path was typed.' }).waitFor();
  assert.equal(disk('outside.txt'), 'to the root\n');
  await run(page, 'echo typed-$((4+4))');
  await waitForScreen(page, /^typed-8$/);
  assert.match(await screenText(page), /[$#] echo typed-\$\(\(4\+4\)\)$/m, 'something was typed before the command');
  await assertClean(page);
});

test('phone: the panel is a drawer; a file opens over the terminal', async () => {
  const phone = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    await login(phone, server);
    const toggle = phone.locator('#files-toggle');
    await toggle.waitFor({ state: 'visible' });
    assert.equal(await phone.locator('#files').isVisible(), false, 'the drawer starts open on a phone');
    await toggle.tap();
    await phone.locator('#files-backdrop').waitFor({ state: 'visible' });
    await phone.locator('#files [data-path="notes.md"] > .tree-row').tap();
    await phone.waitForFunction(() => window.__termgate.editorPath() === 'notes.md');
    assert.equal(await phone.locator('#files').isVisible(), false, 'the drawer stayed open');
    assert.equal(await phone.locator('#panes').isVisible(), false, 'the editor does not cover the terminal');
    await phone.locator('#editor').getByRole('button', { name: 'Close the editor' }).tap();
    await phone.locator('#panes').waitFor({ state: 'visible' });
    await assertClean(phone);
  } finally {
    await phone.context().close();
  }
});

test('--terminal-only: no file panel', async () => {
  const only = await startServer({ TERMGATE_TERMINAL_ONLY: 'true' });
  const p = await newPage(browser);
  try {
    await login(p, only);
    const session = await pageJson(p, '/auth/session');
    assert.equal(session.files, false);
    assert.equal(await p.locator('#files').isVisible(), false);
    assert.equal(await p.locator('#files-toggle').isVisible(), false);
    assert.equal((await pageFetch(p, '/api/files/list?path=')).status, 404);
    await assertClean(p);
  } finally {
    await p.context().close();
    await only.stop();
  }
});
