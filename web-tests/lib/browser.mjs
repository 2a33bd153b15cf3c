// Drives Debian's chromium (/usr/bin/chromium) through playwright-core for
// Rollcall's browser tests. Nothing here downloads a browser.
//
// Scenario scripts do not usually import this file: web-tests/run.mjs hands
// them its functions in `ctx` (see run.mjs).

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

/** The browser binary: Debian's package `chromium`. */
export const CHROMIUM_PATH = process.env.ROLLCALL_CHROMIUM || '/usr/bin/chromium';

/**
 * Chromium's flags. The background-networking ones matter here: without them
 * Chromium tries to reach outside hosts, which this machine and CI refuse.
 * The user-data dir is not among them: launch() passes a fresh temporary one.
 */
export const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
];

/** The sign-in form's selectors, used by signIn(). */
export const SIGN_IN = {
    form: 'form[action$="/sign-in"]',
    username: 'input[name=username]',
    password: 'input[name=password]',
    submit: 'button[type=submit], input[type=submit], button:not([type])',
};

/** How long one page action (click, fill, navigation) may take, in ms. */
export const ACTION_TIMEOUT_MS = 10_000;

/** How long expectText()/expectNoText() wait for the page to agree, in ms. */
export const EXPECT_TIMEOUT_MS = 5_000;

/** The window size of every page. */
export const VIEWPORT = { width: 1280, height: 800 };

const WEB_TESTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where screenshot() writes: $ROLLCALL_SCREENSHOTS, else web-tests/screenshots. */
export function screenshotsDir() {
    return path.resolve(process.env.ROLLCALL_SCREENSHOTS || path.join(WEB_TESTS_DIR, 'screenshots'));
}

/**
 * Starts Chromium with CHROMIUM_ARGS and a fresh, empty user-data dir (one
 * browser profile: its pages share cookies; launch again for a second
 * user). Returns `{browser, context, newPage(), close()}`; close() is safe to
 * call more than once and removes the user-data dir.
 */
export async function launch() {
    const userDataDir = await mkdtemp(path.join(tmpdir(), 'rollcall-chromium-'));
    let context;
    try {
        context = await chromium.launchPersistentContext(userDataDir, {
            executablePath: CHROMIUM_PATH,
            headless: true,
            args: CHROMIUM_ARGS,
            viewport: VIEWPORT,
            // run.mjs closes the browser on signals itself.
            handleSIGINT: false,
            handleSIGTERM: false,
            handleSIGHUP: false,
            timeout: 30_000,
        });
    } catch (error) {
        await rm(userDataDir, { recursive: true, force: true });
        throw error;
    }
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);

    // Chromium opens with one blank tab: the first newPage() uses it.
    let spare = context.pages()[0];
    let closing;

    async function newPage() {
        let page = spare;
        spare = undefined;
        if (!page || page.isClosed()) {
            page = await context.newPage();
        }
        page.on('pageerror', (error) => {
            console.error(`page error on ${page.url()}: ${error.message}`);
        });
        return page;
    }

    function close() {
        closing ??= (async () => {
            try {
                await context.close();
            } finally {
                await rm(userDataDir, { recursive: true, force: true });
            }
        })();
        return closing;
    }

    return { browser: context.browser(), context, newPage, close };
}

/**
 * Opens `${baseUrl}/sign-in`, fills the sign-in form and submits it, and
 * waits for the page that answers. It does not check that signing in
 * worked: follow it with expectText().
 */
export async function signIn(page, baseUrl, username, password) {
    await page.goto(`${baseUrl.replace(/\/+$/, '')}/sign-in`);
    const form = page.locator(SIGN_IN.form).first();
    await form.locator(SIGN_IN.username).fill(username);
    await form.locator(SIGN_IN.password).fill(password);
    const submit = form.locator(SIGN_IN.submit).first();
    const loaded = page.waitForEvent('load');
    loaded.catch(() => {}); // awaited below, unless submitting throws first
    if ((await submit.count()) > 0) {
        await submit.click();
    } else {
        await form.evaluate((element) => element.requestSubmit());
    }
    await loaded;
}

/**
 * Writes a PNG of the whole page to screenshotsDir()/<name> (".png" is added
 * when missing) and returns its path.
 */
export async function screenshot(page, name) {
    const dir = screenshotsDir();
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, name.endsWith('.png') ? name : `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot ${file}`);
    return file;
}

/** Waits until the page's visible text contains `text` (spaces collapsed). */
export async function expectText(page, text, { timeout = EXPECT_TIMEOUT_MS } = {}) {
    await expectBody(page, text, true, timeout);
}

/** Waits until the page's visible text does not contain `text`. */
export async function expectNoText(page, text, { timeout = EXPECT_TIMEOUT_MS } = {}) {
    await expectBody(page, text, false, timeout);
}

const collapse = (s) => s.replace(/\s+/g, ' ').trim();

async function bodyText(page) {
    try {
        return collapse(await page.locator('body').innerText({ timeout: 1_000 }));
    } catch {
        // No body yet, or the page is navigating.
        return '';
    }
}

async function expectBody(page, text, wanted, timeout) {
    const needle = collapse(text);
    const deadline = Date.now() + timeout;
    let body = await bodyText(page);
    while (body.includes(needle) !== wanted && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        body = await bodyText(page);
    }
    if (body.includes(needle) !== wanted) {
        const snippet = body.length > 600 ? `${body.slice(0, 600)}…` : body;
        throw new Error(
            `${wanted ? 'expected text not found' : 'unexpected text found'}: ${JSON.stringify(needle)}\n` +
                `  page: ${page.url()}\n` +
                `  body: ${JSON.stringify(snippet)}`,
        );
    }
}
