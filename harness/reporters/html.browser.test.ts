/**
 * The HTML report in a real browser (Debian's chromium through playwright-core): the filters
 * and the search hide and show the right cases, a link in the failures index lands on its case
 * and opens it, zero counts are grey, and the page logs no error. A screenshot of the failing
 * report is kept under reports/out/test-artefacts/ (git-ignored) and named in the test output.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../core/paths.js';
import { CERTIFICATE_SCHEMA, type CertificateBody } from '../core/certificate.js';
import { renderCertificateHtml } from './html-certificate.js';
import { htmlReporter } from './html.js';
import { sampleRecord } from './test-support/records.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe.skipIf(!existsSync(CHROMIUM))('HTML report in chromium', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  const problems: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poshil-browser-'));
    const runDir = join(dir, 'run');
    mkdirSync(join(runDir, 'receipts'), { recursive: true });
    writeFileSync(join(runDir, 'receipts', '001-customer.json'), JSON.stringify({ copy: 'customer', txnId: 'T1', text: ['POSHIL MART', 'TOTAL EUR 12.50'] }));
    await htmlReporter(join(runDir, 'report.html'), runDir).onRunEnd!(sampleRecord());
    // launchPersistentContext takes the empty user-data dir TOOLCHAIN.md asks for.
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1100, height: 800 } });
    browser = context.browser()!;
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`file://${join(runDir, 'report.html')}`);
  }, 60_000);

  afterAll(async () => {
    await page?.context().close();
    await browser?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const visibleCases = () => page.$$eval('details.case', (all) => all.filter((d) => !(d as unknown as { hidden: boolean }).hidden).map((d) => d.id));

  it('filters by failed, flaky and skipped, and searches', async () => {
    expect(await page.textContent('#shown')).toBe('5 of 5 cases shown');
    await page.click('[data-filter="failed"]');
    expect(await visibleCases()).toEqual(['smoke-identify', 'sales-sale']);
    expect(await page.getAttribute('[data-filter="failed"]', 'aria-pressed')).toBe('true');
    await page.click('[data-filter="flaky"]');
    expect(await visibleCases()).toEqual(['smoke-flaky']);
    // A suite with nothing left to show is hidden with its cases.
    expect(await page.isHidden('#suite-sales')).toBe(true);
    await page.click('[data-filter="skipped"]');
    expect(await visibleCases()).toEqual(['sales-chip']);
    await page.click('[data-filter="all"]');
    await page.fill('#search', 'THROUGH');
    expect(await visibleCases()).toEqual(['smoke-throughput']);
    await page.fill('#search', '');
    expect(await visibleCases()).toHaveLength(5);
  });

  it('lands on a case from the failures index, opening it even when a filter hid it', async () => {
    await page.click('[data-filter="skipped"]');
    await page.click('.failures a[href="#sales-sale"]');
    const target = page.locator('#sales-sale');
    expect(await target.isVisible()).toBe(true);
    expect(await target.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    const box = await target.boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y).toBeLessThan(800);
    expect(page.url()).toMatch(/#sales-sale$/);
  });

  it('greys zero counts, shows the receipt, and logs no error; keeps a screenshot', async () => {
    const zero = await page.locator('.badge.zero').first().evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(e).backgroundColor);
    expect(zero).toBe('rgb(200, 200, 200)');
    await page.click('[data-filter="all"]');
    await page.locator('#smoke-flaky').evaluate((d) => ((d as unknown as { open: boolean }).open = true));
    expect(await page.textContent('#smoke-flaky pre.receipt')).toBe('POSHIL MART\nTOTAL EUR 12.50');
    const shots = join(packageRoot(), 'reports', 'out', 'test-artefacts');
    mkdirSync(shots, { recursive: true });
    const file = join(shots, 'html-report-failing.png');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot of the failing report: ${file}`);
    expect(existsSync(file)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('draws the steps of a passing case when it is opened, as text, however its labels read', async () => {
    const record = sampleRecord();
    const hostile = '</script><img src=x onerror="window.pwned=1"> do status';
    const step = { index: 0, kind: 'do' as const, label: hostile, outcome: 'PASS' as const, startedAt: record.startedAt, durationMs: 3, timeoutMs: 5000 };
    const passing = { id: 'plain', suite: 'smoke', mandatory: true, outcome: 'PASS' as const, startedAt: record.startedAt, durationMs: 3, attempts: [{ attempt: 1, outcome: 'PASS' as const, startedAt: record.startedAt, durationMs: 3, steps: [step, { ...step, index: 1, label: 'do identify' }] }] };
    record.suites[0]!.cases.push(passing);
    const file = join(dir, 'lazy.html');
    await htmlReporter(file).onRunEnd!(record);
    await page.goto(`file://${file}`);
    expect(await page.locator('#smoke-plain table').count()).toBe(0);
    await page.locator('#smoke-plain summary').click();
    const rows = page.locator('#smoke-plain table tr');
    // The page draws the rows on the case's 'toggle' event, which the browser fires after the click returns.
    await rows.nth(2).waitFor();
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(1).locator('td').allTextContents()).toEqual(['1', hostile, 'PASS', '3 ms / 5000 ms', '']);
    expect(await rows.nth(2).locator('td').nth(1).textContent()).toBe('do identify');
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('keeps the certificate\'s plan hash inside its own column', async () => {
    const record = sampleRecord();
    const cert: CertificateBody = {
      schema: CERTIFICATE_SCHEMA,
      certificateId: 'c-1',
      issuedAt: record.startedAt,
      tool: { name: 'poshil', version: '0.1.0' },
      lab: {},
      device: record.device,
      plan: { id: 'acceptance', version: '1', file: 'plan.yaml', sha256: 'f'.repeat(64) },
      run: { runId: record.runId, startedAt: record.startedAt, status: 'finished', summary: record.summary },
      verdict: 'CERTIFIED',
      reasons: [],
      cases: [],
      waivers: [],
      evidence: { manifest: 'manifest.json', manifestSha256: 'e'.repeat(64) },
    };
    const file = join(dir, 'certificate.html');
    writeFileSync(file, renderCertificateHtml(cert, { keyId: 'k' }));
    await page.setViewportSize({ width: 900, height: 800 });
    await page.goto(`file://${file}`);
    const hash = page.locator('.grid .mono', { hasText: 'ffff' });
    const [own, cell, next] = await Promise.all([hash.boundingBox(), hash.locator('xpath=..').boundingBox(), hash.locator('xpath=../following-sibling::div[1]').boundingBox()]);
    expect(own!.x + own!.width).toBeLessThanOrEqual(cell!.x + cell!.width + 0.5);
    // The next column starts to the right of the hash, or on a row of its own below it.
    expect(next!.x >= own!.x + own!.width || next!.y >= own!.y + own!.height).toBe(true);
    expect(problems).toEqual([]);
  });
});
