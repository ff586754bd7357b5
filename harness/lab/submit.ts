/**
 * `poshil lab submit`: checks what is submitted (files, selection), refuses a selection no
 * registered device can ever match (exit 2, with the labels that exist), and queues the jobs —
 * all in one transaction, so a submission is queued whole or not at all.
 */
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { InputError } from '../core/errors.js';
import { labelsInUse, matches, parseSelection, type Selection } from '../bench/select.js';
import type { Bundle } from './bundle.js';
import { inTransaction, type LabDatabase } from './db/connect.js';
import { DEAD_LETTER_QUEUE, canonicalSelection, deviceQueue, ensureQueue, onClient, selectionLabels, selectionQueue } from './queues.js';

export interface Submission {
  bundle: Bundle;
  selection: string;
  /** each: one job per matching device; any: one job for the first free match. */
  mode: 'each' | 'any';
  /** How often a job is tried again on a matching device after a device error or a crashed worker. */
  retries: number;
  /** A submission made twice with one key is queued once (schedules use it). */
  key?: string;
  schedule?: string;
  /** How long a job may take before pg-boss itself gives up on it, seconds. */
  expireInSeconds?: number;
}

export interface Submitted {
  id: string;
  jobs: { id: string; queue: string; device?: string }[];
  /** True when a submission with the same key was already queued. */
  existing: boolean;
}

/** Queues made and bundles stored by this process (a scheduler or a CI loop submits many). */
const ensured = new Set<string>();
const storedBundles = new Set<string>();

interface DeviceRow {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export async function submit(db: LabDatabase, boss: PgBoss, submission: Submission): Promise<Submitted> {
  const selection = parseSelection(submission.selection);
  const { rows: devices } = await db.pool.query<DeviceRow>('SELECT id, name, labels FROM lab.devices WHERE removed_at IS NULL ORDER BY id');
  const matching = requireMatch(devices, selection);
  const disruptive = submission.bundle.disruptive;
  const queues: { queue: string; device?: string }[] = submission.mode === 'each' ? matching.map((d) => ({ queue: deviceQueue(d.id, disruptive), device: d.id })) : [{ queue: selectionQueue(selection, disruptive) }];
  // pg-boss makes a table partition per queue: done before the transaction (it is idempotent),
  // once per queue in this process.
  for (const { queue } of queues) {
    if (ensured.has(`${db.url}\0${queue}`)) continue;
    await ensureQueue(db.pool, queue, { deadLetter: DEAD_LETTER_QUEUE });
    ensured.add(`${db.url}\0${queue}`);
  }

  return inTransaction(db.pool, async (client) => {
    if (submission.key) {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM lab.submissions WHERE submit_key = $1', [submission.key]);
      if (rows[0]) {
        const jobs = await client.query<{ id: string; queue: string; device_id: string | null }>('SELECT id, queue, device_id FROM lab.jobs WHERE submission_id = $1', [rows[0].id]);
        return { id: rows[0].id, existing: true, jobs: jobs.rows.map((j) => ({ id: j.id, queue: j.queue, ...(j.device_id ? { device: j.device_id } : {}) })) };
      }
    }
    const id = randomUUID();
    const { bundle } = submission;
    // Content-addressed: sent once per process (and stored once in all).
    if (!storedBundles.has(`${db.url}\0${bundle.sha256}`)) await client.query('INSERT INTO lab.bundles (sha256, files) VALUES ($1, $2) ON CONFLICT DO NOTHING', [bundle.sha256, JSON.stringify(bundle.files)]);
    await client.query(
      'INSERT INTO lab.submissions (id, submit_key, mode, selection, bundle_sha256, plan, suites, disruptive, retries, schedule) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)',
      [id, submission.key ?? null, submission.mode, canonicalSelection(selection), bundle.sha256, bundle.plan ?? null, bundle.suites, disruptive, submission.retries, submission.schedule ?? null],
    );
    if (submission.mode === 'any') {
      await client.query('INSERT INTO lab.queues (name, selection, labels) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [queues[0]!.queue, canonicalSelection(selection), JSON.stringify(selectionLabels(selection))]);
    }
    const jobs: Submitted['jobs'] = [];
    for (const { queue, device } of queues) {
      const jobId = randomUUID();
      await client.query('INSERT INTO lab.jobs (id, submission_id, queue, device_id) VALUES ($1, $2, $3, $4)', [jobId, id, queue, device ?? null]);
      await boss.send(queue, { jobId }, { id: jobId, retryLimit: submission.retries, retryDelay: 0, expireInSeconds: submission.expireInSeconds ?? 6 * 3600, deadLetter: DEAD_LETTER_QUEUE, db: onClient(client) });
      jobs.push({ id: jobId, queue, ...(device ? { device } : {}) });
    }
    // Delivered at commit: idle workers wake at once instead of at their next poll.
    await client.query("SELECT pg_notify('poshil_jobs', $1)", [id]);
    return { id, jobs, existing: false };
  }).then((submitted) => {
    storedBundles.add(`${db.url}\0${submission.bundle.sha256}`);
    return submitted;
  });
}

/** The registered devices a selection matches, or exit 2 with the labels that exist. */
function requireMatch(devices: readonly DeviceRow[], selection: Selection): DeviceRow[] {
  if (devices.length === 0) throw new InputError('E_NO_DEVICES', 'no device is registered in the lab yet', { hint: 'start `poshil lab worker --bench FILE` on a bench host first; its devices register when it starts' });
  const chosen = devices.filter((d) => matches(d.labels, selection));
  if (chosen.length > 0) return chosen;
  const labels = [...labelsInUse(devices)].map(([key, values]) => `${key}=${values.join('|')}`).join('  ');
  throw new InputError('E_NO_DEVICES', `no registered device matches --select ${selection.text}`, { hint: `the labels in the lab: ${labels}` });
}
