/**
 * `npm run bench`, panel section: W worker processes × T simulated terminals running jobs while
 * `poshil lab panel` (its own process) serves a page in chromium. Measures
 *   - first paint: from the start of navigation to every device's row drawn (the page's own
 *     performance mark), signed in, p50 of 5;
 *   - live-update latency: a worker writes the case a device is in to its run row (25 ms into the
 *     case: shorter cases are not shown) → the device's row in the page shows it. The event's time is when a LISTEN connection of this script hears
 *     of the change; the page's time is when its MutationObserver sees the new text (one clock,
 *     one machine). A case the page never showed, because a later one replaced it first, is counted
 *     apart.
 * BENCH_PANEL="workers,terminals,rounds" (default 4,16,3). Needs /usr/bin/chromium. Run alone with
 * `npm run build && node dist/scripts/bench-panel.js`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { makeBundle } from '../harness/lab/bundle.js';
import { openLabDatabase } from '../harness/lab/db/connect.js';
import { startBoss } from '../harness/lab/queues.js';
import { submit } from '../harness/lab/submit.js';
import { createToken } from '../harness/lab/tokens.js';
import { printed } from '../harness/cli/test-support/printed.js';
import { startBenchLab } from './bench/lab-fleet.js';
import { percentile } from './bench/stats.js';

const CHROMIUM = '/usr/bin/chromium';

interface Seen {
  device: string;
  text: string;
  t: number;
}

export async function panelSection(workers: number, terminals: number, rounds: number): Promise<string> {
  if (!existsSync(CHROMIUM)) return `   skipped: no ${CHROMIUM} (apt-get install chromium)`;
  const devices = workers * terminals;
  const lab = await startBenchLab('panel', workers, terminals);
  const { home, labDir, url } = lab;
  try {
    // Cases of a few hundred milliseconds, as a bench's real cases: the panel must show each start.
    const suite = join(home, 'paced.suite.yaml');
    writeFileSync(suite, `suite: paced\ncases:\n${[1, 2, 3, 4, 5].map((n) => `  - id: c${n}\n    steps:\n      - wait: 300\n      - do: identify\n`).join('')}`);
    const panel = lab.poshil(['lab', 'panel', '--dir', labDir, '--port', '0'], 'all');
    const address = (await printed(panel, /lab panel on (http:\/\/\S+)/))[1]!;
    const db = await openLabDatabase(url, 'poshil-bench', { max: 10 });
    const boss = await startBoss(db.pool);
    for (let i = 0; i < 150; i++) {
      if (Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM lab.devices')).rows[0]!.n) >= devices) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { token } = await createToken(db.pool, 'viewer', 'bench');

    // The lab's own clean-up answers Ctrl-C (bench/lab-fleet.ts); Playwright's would exit first.
    const context = await chromium.launchPersistentContext(join(home, 'chromium'), { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'], viewport: { width: 1280, height: 900 }, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
    const cookieUrl = new URL(address);
    await context.addCookies([{ name: 'poshil_panel', value: token, domain: cookieUrl.hostname, path: '/', httpOnly: true, sameSite: 'Strict' }]);
    const page = context.pages()[0] ?? (await context.newPage());
    // From the start of navigation to the devices drawn, by the page's own clock (the page marks it).
    const paints: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.goto(address);
      await page.locator('#devices tbody tr').nth(devices - 1).waitFor();
      paints.push(Number(await page.evaluate(`performance.getEntriesByName('poshil:devices-drawn')[0].startTime`)));
    }
    // Every change of a row's "doing" text, with the page's clock. (Page code as text: this
    // script is compiled without the DOM's types.)
    await page.evaluate(`(() => {
      const seen = [];
      const last = new Map();
      window.seen = seen;
      new MutationObserver(() => {
        const t = Date.now();
        for (const row of document.querySelectorAll('#devices tbody tr')) {
          const text = row.querySelector('.doing')?.textContent ?? '';
          if (last.get(row.dataset.device) !== text) {
            last.set(row.dataset.device, text);
            seen.push({ device: row.dataset.device, text, t });
          }
        }
      }).observe(document.querySelector('#devices tbody'), { childList: true, subtree: true, characterData: true });
    })()`);

    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const events: { run: string; device: string; text: string; t: number }[] = [];
    const lookups: Promise<void>[] = [];
    listener.on('notification', (message) => {
      const t = Date.now();
      const notice = JSON.parse(message.payload ?? '{}') as { table?: string; key?: string };
      if (notice.table !== 'runs' || !notice.key) return;
      lookups.push(
        db.pool.query<{ device_id: string; current_case: string | null }>('SELECT device_id, current_case FROM lab.runs WHERE id = $1', [notice.key]).then(({ rows }) => {
          const row = rows[0];
          if (row?.current_case && !events.some((e) => e.run === notice.key && e.text === row.current_case)) events.push({ run: notice.key!, device: row.device_id, text: row.current_case, t });
        }),
      );
    });
    await listener.query('LISTEN poshil_panel');
    const bundle = makeBundle({ suites: [suite] });
    const started = Date.now();
    for (let round = 0; round < rounds; round++) {
      const submitted = await submit(db, boss, { bundle, selection: 'model=p3', mode: 'each', retries: 0 });
      const ids = submitted.jobs.map((j) => j.id);
      for (;;) {
        const { rows } = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM lab.jobs WHERE id = ANY($1) AND state IN ('passed','failed','error','dead','rejected')", [ids]);
        if (Number(rows[0]!.n) >= ids.length) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const seconds = (Date.now() - started) / 1000;
    await Promise.all(lookups);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seen = (await page.evaluate('window.seen')) as Seen[];
    await listener.end();
    await context.close();
    await boss.stop({ graceful: false, wait: true });
    await db.pool.end();

    // Each case start is matched to the page's first showing of it before that device's next case began.
    const latencies: number[] = [];
    let superseded = 0;
    events.sort((a, b) => a.t - b.t);
    for (const [i, event] of events.entries()) {
      const next = events.slice(i + 1).find((e) => e.device === event.device)?.t ?? Number.POSITIVE_INFINITY;
      const shown = seen.find((s) => s.device === event.device && s.text.includes(event.text) && s.t >= event.t - 50 && s.t < next);
      if (shown) latencies.push(Math.max(0, shown.t - event.t));
      else superseded++;
    }
    const fmt = (v: number) => v.toFixed(0);
    return [
      `   ${workers} workers × ${terminals} simulated terminals (${devices} devices), ${rounds} rounds of a 5-case suite on every device in ${seconds.toFixed(1)} s`,
      `   first paint (navigation → ${devices} device rows drawn): p50 ${fmt(percentile(paints, 50))} ms, max ${fmt(Math.max(...paints))} ms`,
      `   live update (worker writes the case it is in → its row shows it): ${latencies.length} cases, p50 ${fmt(percentile(latencies, 50))} ms, p95 ${fmt(percentile(latencies, 95))} ms (goal < 250), p99 ${fmt(percentile(latencies, 99))} ms; ${superseded} of ${events.length} replaced by the device's next case before they were drawn`,
    ].join('\n');
  } finally {
    await lab.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [workers, terminals, rounds] = (process.env['BENCH_PANEL'] ?? '4,16,3').split(',').map(Number) as [number, number, number];
  console.log('Lab panel: live updates in chromium');
  console.log(await panelSection(workers, terminals, rounds));
}
