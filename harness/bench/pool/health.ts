/**
 * A device's health is a state with a reason, as in LAVA: `good` devices run; `quarantined` ones
 * (moved there by repeated device failures) and ones in `maintenance` (moved there by a person)
 * are skipped until someone releases them. Every transition here is a pure function of the old
 * health and what happened; the state file only persists the result.
 */

export type HealthState = 'good' | 'quarantined' | 'maintenance';

export interface LastResult {
  benchRunId: string;
  at: string;
  /** The device run's exit code: 0 pass, 1 a case not passing, 3 device/infrastructure, 130 interrupted. */
  exitCode: number;
  outcome: string;
  /** Why the device could not be used, when it could not. */
  error?: string;
  /** What the terminal said it was, when it answered. */
  identity?: { model: string; serialNumber: string; firmware: string };
}

export interface DeviceHealth {
  state: HealthState;
  /** Why the device is in this state, in words a person acts on. */
  reason: string;
  since: string;
  /** Runs in a row that ended in a device or infrastructure error. */
  consecutiveFailures: number;
  lastResult?: LastResult;
}

/** How a device's run ended, as far as its health is concerned. */
export type RunEnding =
  | { kind: 'answered'; result: LastResult } // the terminal took part: cases passed or failed on their merits
  | { kind: 'device-failure'; result: LastResult; reason: string } // link lost, identify failed, simulator did not start
  | { kind: 'interrupted'; result: LastResult };

export function newHealth(now: Date): DeviceHealth {
  return { state: 'good', reason: 'never failed', since: now.toISOString(), consecutiveFailures: 0 };
}

export function isRunnable(health: DeviceHealth): boolean {
  return health.state === 'good';
}

export function afterRun(health: DeviceHealth, ending: RunEnding, quarantineAfter: number, now: Date): DeviceHealth {
  switch (ending.kind) {
    case 'interrupted':
      // Ctrl-C says nothing about the device.
      return { ...health, lastResult: ending.result };
    case 'answered':
      return { ...health, consecutiveFailures: 0, lastResult: ending.result, ...(health.state === 'good' ? { reason: 'answered in its last run' } : {}) };
    case 'device-failure': {
      const failures = health.consecutiveFailures + 1;
      if (health.state === 'good' && failures >= quarantineAfter) {
        return {
          state: 'quarantined',
          reason: `${failures} runs in a row ended in a device error; the last: ${ending.reason}`,
          since: now.toISOString(),
          consecutiveFailures: failures,
          lastResult: ending.result,
        };
      }
      return { ...health, consecutiveFailures: failures, lastResult: ending.result, ...(health.state === 'good' ? { reason: `device error (${failures} of ${quarantineAfter} before quarantine): ${ending.reason}` } : {}) };
    }
  }
}

/** A person brings the device back: `poshil bench release`. */
export function released(health: DeviceHealth, by: string, now: Date): DeviceHealth {
  return { ...health, state: 'good', reason: `released by ${by} (was ${health.state}: ${health.reason})`, since: now.toISOString(), consecutiveFailures: 0 };
}

/** A person takes the device out of service: `poshil bench hold`. */
export function heldForMaintenance(health: DeviceHealth, reason: string, now: Date): DeviceHealth {
  return { ...health, state: 'maintenance', reason, since: now.toISOString() };
}
