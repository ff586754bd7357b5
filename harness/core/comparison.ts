/** The comparison of two run records (`poshil compare A B`). Types only. */
import type { Outcome } from './outcome.js';

/** `still skipped`: skipped in both runs (e.g. a capability the terminal lacks), which is no failure. */
export type CaseChange = 'regressed' | 'recovered' | 'still failing' | 'still passing' | 'still skipped' | 'added' | 'removed';

export interface CaseComparison {
  key: string;
  change: CaseChange;
  before?: Outcome;
  after?: Outcome;
  reasonAfter?: string;
}

export interface MeasurementComparison {
  /** `suite/case/measurement` */
  key: string;
  unit: string;
  before: number;
  after: number;
  delta: number;
  /** Relative change in %, when `before` is not 0. */
  deltaPercent?: number;
  verdictBefore: string;
  verdictAfter: string;
}

export interface DistributionComparison {
  /** `suite/case/step` of a load step. */
  key: string;
  samplesBefore: number;
  samplesAfter: number;
  medianBefore: number;
  medianAfter: number;
  p95Before: number;
  p95After: number;
  /** Two-sided p-value of the Mann-Whitney U test (normal approximation). */
  pValue: number;
  /** Slower or faster, when the difference is significant and large enough to matter. */
  finding: 'slower' | 'faster' | 'no significant change';
}

export interface Comparison {
  /** `firmware` is what the terminal ran at the start; `firmwareAtEnd` only when the run changed it. */
  before: { runId: string; firmware?: string; firmwareAtEnd?: string; startedAt: string; file: string };
  after: { runId: string; firmware?: string; firmwareAtEnd?: string; startedAt: string; file: string };
  cases: CaseComparison[];
  measurements: MeasurementComparison[];
  distributions: DistributionComparison[];
  counts: Record<CaseChange, number>;
  /**
   * Why the second run cannot stand for its firmware: it did not finish (status error, crashed
   * or interrupted), so the cases it lacks were lost, not dropped from the suite.
   */
  incomplete?: string;
  /**
   * What differs between the two runs besides the firmware: another terminal (model, serial
   * number), protocol or device profile. Said, not judged: a case a ZVT terminal skips for lack of
   * card events is no regression of a firmware.
   */
  differences?: string[];
  /** True when something got worse: a regression, a significantly slower distribution, or an incomplete second run. */
  worse: boolean;
}
