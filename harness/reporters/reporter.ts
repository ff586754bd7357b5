/**
 * Reporters observe a run through optional hooks and read only the record types. The runner
 * talks to one `ReporterMultiplexer`, which isolates a reporter that throws: the run and the
 * other reporters go on, and the failure is reported once at the end.
 */
import type { CaseRecord, RunHeader, RunRecord, StepRecord, SuiteRecord } from '../core/record.js';

export interface CaseRef {
  suite: string;
  id: string;
  title?: string;
  attempt: number;
}

/** Where a long step stands (a load step: transactions done, the running median latency). */
export interface StepProgress {
  done: number;
  /** Transactions planned; 0 when the step runs for a time instead (see `leftMs`). */
  total: number;
  /** Time left of a step that runs for a time, ms. */
  leftMs?: number;
  /** Figures so far against their limits, e.g. p50 120 ms against max 200 ms. */
  figures: { name: string; value: number; unit: string; max?: number; min?: number }[];
}

export interface StepStart {
  index: number;
  label: string;
  timeoutMs: number;
}

export interface Reporter {
  readonly name: string;
  onRunStart?(header: RunHeader, plannedCases: number): void;
  onSuiteStart?(suite: Omit<SuiteRecord, 'cases'>): void;
  onCaseStart?(ref: CaseRef): void;
  onStepStart?(ref: CaseRef, step: StepStart): void;
  /** A step that can tell its progress hands over a way to ask; reporters ask when they print. */
  onStepProgress?(ref: CaseRef, progress: () => StepProgress): void;
  onStepEnd?(ref: CaseRef, step: StepRecord): void;
  onCaseEnd?(record: CaseRecord): void;
  /** Called once with the finished (or interrupted) record; may write files. */
  onRunEnd?(record: RunRecord): void | Promise<void>;
}

export class ReporterMultiplexer {
  readonly failures: { reporter: string; hook: string; error: unknown }[] = [];
  constructor(private readonly reporters: readonly Reporter[]) {}

  private each(hook: keyof Omit<Reporter, 'name' | 'onRunEnd'>, call: (r: Reporter) => void): void {
    for (const reporter of this.reporters) {
      if (!reporter[hook]) continue;
      try {
        call(reporter);
      } catch (error) {
        this.failures.push({ reporter: reporter.name, hook, error });
      }
    }
  }

  onRunStart(header: RunHeader, plannedCases: number): void {
    this.each('onRunStart', (r) => r.onRunStart?.(header, plannedCases));
  }
  onSuiteStart(suite: Omit<SuiteRecord, 'cases'>): void {
    this.each('onSuiteStart', (r) => r.onSuiteStart?.(suite));
  }
  onCaseStart(ref: CaseRef): void {
    this.each('onCaseStart', (r) => r.onCaseStart?.(ref));
  }
  onStepStart(ref: CaseRef, step: StepStart): void {
    this.each('onStepStart', (r) => r.onStepStart?.(ref, step));
  }
  onStepProgress(ref: CaseRef, progress: () => StepProgress): void {
    this.each('onStepProgress', (r) => r.onStepProgress?.(ref, progress));
  }
  onStepEnd(ref: CaseRef, step: StepRecord): void {
    this.each('onStepEnd', (r) => r.onStepEnd?.(ref, step));
  }
  onCaseEnd(record: CaseRecord): void {
    this.each('onCaseEnd', (r) => r.onCaseEnd?.(record));
  }
  async onRunEnd(record: RunRecord): Promise<void> {
    for (const reporter of this.reporters) {
      try {
        await reporter.onRunEnd?.(record);
      } catch (error) {
        this.failures.push({ reporter: reporter.name, hook: 'onRunEnd', error });
      }
    }
  }
}
