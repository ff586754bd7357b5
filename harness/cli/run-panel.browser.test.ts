/**
 * `poshil run --panel`: a local run followed live in Debian's chromium, read-only, closed when
 * the run ends.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from './test-support/cli.js';
import { printed } from './test-support/printed.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('poshil run --panel in chromium', () => {
  let dir: string;
  let context: BrowserContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poshil-run-panel-'));
    context = await chromium.launchPersistentContext(join(dir, 'chromium'), { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the case the terminal is in, each case as it ends and each receipt as it prints, refuses changes, and closes with the run', async () => {
    const suite = join(dir, 'paced.suite.yaml');
    // The first case's check looks at nothing (a misspelt property): the panel says so.
    const check = (n: number) => (n === 1 ? '\n        expect: { properties: { firmwre: { const: "9.9.9" } } }' : '');
    writeFileSync(suite, `suite: paced\ncases:\n${[1, 2, 3].map((n) => `  - id: c${n}\n    steps:\n      - wait: 700\n      - do: identify${check(n)}\n`).join('')}`);
    // The paced cases first, then a sale that prints: its receipt reaches the page as it prints.
    const printing = join(ROOT, 'suites', 'printing.suite.yaml');
    const run = execa(process.execPath, [CLI, 'run', '-d', join(ROOT, 'devices', 'simulator.json'), '-o', join(dir, 'out'), '--panel', '--grep', 'paced/|customer-receipt-content', suite, printing], { reject: false, all: true, env: { NO_COLOR: '1' } });
    const url = (await printed(run, /live view of this run: (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await page.waitForSelector('text=a local run, read-only');
    expect(await page.locator('nav a[href="#history"]').isHidden()).toBe(true);
    const device = page.locator('#devices tbody tr');
    await expect.poll(() => device.locator('.doing').textContent(), { timeout: 10_000 }).toMatch(/paced\/c[12]/);

    const refused = await page.request.post(`${url}api/prompts/00000000-0000-4000-8000-000000000000/answer`, { data: { answer: 'done' } });
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toEqual({ error: 'the panel of a local run is read-only' });
    const foreign = await page.request.get(`${url}api/bench`, { headers: { origin: 'http://evil.example' } });
    expect(foreign.status()).toBe(403);
    // A foreign site's name pointed at 127.0.0.1 (DNS rebinding) sends that name as Host and Origin.
    const port = new URL(url).port;
    const rebound = await page.request.get(`${url}api/bench`, { headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}` } });
    expect(rebound.status()).toBe(403);

    await page.goto(`${url}#run/00000000-0000-4000-8000-000000000000`);
    await expect.poll(() => page.locator('#cases tbody tr').count(), { timeout: 15_000 }).toBe(4);
    const receipt = page.locator('#run-receipts figure', { hasText: 'customer' }).first();
    await receipt.waitFor();
    const receiptText = await receipt.locator('pre').textContent();
    expect(receiptText).toContain('12.50');
    expect(receiptText).not.toMatch(/\d{13,19}/);
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 10_000 }).toContain('the run ended');
    const result = await run;
    expect(result.exitCode, result.all).toBe(0);
    expect(await page.locator('#cases').textContent()).not.toMatch(/FAIL|ERROR/);
    const warned = page.locator('#cases tr[data-case="paced/c1"]');
    expect(await warned.locator('summary').textContent()).toContain('⚠ 1 warning: a check that looked at nothing');
    expect(await warned.locator('.warning').textContent()).toMatch(/^⚠ \/firmwre is checked, but the result has no such property/);
    expect(problems).toEqual([]);
  }, 60_000);
});
