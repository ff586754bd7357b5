/**
 * Sending a worker's finished runs to the database, and telling people of what they mean (a run
 * that did not pass, the end of an --each campaign). A run's result goes up at once, and into the
 * outbox only when the database does not take it: a file written and removed for every job cost
 * the lab's throughput. A worker killed in between is a worker killed mid-job: its lease expires
 * and the job is retried. Results in the outbox go up on the worker's polls.
 */
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { errorMessage } from '../../core/errors.js';
import type { LabEvent } from '../notify/index.js';
import { campaignEndEvent, runFailedEvent } from './events.js';
import type { Outbox } from './outbox.js';
import { uploadRun, type FinishedRun } from './upload.js';

export class ResultSender {
  private readonly sending = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly boss: PgBoss,
    private readonly outbox: Outbox,
    private readonly say: (line: string) => void,
    private readonly notify: (event: LabEvent) => void,
    /** The device's name in this worker's bench, for the people told. */
    private readonly deviceName: (deviceId: string) => string,
  ) {}

  /** A run just finished. */
  send(run: FinishedRun): Promise<void> {
    return this.upload(run, false);
  }

  /** Every run waiting in the outbox; with `wait`, one after the other and done when they are. */
  async sendWaiting(wait: boolean): Promise<void> {
    for (const run of this.outbox.pending()) {
      if (wait) await this.upload(run, true);
      else void this.upload(run, true);
    }
  }

  /** Runs whose wait in the outbox was said. */
  private readonly toldKept = new Set<string>();

  private async upload(run: FinishedRun, inOutbox: boolean): Promise<void> {
    if (this.sending.has(run.runId)) return;
    this.sending.add(run.runId);
    try {
      const { how, each } = await uploadRun(this.pool, this.boss, run);
      if (inOutbox) this.outbox.remove(run.runId);
      this.toldKept.delete(run.runId);
      this.say(`job ${run.jobId}: ${run.outcome} (exit ${run.exitCode}) ${how === 'late' ? 'recorded late: its lease had been taken away' : 'recorded'}`);
      if (how === 'recorded') await this.tellOfEnd(run, each);
    } catch (error) {
      if (!inOutbox) this.outbox.put(run);
      // Said once a job: the outbox is tried again every poll while the database is away.
      if (!this.toldKept.has(run.runId)) this.say(`job ${run.jobId}: result kept in the outbox until the database answers (${errorMessage(error)})`);
      this.toldKept.add(run.runId);
    } finally {
      this.sending.delete(run.runId);
    }
  }

  private async tellOfEnd(run: FinishedRun, each: boolean): Promise<void> {
    try {
      const failed = await runFailedEvent(this.pool, run, this.deviceName(run.deviceId));
      if (failed) this.notify(failed);
      // Only an --each submission is a campaign with an end to tell.
      const campaign = each ? await campaignEndEvent(this.pool, run.jobId) : undefined;
      if (campaign) this.notify(campaign);
    } catch (error) {
      this.say(`job ${run.jobId}: could not prepare its notifications: ${errorMessage(error)}`);
    }
  }
}
