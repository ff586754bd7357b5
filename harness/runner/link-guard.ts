/**
 * What a step does about the terminal's link: it starts only when the link is up (waiting for a
 * terminal that is coming back); a drop it did not expect ends it at once as ERROR "link lost";
 * a step that restarts the terminal (do reboot, do upgrade, stimulus powerCycle) expects the drop
 * and ends only when the terminal is back.
 */
import type { Step } from '../config/types.js';
import { errorMessage } from '../core/errors.js';
import type { LinkOutage } from '../core/record.js';
import type { ReconnectingTerminal } from './reconnecting-terminal.js';
import type { StepResult } from './steps/index.js';

const RESTARTING_VERBS = new Set(['reboot', 'upgrade']);
const RESTARTING_STIMULI = new Set(['powerCycle']);

export function restartsTerminal(step: Step): boolean {
  return (step.kind === 'do' && RESTARTING_VERBS.has(step.verb)) || (step.kind === 'stimulus' && RESTARTING_STIMULI.has(step.stimulus));
}

/** The terminal (or the instrument) took the command: a refusal restarts nothing. */
function accepted(result: StepResult): boolean {
  const observed = result.observed as { result?: unknown; ok?: boolean } | undefined;
  return observed !== undefined && (observed.ok === true || 'result' in observed);
}

/** Before the step: undefined when the link is up (or came back), else the ERROR the step ends in. */
export async function linkBeforeStep(link: ReconnectingTerminal, signal: AbortSignal): Promise<StepResult | undefined> {
  if (link.state === 'up') return undefined;
  try {
    await link.whenUp(signal);
    return undefined;
  } catch (error) {
    return { outcome: 'ERROR', reason: `${errorMessage(error)} [E_LINK_LOST]` };
  }
}

export interface StepWatch {
  /** Set when the link dropped and the step did not expect it. */
  readonly lost: Error | undefined;
  /** After the step ran: the result, changed for a lost link or a restart's outage. */
  finish(result: StepResult, signal: AbortSignal): Promise<StepResult>;
}

/** Watches the link while the step runs; `abort` ends the running step when a drop was not expected. */
export function watchLink(step: Step, link: ReconnectingTerminal, linkDropMs: number, abort: (reason: Error) => void): StepWatch {
  const restarts = restartsTerminal(step);
  let lost: Error | undefined;
  if (restarts) link.expectDrop();
  const off = restarts
    ? () => undefined
    : link.onDown((cause) => {
        lost = cause;
        abort(cause);
      });
  return {
    get lost() {
      return lost;
    },
    async finish(result, signal) {
      off();
      if (lost) return { ...result, outcome: 'ERROR', reason: `link lost: ${lost.message} [E_LINK_LOST]` };
      if (!restarts) return result;
      if (!accepted(result)) {
        await link.settleAfterRestart(0, signal).catch(() => undefined);
        return result;
      }
      let outage: LinkOutage | undefined;
      try {
        outage = await link.settleAfterRestart(linkDropMs, signal);
      } catch (error) {
        return { ...result, outcome: 'ERROR', reason: `${errorMessage(error)} [E_LINK_LOST]` };
      }
      if (!outage) return result;
      const reconnect = { downMs: outage.downMs, addressBefore: outage.addressBefore, ...(outage.addressAfter ? { addressAfter: outage.addressAfter } : {}), ...(outage.identityAfter ? { firmwareAfter: outage.identityAfter.firmware } : {}) };
      return { ...result, details: { ...result.details, reconnect } };
    },
  };
}
