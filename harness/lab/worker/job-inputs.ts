/**
 * What a job runs: its submission's suites or plan, written out from the bundle the submitter
 * stored and loaded for the device's profile. The same bundle on the same device loads the same,
 * so it is compiled once per worker, not once per job.
 */
import { join } from 'node:path';
import type pg from 'pg';
import type { BenchDevice } from '../../bench/bench-file.js';
import { loadPlanInputs, loadRunInputs, type RunInputs } from '../../config/inputs.js';
import type { Plan } from '../../config/plan.js';
import { ExitCode, PoshilError } from '../../core/errors.js';
import { checkStimulusRoutes } from '../../runner/stimulus-routes.js';
import { writeBundle, type BundleFile } from '../bundle.js';

export interface LoadedJob {
  inputs: RunInputs;
  plan?: Plan;
  retries: number;
  suites: string[];
}

/** Bundles (with their compiled suites) kept per worker; the oldest goes first. */
const KEPT = 256;

export class JobInputs {
  private readonly loaded = new Map<string, LoadedJob>();

  constructor(
    private readonly pool: pg.Pool,
    /** Bundles are written under this folder, one per SHA-256. */
    private readonly dir: string,
  ) {}

  async load(jobId: string, device: BenchDevice): Promise<LoadedJob> {
    const { rows } = await this.pool.query<{ plan: string | null; suites: string[]; sha256: string }>(
      'SELECT s.plan, s.suites, s.bundle_sha256 AS sha256 FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id WHERE j.id = $1',
      [jobId],
    );
    const row = rows[0];
    if (!row) throw new PoshilError('E_LAB_JOB', `job ${jobId} has no submission`, ExitCode.invalidInput);
    const key = `${row.sha256}\0${device.name}`;
    const cached = this.loaded.get(key);
    if (cached) return cached;
    const { rows: bundle } = await this.pool.query<{ files: BundleFile[] }>('SELECT files FROM lab.bundles WHERE sha256 = $1', [row.sha256]);
    const loaded = this.fromBundle({ ...row, files: bundle[0]?.files ?? [] }, device);
    if (this.loaded.size >= KEPT) this.loaded.delete(this.loaded.keys().next().value!);
    this.loaded.set(key, loaded);
    return loaded;
  }

  private fromBundle(row: { plan: string | null; suites: string[]; sha256: string; files: BundleFile[] }, device: BenchDevice): LoadedJob {
    const dir = writeBundle(this.dir, row.sha256, row.files);
    // A stimulus the device's profile cannot deliver rejects the job, as `poshil run` refuses it.
    if (row.plan) {
      const inputs = loadPlanInputs(device.profile, join(dir, row.plan));
      checkStimulusRoutes(inputs.profile, inputs.suites);
      return { inputs, plan: inputs.plan, retries: inputs.plan.retries, suites: inputs.suites.map((s) => s.id) };
    }
    const inputs = loadRunInputs(device.profile, row.suites.map((s) => join(dir, s)));
    checkStimulusRoutes(inputs.profile, inputs.suites);
    return { inputs, retries: 0, suites: inputs.suites.map((s) => s.id) };
  }
}
