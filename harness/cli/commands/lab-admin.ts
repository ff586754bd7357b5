/**
 * `poshil lab window|schedule|webhook …`: the lab's standing settings — maintenance windows,
 * daily schedules and the webhooks that tell people what happened. Kept in the lab's database,
 * so every worker reads the same ones.
 */
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { connect, DATABASE_HELP, DIR_HELP, type DatabaseOptions } from './lab-options.js';
import { wholeNumber } from './option-values.js';

type Db = Awaited<ReturnType<typeof connect>>;

async function withDb<T>(options: DatabaseOptions, application: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await connect(options, application);
  try {
    return await fn(db);
  } finally {
    await db.pool.end();
  }
}

/**
 * How many registered devices a window's or schedule's selection covers: none is allowed (devices
 * may register later) but said, with the labels that exist, since it is more often a typo.
 */
async function coverage(db: Db, selectionText: string): Promise<string> {
  const { parseSelection, matches, labelsInUse } = await import('../../bench/select.js');
  const { rows } = await db.pool.query<{ name: string; labels: Record<string, string> }>('SELECT name, labels FROM lab.devices WHERE removed_at IS NULL');
  const selection = parseSelection(selectionText);
  const covered = rows.filter((d) => matches(d.labels, selection)).length;
  if (covered > 0) return ` (${covered} registered device${covered === 1 ? '' : 's'} now)`;
  const labels = [...labelsInUse(rows)].map(([key, values]) => `${key}=${values.join('|')}`).join('  ');
  return `\n  note: no registered device matches it yet; it applies to devices registered later${labels ? ` (the labels in the lab: ${labels})` : ''}`;
}

function withDatabaseOptions(command: Command): Command {
  return command.option('--dir <dir>', DIR_HELP).option('--database <url>', DATABASE_HELP);
}

export function registerLabAdmin(lab: Command): void {
  const window = lab.command('window').description('Maintenance windows: disruptive plans (firmware upgrades) start on a device only inside one of its windows.');
  withDatabaseOptions(
    window
      .command('add')
      .description('Add (or change) a window: it opens at each firing of --cron in --tz and stays open for --duration.')
      .argument('<name>', 'window name; without --select it covers the devices labelled site=NAME')
      .requiredOption('--cron <expr>', "when it opens, e.g. '0 2 * * *' (minute hour day month weekday)")
      .requiredOption('--duration <time>', 'how long it stays open, e.g. 3h, 90m')
      .option('--tz <zone>', 'IANA time zone of the cron, e.g. Asia/Shanghai', 'UTC')
      .option('--select <labels>', 'key=value,… of the devices it covers (default site=NAME)'),
  ).action(async (name: string, options: DatabaseOptions & { cron: string; duration: string; tz: string; select?: string }) => {
    const { parseWindowDuration } = await import('../../lab/calendar/index.js');
    const durationMs = parseWindowDuration(options.duration);
    if (durationMs === undefined) throw new InputError('E_OPTION', `--duration ${options.duration} is not a window length`, { hint: 'between 1m and 7 days, with a unit: 3h, 90m, 1h30m' });
    const { addWindow } = await import('../../lab/windows.js');
    const [added, covers] = await withDb(options, 'poshil-admin', async (db) => {
      const window = await addWindow(db.pool, { name, cron: options.cron, tz: options.tz, durationMs, ...(options.select ? { selection: options.select } : {}) });
      return [window, await coverage(db, window.selection)] as const;
    });
    process.stdout.write(`window ${added.name}: ${added.cron} (${added.tz}) for ${options.duration}, covers ${added.selection}${covers}\n`);
  });
  withDatabaseOptions(window.command('list').description('The windows, which devices each covers, and whether it is open now.').option('--json', 'print JSON')).action(async (options: DatabaseOptions) => {
    const { listWindows } = await import('../../lab/windows.js');
    const { windowState } = await import('../../lab/calendar/index.js');
    const windows = await withDb(options, 'poshil-admin', (db) => listWindows(db.pool));
    const now = new Date();
    const shown = windows.map((w) => ({ ...w, state: windowState(w, now) }));
    if (options.json) process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
    else if (shown.length === 0) process.stdout.write('no maintenance windows\n');
    else for (const w of shown) process.stdout.write(`${w.name.padEnd(16)} ${w.cron} (${w.tz}) for ${Math.round(w.durationMs / 60_000)} min, covers ${w.selection}: ${w.state.open ? `OPEN until ${w.state.closesAt.toISOString()}` : `closed, opens ${w.state.opensAt?.toISOString() ?? 'never again'}`}\n`);
  });
  withDatabaseOptions(window.command('remove').description('Remove a window.').argument('<name>')).action(async (name: string, options: DatabaseOptions) => {
    const { removeWindow } = await import('../../lab/windows.js');
    if (!(await withDb(options, 'poshil-admin', (db) => removeWindow(db.pool, name)))) throw new InputError('E_NO_WINDOW', `no window named ${name}`, { hint: 'poshil lab window list shows them' });
    process.stdout.write(`window ${name} removed\n`);
  });

  const schedule = lab.command('schedule').description('Submissions that pg-boss fires on a cron, e.g. the stores\' morning health check.');
  withDatabaseOptions(
    schedule
      .command('add')
      .description('Add (or change) a schedule: at each firing its suites or plan are submitted for the selected devices.')
      .argument('<name>', 'schedule name')
      .argument('[suites...]', 'suite files or folders')
      .requiredOption('--cron <expr>', "when it fires, e.g. '30 7 * * *'")
      .option('--tz <zone>', 'IANA time zone of the cron, e.g. Asia/Shanghai', 'UTC')
      .option('--plan <file>', 'certification plan instead of suites')
      .option('--select <labels>', 'key=value,… of the devices', '')
      .option('--any', 'one job for the first free matching device (default: one per matching device)')
      .option('--retries <n>', 'tries again on a matching device after a device error', '1'),
  ).action(async (name: string, suites: string[], options: DatabaseOptions & { cron: string; tz: string; plan?: string; select: string; any?: boolean; retries: string }) => {
    if (!options.plan && suites.length === 0) throw new InputError('E_OPTION', 'name the suites to run, or --plan');
    const { makeBundle } = await import('../../lab/bundle.js');
    const { addSchedule } = await import('../../lab/schedules.js');
    const { startBoss } = await import('../../lab/queues.js');
    const bundle = makeBundle({ ...(options.plan ? { plan: options.plan } : {}), suites });
    await withDb(options, 'poshil-admin', async (db) => {
      const boss = await startBoss(db.pool);
      try {
        const added = await addSchedule(db, boss, { name, cron: options.cron, tz: options.tz, bundle, selection: options.select, mode: options.any ? 'any' : 'each', retries: wholeNumber('--retries', options.retries, 1, 100) });
        process.stdout.write(`schedule ${added.name}: ${added.cron} (${added.tz}), ${added.submission.mode === 'each' ? 'each' : 'any'} device matching ${added.submission.selection || '(any)'}${await coverage(db, added.submission.selection)}\n`);
      } finally {
        await boss.stop({ graceful: false, wait: true }).catch(() => {});
      }
    });
  });
  withDatabaseOptions(schedule.command('list').description('The schedules, their next firing and their last ones.').option('--json', 'print JSON')).action(async (options: DatabaseOptions) => {
    const { listSchedules, lastFirings } = await import('../../lab/schedules.js');
    const { nextFiring } = await import('../../lab/calendar/index.js');
    const [schedules, firings] = await withDb(options, 'poshil-admin', async (db) => [await listSchedules(db.pool), await lastFirings(db.pool)] as const);
    const shown = schedules.map((s) => ({ ...s, next: nextFiring(s, new Date())?.toISOString() ?? null, last: firings.get(s.name) ?? [] }));
    if (options.json) process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
    else if (shown.length === 0) process.stdout.write('no schedules\n');
    else {
      for (const s of shown) {
        process.stdout.write(`${s.name.padEnd(16)} ${s.cron} (${s.tz}) next ${s.next ?? 'never'}  ${s.submission.plan ?? s.submission.suites.join(' ')} on ${s.submission.selection || '(any)'}\n`);
        for (const f of s.last) process.stdout.write(`${''.padEnd(16)}   fired ${f.at}: ${f.jobs ? Object.entries(f.jobs).map(([state, n]) => `${n} ${state}`).join(', ') : 'could not be queued (the worker that took it says why)'}\n`);
      }
    }
  });
  withDatabaseOptions(schedule.command('remove').description('Remove a schedule (runs it queued stay).').argument('<name>')).action(async (name: string, options: DatabaseOptions) => {
    const { removeSchedule } = await import('../../lab/schedules.js');
    const { startBoss } = await import('../../lab/queues.js');
    const removed = await withDb(options, 'poshil-admin', async (db) => {
      const boss = await startBoss(db.pool);
      try {
        return await removeSchedule(db, boss, name);
      } finally {
        await boss.stop({ graceful: false, wait: true }).catch(() => {});
      }
    });
    if (!removed) throw new InputError('E_NO_SCHEDULE', `no schedule named ${name}`, { hint: 'poshil lab schedule list shows them' });
    process.stdout.write(`schedule ${name} removed\n`);
  });

  const role = lab.command('role').description('Database roles: a worker writes only its own results, a submitter queues jobs, a viewer reads (docs/lab.md).');
  withDatabaseOptions(
    role
      .command('add')
      .description("Make a login role for a bench host, a CI pipeline or a person; its URL (with a new password) goes to a private env file.")
      .argument('<name>', 'role name, e.g. bench_a or ci_submit')
      .requiredOption('--kind <kind>', 'worker (also submits schedule firings), submitter, viewer, or panel (reads, answers prompts, asks for releases)')
      .option('--env-file <file>', 'where its POSHIL_DATABASE_URL is written, mode 0600 (default .poshil/lab/roles/NAME.env)'),
  ).action(async (name: string, options: DatabaseOptions & { kind: string; envFile?: string }) => {
    const { addRole, ROLE_KINDS } = await import('../../lab/roles.js');
    if (!(options.kind in ROLE_KINDS)) throw new InputError('E_OPTION', `--kind must be one of ${Object.keys(ROLE_KINDS).join(', ')}`);
    const envFile = options.envFile ?? `${options.dir ?? '.poshil/lab'}/roles/${name}.env`;
    const made = await withDb(options, 'poshil-admin', (db) => addRole(db, name, options.kind as keyof typeof ROLE_KINDS, envFile));
    process.stdout.write(`role ${name} (${options.kind}): ${made.shown}
  its URL with the password: ${envFile} (mode 0600); on its host: set -a; . ${envFile}; set +a
`);
  });

  const webhook = lab.command('webhook').description('Webhooks told of failed or missed runs, quarantined devices, offline workers and finished campaigns (docs/lab-notifications.md).');
  withDatabaseOptions(
    webhook
      .command('add')
      .description('Add (or change) a webhook. Its URL is kept in the lab\'s database and only ever shown as its origin.')
      .argument('<name>', 'name shown instead of the URL')
      .argument('<url>', 'the webhook URL (its secret part included)')
      .option('--format <format>', 'generic, slack, dingtalk or wecom', 'generic')
      .option('--events <kinds>', 'only these: run-failed,schedule-missed,device-quarantined,worker-offline,campaign-finished')
      .option('--secret <secret>', 'DingTalk signing secret, or a shared key for the generic format\'s signature header'),
  ).action(async (name: string, url: string, options: DatabaseOptions & { format: string; events?: string; secret?: string }) => {
    const { addWebhook } = await import('../../lab/notifications.js');
    const { maskWebhookUrl, EVENT_KINDS, WEBHOOK_FORMATS } = await import('../../lab/notify/index.js');
    if (!WEBHOOK_FORMATS.includes(options.format as never)) throw new InputError('E_OPTION', `--format must be one of ${WEBHOOK_FORMATS.join(', ')}`);
    const events = options.events?.split(',').map((e) => e.trim());
    const unknown = events?.filter((e) => !EVENT_KINDS.includes(e as never));
    if (unknown?.length) throw new InputError('E_OPTION', `--events: unknown kind ${unknown.join(', ')}`, { hint: `kinds: ${EVENT_KINDS.join(', ')}` });
    await withDb(options, 'poshil-admin', (db) =>
      addWebhook(db.pool, { name, url, format: options.format as never, ...(events ? { events: events as never } : {}), ...(options.secret ? { secret: options.secret } : {}) }),
    );
    process.stdout.write(`webhook ${name}: ${options.format} to ${maskWebhookUrl(url)}${events ? ` for ${events.join(', ')}` : ''}\n`);
  });
  withDatabaseOptions(webhook.command('list').description('The webhooks (URLs shown as their origin only).').option('--json', 'print JSON')).action(async (options: DatabaseOptions) => {
    const { listWebhooks } = await import('../../lab/notifications.js');
    const hooks = await withDb(options, 'poshil-admin', (db) => listWebhooks(db.pool));
    if (options.json) process.stdout.write(JSON.stringify(hooks, null, 2) + '\n');
    else if (hooks.length === 0) process.stdout.write('no webhooks\n');
    else for (const h of hooks) process.stdout.write(`${h.name.padEnd(16)} ${h.format.padEnd(9)} ${h.url}  ${h.events}${h.signed ? '  (signed)' : ''}\n`);
  });
  withDatabaseOptions(webhook.command('remove').description('Remove a webhook.').argument('<name>')).action(async (name: string, options: DatabaseOptions) => {
    const { removeWebhook } = await import('../../lab/notifications.js');
    if (!(await withDb(options, 'poshil-admin', (db) => removeWebhook(db.pool, name)))) throw new InputError('E_NO_WEBHOOK', `no webhook named ${name}`);
    process.stdout.write(`webhook ${name} removed\n`);
  });
  withDatabaseOptions(webhook.command('test').description('Post a sample run-failed message to every webhook, to check they reach people.')).action(async (options: DatabaseOptions) => {
    const { notify } = await import('../../lab/notifications.js');
    let failed = false;
    await withDb(options, 'poshil-admin', (db) =>
      notify(db.pool, { kind: 'run-failed', jobId: '00000000-0000-0000-0000-000000000000', device: 'test-device', suite: 'smoke', counts: { total: 3, passed: 2, failed: 1 }, firstFailure: 'smoke/identify: this is a test message from poshil lab webhook test', at: new Date().toISOString() }, (line) => {
        failed ||= line.includes('NOT delivered');
        process.stdout.write(line + '\n');
      }),
    );
    if (failed) process.exitCode = 3;
  });
}
