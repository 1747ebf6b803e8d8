// harness.mjs — shared helpers for the browser tests: start a real termgate server on
// port 0 with a fresh token/PIN and temp dirs, launch Debian's /usr/bin/chromium through
// playwright-core (never a downloaded browser), log in, read the terminal, take screenshots
// (only when asked: TERMGATE_SCREENSHOTS=dir, as scripts/screenshots does; a test run
// writes nothing into the work tree).
// A server may get extra flags, be exposed through the zrok fake (tests/fixtures/tunnel-bin),
// be stopped by a chosen signal, and have its stdout awaited (`share link …`, `public URL: …`).
// Nothing here skips: a missing binary or a browser that cannot start fails the test.

import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where screenshot() writes, or null (the default): a plain test run leaves docs/ alone. */
export const SCREENSHOTS = process.env.TERMGATE_SCREENSHOTS ? resolve(process.env.TERMGATE_SCREENSHOTS) : null;
const CHROMIUM = process.env.TERMGATE_CHROMIUM || '/usr/bin/chromium';
const START_TIMEOUT_MS = 20_000;
const TUNNEL_FAKES = join(ROOT, 'tests', 'fixtures', 'tunnel-bin');

/**
 * Start the server binary (target/debug/termgate, or $TERMGATE_BIN).
 * @param {Record<string,string>} [extraEnv] e.g. { TERMGATE_IDLE_TIMEOUT: '5' }
 * @param {{port?: number, args?: string[], zrok?: boolean}} [opts] port: a fixed one (to
 *   restart a server where a page expects it); args: more flags (e.g. ['--share', 'read-only']);
 *   zrok: expose it through the zrok fake (as tests/tunnel.rs does) and wait for its public URL
 * @returns {Promise<{url: string, publicUrl: string|null, token: string, pin: string, cwd: string,
 *   output: () => string, waitForOutput: (re: RegExp, timeout?: number) => Promise<RegExpMatchArray>,
 *   signal: (sig: string) => Promise<{code: number|null, signal: string|null}>, stop: () => Promise<void>}>}
 */
export async function startServer(extraEnv = {}, { port = 0, args = [], zrok = false } = {}) {
  const bin = process.env.TERMGATE_BIN || join(ROOT, 'target', 'debug', 'termgate');
  if (!existsSync(bin)) {
    throw new Error(`termgate binary not found at ${bin}: run \`cargo build\` first (or set TERMGATE_BIN)`);
  }
  const base = mkdtempSync(join(tmpdir(), 'termgate-browser-'));
  const cwd = join(base, 'work');
  const config = join(base, 'config');
  mkdirSync(cwd);
  mkdirSync(config);
  const token = randomBytes(16).toString('hex'); // 32 characters
  const pin = String(randomInt(100000, 1000000)) + String(randomInt(0, 10)); // 7 digits
  const env = {
    PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin',
    HOME: cwd,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    XDG_CONFIG_HOME: config,
    TERMGATE_TOKEN: token,
    TERMGATE_PIN: pin,
    SHELL: '/bin/bash',
    ...extraEnv,
  };
  const flags = ['--port', String(port), '--cwd', cwd, ...args];
  if (zrok) {
    // The fake zrok first on PATH, and a home that looks like `zrok enable` ran there.
    env.PATH = `${TUNNEL_FAKES}:${env.PATH}`;
    env.FAKE_TUNNEL_MODE ??= 'up';
    mkdirSync(join(cwd, '.zrok'));
    writeFileSync(join(cwd, '.zrok', 'environment.json'), '{}');
    flags.push('--zrok');
  }
  const child = spawn(bin, flags, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const outputWaiters = new Set(); // waitForOutput's checks, run on every stdout chunk

  const url = await new Promise((res, rej) => {
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      rej(new Error(`${why}\n--- server stdout ---\n${out}\n--- server stderr ---\n${err}`));
    };
    const timer = setTimeout(() => fail(`no "listening on http://..." line on stdout within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      for (const check of outputWaiters) check();
      const m = out.match(/listening on (https?:\/\/[^\s/]+)/);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.once('error', (e) => fail(`cannot start ${bin}: ${e.message}`));
    exited.then(({ code, signal }) => fail(`server exited early (code ${code}, signal ${signal})`));
  });

  /** Resolves with the first match of `re` in stdout so far or to come. */
  const waitForOutput = (re, timeout = START_TIMEOUT_MS) =>
    new Promise((res, rej) => {
      const check = () => {
        const m = out.match(re);
        if (!m) return;
        outputWaiters.delete(check);
        clearTimeout(timer);
        res(m);
      };
      const timer = setTimeout(() => {
        outputWaiters.delete(check);
        rej(new Error(`no ${re} on the server's stdout within ${timeout / 1000} s\n--- server stdout ---\n${out}\n--- server stderr ---\n${err}`));
      }, timeout);
      outputWaiters.add(check);
      check();
    });

  let publicUrl = null;
  if (zrok) {
    try {
      publicUrl = (await waitForOutput(/^public URL: (https:\/\/\S+)$/m))[1];
    } catch (e) {
      child.kill('SIGTERM'); // termgate ends the fake's process group too
      throw e;
    }
  }

  return {
    url,
    publicUrl,
    token,
    pin,
    cwd,
    output: () => `--- server stdout ---\n${out}\n--- server stderr ---\n${err}`,
    waitForOutput,
    /** Send `sig` (e.g. 'SIGKILL': no close frames) and wait for the exit. */
    async signal(sig) {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      return exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Launch headless Chromium; throws (test fails) when it cannot start. */
/** A suite's fixtures: a fresh server (with `extraEnv`) and a browser. */
export async function openSuite(extraEnv = {}) {
  const server = await startServer(extraEnv);
  const browser = await launchBrowser();
  return { server, browser };
}

/** Ends what `openSuite` started (either may be missing if a start failed). */
export async function closeSuite(server, browser) {
  await browser?.close();
  await server?.stop();
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run scripts/install-test-deps`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new page that records CSP violations and page errors (see assertClean).
 * @param {import('playwright-core').Browser} browser
 * @param {object} [contextOptions] e.g. { viewport, isMobile, hasTouch }
 */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 }, ...contextOptions });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
      page.problems.push(`console: ${msg.text()}`);
    }
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return page;
}

/** Every text frame on the page's terminal sockets, both ways, with the socket it was on. */
export function recordFrames(page) {
  const frames = [];
  const waiters = new Set();
  const note = (socket, dir, payload) => {
    if (typeof payload !== 'string') return;
    let msg = null;
    try {
      msg = JSON.parse(payload);
    } catch {
      return;
    }
    frames.push({ socket, dir, msg });
    for (const w of waiters) w();
  };
  page.on('websocket', (ws) => {
    if (!/\/api\/terminals\/[^/]+\/ws(\?|$)/.test(ws.url())) return; // the query: the size
    ws.on('framesent', (f) => note(ws, 'sent', f.payload));
    ws.on('framereceived', (f) => note(ws, 'received', f.payload));
  });
  /** Resolves with the frames once `pred(frames)` holds. */
  frames.until = (pred, what, timeout = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(frames)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(frames);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`never saw ${what}; frames: ${JSON.stringify(frames.map((f) => [f.dir, f.msg]))}`));
      }, timeout);
      waiters.add(check);
      check();
    });
  return frames;
}

/** Fail on any CSP violation or uncaught page error seen so far. */
export async function assertClean(page) {
  const violations = await page.evaluate(() => window.__violations || []).catch(() => []);
  const all = [...page.problems, ...violations];
  if (all.length) throw new Error(`page problems:\n${all.join('\n')}`);
}

/** The phone layout the security flows also run on: 390×844, touch. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/**
 * Fail when anything sticks out sideways: the page scrolls wider than the screen
 * (`document.documentElement.scrollWidth > innerWidth`), an open dialog scrolls inside, or a
 * visible element of one ends past the screen's edge (clipped: a modal dialog's overflow
 * widens no page). `what` names the step in the message, with the first offenders.
 */
export async function assertNoSideways(page, what) {
  const seen = await page.evaluate(() => {
    const width = window.innerWidth;
    const dialogs = [...document.querySelectorAll('dialog[open]')];
    const name = (el) => el.id || `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
    const past = dialogs.flatMap((d) =>
      [d, ...d.querySelectorAll('*')]
        .filter((el) => {
          const box = el.getBoundingClientRect();
          return box.width > 0 && box.height > 0 && (box.right > width + 0.5 || box.left < -0.5);
        })
        .map(name),
    );
    const scrolling = dialogs.filter((d) => d.scrollWidth > d.clientWidth).map(name);
    return { pageWidth: document.documentElement.scrollWidth, width, scrolling, past: past.slice(0, 5) };
  });
  const ok = seen.pageWidth <= seen.width && !seen.scrolling.length && !seen.past.length;
  if (!ok) throw new Error(`${what}: something is wider than the ${seen.width} px screen: ${JSON.stringify(seen)}`);
}

/** Fill and submit the login form. */
export async function submitLogin(page, token, pin) {
  await page.locator('#login-token').fill(token);
  await page.locator('#login-pin').fill(pin);
  await page.locator('#login-submit').click();
}

/** Open the app and log in; resolves when a terminal tab is live. */
export async function login(page, server) {
  await page.goto(server.url + '/');
  await page.locator('#login-form').waitFor({ state: 'visible' });
  await submitLogin(page, server.token, server.pin);
  await waitLive(page);
}

/**
 * Open the drop-down that holds the session controls (#time-left, #phone-login-open,
 * #logout, #logout-all): the account menu on a wide screen, ☰ on a phone.
 */
export async function openAccountMenu(page) {
  const toggle = page.locator((await page.locator('#account-toggle').isVisible()) ? '#account-toggle' : '#menu-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
}

/** Wait until the active tab's socket has said hello and a prompt is on screen. */
export async function waitLive(page, timeout = 15_000) {
  await page.waitForFunction(() => window.__termgate?.activeStatus() === 'live', null, { timeout });
  await page.waitForFunction(() => /[$#] ?$/m.test(window.__termgate.activeText()), null, { timeout });
}

/** The active terminal's whole buffer as text. */
export function screenText(page) {
  return page.evaluate(() => window.__termgate.activeText());
}

/**
 * `fetch(path, init)` from the page, as the page's own requests go: its cookie and its
 * session's proof (the header api.js adds). Resolves to `{ status, body }` (body: parsed JSON or null).
 */
export const pageFetch = (page, path, init = {}) =>
  page.evaluate(
    async ([p, i]) => {
      const headers = { ...window.__termgate.proofHeaders(), ...(i.headers || {}) };
      const r = await fetch(p, { ...i, headers });
      const text = await r.text();
      let body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      return { status: r.status, body };
    },
    [path, init],
  );

/** The body of `GET path` asked from the page (see pageFetch). */
export const pageJson = async (page, path) => (await pageFetch(page, path)).body;

/** The terminals as `GET api/terminals` lists them, asked from the page. */
export const listTerminals = async (page) => (await pageJson(page, 'api/terminals')).terminals;

/** Poll the API (the server reads the PTY when asked) until terminal `id`'s busy is `want`. */
export async function waitBusy(page, id, want, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let seen;
  for (;;) {
    seen = (await listTerminals(page)).find((t) => t.id === id)?.busy;
    if (seen === want || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100)); // a poll interval, not a synchronisation
  }
  if (seen !== want) throw new Error(`terminal ${id}: busy never became ${JSON.stringify(want)} (last ${JSON.stringify(seen)})`);
}

/** Wait until the active terminal's text matches `re`; the error shows the screen. */
export async function waitForScreen(page, re, timeout = 10_000) {
  try {
    await page.waitForFunction((src) => new RegExp(src, 'm').test(window.__termgate.activeText()), re.source, { timeout, polling: 100 });
  } catch (e) {
    const text = await screenText(page).catch(() => '<unreadable>');
    throw new Error(`screen never matched ${re}:\n----\n${text}\n----`);
  }
}

/** Type a command line into the focused terminal and press Enter. */
export async function run(page, command) {
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

/** Save `name` (e.g. 'login.png') into $TERMGATE_SCREENSHOTS; a no-op when it is unset. */
export async function screenshot(page, name) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name) });
}
