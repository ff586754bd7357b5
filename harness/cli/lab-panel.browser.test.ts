/**
 * The lab panel as people at a bench use it, in Debian's chromium through playwright-core: a
 * real lab database, a real worker process with simulated terminals, `poshil lab panel` as its
 * own process. An operator watches a run and answers its prompt in the page; a viewer may look
 * but not act; an admin releases a quarantined device. Screenshots of the views are kept under
 * reports/out/test-artefacts/ (git-ignored) and named in the test output.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../core/paths.js';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';
import { labWorkspace, query, startWorker, type WorkerProcess } from '../lab/test-support/lab-cli.js';
import { CLI, poshil } from './test-support/cli.js';
import { printed } from './test-support/printed.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = join(packageRoot(), 'reports', 'out', 'test-artefacts');
const XSS = '<img src=x onerror=window.__xss=1>';

describe.skipIf(!existsSync(CHROMIUM))('lab panel in chromium', () => {
  let lab: TestLab;
  let worker: WorkerProcess;
  let panel: ResultPromise;
  let url: string;
  let context: BrowserContext;
  let suite: string;
  const tokens: Record<string, string> = {};
  const problems: string[] = [];

  beforeAll(async () => {
    lab = await startTestLab();
    const { suites } = labWorkspace(lab.home, 0);
    const simulator = join(packageRoot(), 'devices', 'simulator.json');
    // Prompt steps go to a person (the suite has no other stimulus); the simulator is the terminal.
    writeFileSync(join(lab.home, 'prompting.json'), JSON.stringify({ name: 'simulated terminal with a person at the bench', protocol: 'bench', transport: { type: 'tcp', host: '127.0.0.1' }, simulator: { args: ['--tcp', '127.0.0.1:0'] }, defaultStimulus: { via: 'operator' } }));
    // On other firmware than its profile expects: it fails its health check, a device error.
    writeFileSync(join(lab.home, 'broken.json'), JSON.stringify({ name: 'a terminal on the wrong firmware', protocol: 'bench', transport: { type: 'tcp', host: '127.0.0.1' }, simulator: { args: ['--tcp', '127.0.0.1:0'] }, health: { firmware: '9.9.9' }, defaultStimulus: { via: 'simulator' } }));
    const bench = join(lab.home, 'panel.bench.yaml');
    writeFileSync(
      bench,
      `bench: counter\nquarantineAfter: 1\ndevices:\n` +
        `  - name: t1\n    profile: prompting.json\n    labels: { model: p3, site: store-1 }\n` +
        `  - name: t2\n    profile: ${simulator}\n    labels: { model: p3, site: store-2, owner: "${XSS}" }\n` +
        `  - name: flaky\n    profile: broken.json\n    labels: { model: p9, site: store-3 }\n`,
    );
    suite = join(suites, 'counter.suite.yaml');
    writeFileSync(suite, 'suite: counter\ncases:\n  - id: display\n    steps:\n      - prompt: "Check that the display shows IDLE"\n        timeout: 60000\n      - do: identify\n  - id: after\n    steps:\n      - do: identify\n');
    for (const role of ['viewer', 'operator', 'admin']) {
      tokens[role] = (await poshil(['lab', 'token', 'create', '--role', role, '--name', `${role} at the bench`, '--dir', lab.dir], { cwd: lab.home })).stdout.trim();
    }
    worker = startWorker({ dir: lab.dir, bench, name: 'counter-host', cwd: lab.home });
    await worker.waitFor(/registered 3 device/);
    panel = execa(process.execPath, [CLI, 'lab', 'panel', '--dir', lab.dir, '--port', '0'], { cwd: lab.home, reject: false, all: true, env: { NO_COLOR: '1' } });
    url = (await printed(panel, /lab panel on (http:\/\/\S+)/))[1]!;
    context = await chromium.launchPersistentContext(join(lab.home, 'chromium'), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 800 } });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    panel?.kill('SIGINT');
    await panel;
    worker?.process.kill('SIGINT');
    await worker?.process;
  });

  async function openAs(role: string): Promise<Page> {
    await context.clearCookies();
    const page = await context.newPage();
    // A refused request (401 before sign-in, a 400 the page shows) is logged by chromium itself: not a page error.
    page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(url);
    await page.fill('#token', tokens[role]!);
    await page.click('#signin-form button');
    await page.waitForSelector(`text=signed in as ${role}`);
    return page;
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    mkdirSync(SHOTS, { recursive: true });
    const file = join(SHOTS, `panel-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  }

  it('shows the bench live; an operator answers the prompt in the page and the case passes', async () => {
    const page = await openAs('operator');
    await expect.poll(() => page.locator('#devices tbody tr').count()).toBe(3);
    // A device string with markup is shown as text, never run.
    await expect.poll(() => page.locator('#devices tr[data-device="counter/t2"]').textContent()).toContain(XSS);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();

    const submitted = poshil(['lab', 'submit', '--dir', lab.dir, suite, '--select', 'site=store-1', '--any', '--wait'], { cwd: lab.home, timeout: 120_000 });
    const prompt = page.locator('#prompts li', { hasText: 'shows IDLE' });
    await prompt.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('#devices tr[data-device="counter/t1"]').getAttribute('data-state')).toBe('leased');
    expect(await page.locator('#devices tr[data-device="counter/t1"] .doing').textContent()).toContain('counter/display');
    await screenshot(page, 'bench-prompt');
    // A second page follows the run itself while it waits for the person.
    const [running] = await query<{ id: string }>(lab.url, "SELECT r.id FROM lab.runs r JOIN lab.devices d ON d.id = r.device_id WHERE d.name = 't1' AND r.state = 'running'");
    const follower = await context.newPage();
    await follower.goto(`${url}#run/${running!.id}`);
    await expect.poll(() => follower.locator('#run-meta').textContent()).toContain('now: counter/display');
    expect(await follower.locator('#run-prompts tbody').textContent()).toContain('waiting');
    await prompt.locator('input').fill('display read IDLE');
    await prompt.locator('button', { hasText: 'Done' }).click();
    await prompt.waitFor({ state: 'detached' });
    // Without a reload: the cases arrive as they end, and the run as it ends.
    await expect.poll(() => follower.locator('#cases tbody tr').count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => follower.locator('#run-meta').textContent()).toContain('PASS');
    await follower.close();

    const result = await submitted;
    expect(result.exitCode, result.stdout + result.stderr + worker.output()).toBe(0);
    const [run] = await query<{ id: string }>(lab.url, "SELECT r.id FROM lab.runs r JOIN lab.devices d ON d.id = r.device_id WHERE d.name = 't1'");
    await expect.poll(() => page.locator('#devices tr[data-device="counter/t1"]').textContent()).toContain('PASS');

    await page.goto(`${url}#run/${run!.id}`);
    await expect.poll(() => page.locator('#cases tbody tr').count()).toBe(2);
    expect(await page.locator('#cases').textContent()).not.toMatch(/FAIL|ERROR/);
    expect(await page.locator('#cases tr[data-case="counter/display"] details summary').textContent()).toBe('2 steps');
    const answered = await page.locator('#run-prompts tbody tr').textContent();
    expect(answered).toContain('done');
    expect(answered).toContain('operator at the bench');
    expect(answered).toContain('in the panel');
    expect(answered).toContain('display read IDLE');
    await expect.poll(() => page.locator('#run-files a', { hasText: 'report.html' }).count()).toBe(1);
    await screenshot(page, 'run');
    // Who answered, and where, is in the device's own record and transcript.
    const names = (await query<{ name: string }>(lab.url, 'SELECT name FROM lab.run_artefacts WHERE run_id = $1', [run!.id])).map((f) => f.name);
    const file = async (pattern: RegExp) => {
      const name = names.find((n) => pattern.test(n));
      expect(name, names.join(' ')).toBeDefined();
      const response = await page.request.get(`${url}api/runs/${run!.id}/files/${name}`);
      expect(response.status()).toBe(200);
      return response.text();
    };
    expect(await file(/^t1\/record\.json$/)).toMatch(/"confirmedBy": ?"operator at the bench \(token [0-9a-f]{8}\)",\s*"via": ?"panel"/);
    expect(await file(/^t1\/transcript\/.*\.ndjson$/)).toMatch(/prompt [0-9a-f-]+: done \(operator at the bench \(token [0-9a-f]{8}\) in the panel at /);
    await page.close();
  }, 180_000);

  it('lets a viewer look but not act, and an admin release a quarantined device', async () => {
    const failing = await poshil(['lab', 'submit', '--dir', lab.dir, suite, '--select', 'model=p9', '--any', '--retries', '0', '--wait'], { cwd: lab.home, timeout: 120_000 });
    expect(failing.exitCode).not.toBe(0);
    const viewer = await openAs('viewer');
    const flaky = viewer.locator('#devices tr[data-device="counter/flaky"]');
    await expect.poll(() => flaky.getAttribute('data-state'), { timeout: 20_000 }).toBe('quarantined');
    expect(await flaky.textContent()).toContain('failed its health check');
    expect(await flaky.locator('button').count()).toBe(0);
    // Asked anyway, from the page's own session: refused.
    const csrf = await viewer.evaluate(async () => ((await (await fetch('/api/session')).json()) as { csrf: string }).csrf);
    const refused = await viewer.request.post(`${url}api/devices/counter%2Fflaky/release`, { headers: { 'x-poshil-csrf': csrf } });
    expect(refused.status()).toBe(403);
    await viewer.close();

    const admin = await openAs('admin');
    const row = admin.locator('#devices tr[data-device="counter/flaky"]');
    await screenshot(admin, 'bench-quarantined');
    await row.locator('button', { hasText: 'Release' }).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 20_000 }).toBe('idle');
    await worker.waitFor(/flaky: released from quarantine by admin at the bench/);
    await admin.close();
    expect(problems).toEqual([]);
  }, 180_000);

  it('charts the history; a point lists its runs; two firmwares compare case by case', async () => {
    const page = await openAs('viewer');
    const [run] = await query<{ id: string; firmware: string }>(lab.url, "SELECT r.id, r.firmware FROM lab.runs r JOIN lab.devices d ON d.id = r.device_id WHERE d.name = 't1' AND r.state = 'finished'");
    await page.goto(`${url}#history`);
    const chart = page.locator('#chart-pass .uplot');
    await chart.waitFor();
    await expect.poll(() => page.locator('#chart-pass .u-legend').textContent()).toContain(run!.firmware);
    await screenshot(page, 'history');
    // The one point of the pass-rate chart, clicked where uPlot drew it.
    const box = (await chart.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 5);
    await page.mouse.click(box.x + box.width / 2, box.y + 5);
    await page.waitForURL(/#runs\/by=firmware/);
    await expect.poll(() => page.locator('#runs tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator(`#runs tr[data-run="${run!.id}"]`).count()).toBe(1);
    expect(await page.locator('#runs-filter').textContent()).toContain(`firmware ${run!.firmware}`);

    await page.goto(`${url}#history`);
    await page.fill('#compare-a', run!.firmware);
    await page.fill('#compare-b', '9.9');
    await page.click('#compare-form button');
    // One firmware in this lab: the comparison says which firmware has results instead of a table of nothing.
    await expect.poll(() => page.locator('#compare tbody').textContent()).toContain(`no results for firmware 9.9 in the last 30d; firmware with results: ${run!.firmware}`);
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it("opens a failed case at its steps, what to check, and the transcript around the failure", async () => {
    const failing = join(lab.home, 'suites', 'busy.suite.yaml');
    writeFileSync(
      failing,
      'suite: busy\ncases:\n  - id: not-idle\n    troubleshoot: The terminal may still be inside an earlier sale; abort it.\n    steps:\n      - do: status\n        expect: { type: object, properties: { state: { const: busy } } }\n' +
        '  - id: prints\n    steps:\n      - do: sale\n        args: { amount: 1250, currency: EUR }\n      - stimulus: swipe\n        fixture: cards/visa-approved\n      - await: printer.output\n        within: 5000\n        where: { properties: { copy: { const: customer } } }\n',
    );
    const submitted = await poshil(['lab', 'submit', '--dir', lab.dir, failing, '--select', 'site=store-2', '--any', '--wait'], { cwd: lab.home, timeout: 120_000 });
    expect(submitted.exitCode, submitted.stdout + submitted.stderr).toBe(1);
    const [run] = await query<{ id: string }>(lab.url, "SELECT r.id FROM lab.runs r WHERE 'busy' = ANY(r.suites)");
    const page = await openAs('viewer');
    await page.goto(`${url}#run/${run!.id}`);
    const detail = page.locator('#cases tr[data-case="busy/not-idle"] details');
    await detail.waitFor();
    expect(await detail.getAttribute('open')).not.toBeNull();
    const text = await detail.textContent();
    expect(text).toContain('What to check: The terminal may still be inside an earlier sale; abort it.');
    expect(text).toMatch(/FAIL\s*do status/);
    expect(await detail.locator('pre.excerpt').textContent()).toMatch(/"state":"idle"/);
    // The sale's receipts, as the worker saw them print (masked).
    const receipt = page.locator('#run-receipts figure', { hasText: 'customer' }).first();
    await receipt.waitFor();
    expect(await receipt.textContent()).toContain('busy/prints');
    expect(await receipt.locator('pre').textContent()).toContain('12.50');
    await screenshot(page, 'run-failed');
    await page.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it("checks a signed plan job's certificate in the page, hands out its evidence in one download, and says when it was tampered with", async () => {
    expect((await poshil(['keygen', '--out', join(lab.home, 'keys', 'lab')], { cwd: lab.home })).exitCode).toBe(0);
    worker.process.kill('SIGINT');
    await worker.process;
    worker = startWorker({ dir: lab.dir, bench: join(lab.home, 'panel.bench.yaml'), name: 'signer', cwd: lab.home, extra: ['--key', join(lab.home, 'keys', 'lab.key')] });
    await worker.waitFor(/registered 3 device/);
    const plan = join(lab.home, 'suites', 'smoke.plan.yaml');
    writeFileSync(plan, 'plan: smoke-check\nversion: "1"\nsuites:\n  - suite: smoke.suite.yaml\n');
    const submitted = await poshil(['lab', 'submit', '--dir', lab.dir, '--plan', plan, '--select', 'site=store-2', '--any', '--wait', '--json'], { cwd: lab.home, timeout: 120_000 });
    expect(submitted.exitCode, submitted.stdout + submitted.stderr + worker.output()).toBe(0);
    const runId = (JSON.parse(submitted.stdout) as { jobs: { runId: string }[] }).jobs[0]!.runId;

    const page = await openAs('viewer');
    await page.goto(`${url}#run/${runId}`);
    await expect.poll(() => page.locator('#run-certificate').textContent(), { timeout: 20_000 }).toMatch(/Certificate CERTIFIED verified: signature and \d+ files intact, signed with the key it carries/);
    const download = await page.request.get(`${url}api/runs/${runId}/evidence.tar.gz`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toBe('application/gzip');
    const archive = join(lab.home, 'evidence.tar.gz');
    writeFileSync(archive, await download.body());
    const names: string[] = [];
    list({ file: archive, sync: true, onReadEntry: (entry) => void names.push(entry.path) });
    expect(names).toEqual(expect.arrayContaining(['t2/certificate.json', 't2/record.json', 't2/verdict.json', 't2/report.html']));

    // A stored file changed behind the lab's back: the page says so.
    await query(lab.url, "UPDATE lab.artefacts a SET data = convert_to('{}', 'UTF8') FROM lab.run_artefacts r WHERE r.sha256 = a.sha256 AND r.run_id = $1 AND r.name = 't2/record.json'", [runId]);
    await page.reload();
    await expect.poll(() => page.locator('#run-certificate').textContent(), { timeout: 20_000 }).toMatch(/Certificate NOT verified: .*t2\/record\.json/);
    await page.close();
    expect(problems).toEqual([]);
  }, 180_000);
});
