import type { Terminal } from '../../devices/drivers/terminal.js';
import type { Transcript } from '../evidence/transcript.js';
import type { StepProgress } from '../reporters/reporter.js';
import type { EventInbox } from './inbox.js';
import type { ReconnectingTerminal } from './reconnecting-terminal.js';
import type { StimulusRouter } from './stimuli.js';

/** What a step may use while it runs; one per case attempt, not changed once made (the executor keeps a copy per guard). */
export interface StepContext {
  terminal: Terminal;
  stimuli: StimulusRouter;
  inbox: EventInbox;
  transcript: Transcript;
  /** Aborted when the run is interrupted (Ctrl-C, SIGTERM). */
  signal: AbortSignal;
  /** `performance.now()` when the attempt started. */
  caseStart: number;
  /** `performance.now()` when each step with an id started, for `measure.since`. */
  stepStarts: Map<string, number>;
  /** Results kept by `save:` for later `same` steps. */
  saved: Map<string, unknown>;
  /** The terminal's link, followed across drops; absent when a test drives a bare Terminal. */
  link?: ReconnectingTerminal;
  /** How long after a restarting step the link may take to drop (the profile's timeouts.linkDrop). */
  linkDropMs?: number;
  /** For long steps: hands the reporters a way to ask how far the step has got. */
  progress?: (snapshot: () => StepProgress) => void;
}
