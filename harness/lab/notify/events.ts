/**
 * What happened in the lab that a person must hear about: a failed run (the store's morning check
 * at 07:30 must reach someone before opening), a scheduled run that never started, a quarantined
 * terminal, a bench host gone quiet, a finished `--each` campaign. Events are plain JSON (they may
 * travel through the database); times are ISO 8601 strings in UTC.
 */

/** Case counts of one run; a run record's summary (RunSummary) fits as it is. */
export interface CaseCounts {
  total: number;
  passed: number;
  failed: number;
  errors?: number;
  timeouts?: number;
  skipped?: number;
}

export interface RunFailedEvent {
  kind: 'run-failed';
  jobId: string;
  /** Device name as the bench file gives it, e.g. `till-3`. */
  device: string;
  site?: string;
  /** The suite or the plan the job ran (at least one). */
  suite?: string;
  plan?: string;
  counts: CaseCounts;
  /** First failing case and why, e.g. `card-swipe/visa: expected APPROVED, got DECLINED`. */
  firstFailure?: string;
  /** The schedule that started the job, if a schedule did. */
  schedule?: string;
  /** When the run ended. */
  at: string;
  /** Time zone to show `at` in (a scheduled run's own); UTC when left out. */
  tz?: string;
}

export interface ScheduleMissedEvent {
  kind: 'schedule-missed';
  schedule: string;
  /** When it was due (UTC). */
  fireTime: string;
  /** The schedule's time zone, in which the message shows the fire time. */
  tz: string;
}

export interface DeviceQuarantinedEvent {
  kind: 'device-quarantined';
  device: string;
  worker: string;
  reason: string;
  site?: string;
  at: string;
}

export interface WorkerOfflineEvent {
  kind: 'worker-offline';
  worker: string;
  lastSeen: string;
}

export interface CampaignFinishedEvent {
  kind: 'campaign-finished';
  submissionId: string;
  /** The label selection, e.g. `brand=acme,firmware=2.1`. */
  selection: string;
  /** Devices the campaign ran on. */
  devices: string[];
  /** Runs (one per device) that passed and that did not; jobs withdrawn with lab cancel, when any. */
  counts: { passed: number; failed: number; cancelled?: number };
  suite?: string;
  plan?: string;
  at: string;
}

export type LabEvent = RunFailedEvent | ScheduleMissedEvent | DeviceQuarantinedEvent | WorkerOfflineEvent | CampaignFinishedEvent;
export type LabEventKind = LabEvent['kind'];

export const EVENT_KINDS: readonly LabEventKind[] = ['run-failed', 'schedule-missed', 'device-quarantined', 'worker-offline', 'campaign-finished'];
