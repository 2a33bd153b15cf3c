#!/usr/bin/env node
// Runs one browser scenario against a running Rollcall server:
//
//     node web-tests/run.mjs SCENARIO.mjs --base-url URL [--data JSON]
//
// A scenario file exports `default async function (ctx)`, where ctx is
// {baseUrl, data, launch, signIn, screenshot, expectText, expectNoText}
// (see lib/browser.mjs; `data` is the parsed --data, {} without it).
//
// Prints "ok <name>" and exits 0 when the scenario returns, or prints
// "FAILED <name>: <error>" to stderr and exits 1 when it throws, when the
// time limit ($ROLLCALL_BROWSER_TIMEOUT_MS, default 60000) runs out, or on
// SIGTERM, SIGINT or SIGHUP. Every browser the scenario launched is closed
// before it exits, whatever happened.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import * as lib from './lib/browser.mjs';

const USAGE = 'usage: node web-tests/run.mjs SCENARIO.mjs --base-url URL [--data JSON]';
const DEFAULT_TIMEOUT_MS = 60_000;
/** How long closing the browsers may take before the runner exits anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

const browsers = new Set();
let name = 'scenario';
let finishing = false;
let timer;

/** Closes every browser (within CLOSE_TIMEOUT_MS), reports and exits. */
async function finish(error) {
    if (finishing) {
        return;
    }
    finishing = true;
    clearTimeout(timer);
    const closing = Promise.allSettled([...browsers].map((b) => b.close()));
    const closed = await Promise.race([
        closing.then((results) => results.filter((r) => r.status === 'rejected').map((r) => r.reason)),
        new Promise((resolve) => setTimeout(() => resolve(['closing the browser timed out']), CLOSE_TIMEOUT_MS)),
    ]);
    for (const reason of closed) {
        console.error(`warning: ${reason instanceof Error ? reason.message : reason}`);
    }
    if (error === undefined) {
        console.log(`ok ${name}`);
        process.exit(0);
    }
    let text = error instanceof Error ? (error.usage ? error.message : error.stack || error.message) : String(error);
    text = text.replace(/\x1b\[[0-9;]*m/g, ''); // playwright's colours
    console.error(`FAILED ${name}: ${text}`);
    // Exiting also kills any Chromium still running: playwright-core does so
    // when the process exits.
    process.exit(1);
}

function timeoutMs() {
    const raw = process.env.ROLLCALL_BROWSER_TIMEOUT_MS;
    if (raw === undefined || raw === '') {
        return DEFAULT_TIMEOUT_MS;
    }
    const ms = Number(raw);
    if (!Number.isInteger(ms) || ms <= 0) {
        throw new Error(`ROLLCALL_BROWSER_TIMEOUT_MS must be a positive whole number of ms, not ${JSON.stringify(raw)}`);
    }
    return ms;
}

async function main() {
    const usage = (problem) => Object.assign(new Error(`${problem}\n${USAGE}`), { usage: true });
    let values;
    let positionals;
    try {
        ({ values, positionals } = parseArgs({
            allowPositionals: true,
            options: {
                'base-url': { type: 'string' },
                data: { type: 'string' },
            },
        }));
    } catch (error) {
        throw usage(error.message);
    }
    if (positionals.length !== 1) {
        throw usage('give exactly one scenario file');
    }
    if (!values['base-url']) {
        throw usage('--base-url is missing');
    }
    const file = path.resolve(positionals[0]);
    name = path.basename(file, '.mjs');

    const limit = timeoutMs();
    timer = setTimeout(() => finish(new Error(`timed out after ${limit} ms`)), limit);

    let data = {};
    if (values.data !== undefined) {
        try {
            data = JSON.parse(values.data);
        } catch (error) {
            throw new Error(`--data is not valid JSON: ${error.message}`);
        }
    }

    const scenario = await import(pathToFileURL(file).href);
    if (typeof scenario.default !== 'function') {
        throw new Error(`${file} does not export a default function`);
    }

    const ctx = {
        baseUrl: values['base-url'].replace(/\/+$/, ''),
        data,
        launch: async () => {
            if (finishing) {
                throw new Error('the scenario is over');
            }
            const browser = await lib.launch();
            browsers.add(browser);
            if (finishing) {
                await browser.close();
                throw new Error('the scenario is over');
            }
            return browser;
        },
        signIn: lib.signIn,
        screenshot: lib.screenshot,
        expectText: lib.expectText,
        expectNoText: lib.expectNoText,
    };
    await scenario.default(ctx);
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => finish(new Error(`stopped by ${signal}`)));
}
process.on('unhandledRejection', (reason) => finish(reason));
process.on('uncaughtException', (error) => finish(error));

main().then(
    () => finish(),
    (error) => finish(error),
);
