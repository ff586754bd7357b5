/**
 * `poshil run` starts a profile's simulator as soon as it has read the profile, before the
 * suites are parsed, their expectations compiled and the runner loaded: the simulator's own
 * start (a second Node process booting) then overlaps poshil's instead of following it. The run
 * takes it over; an input error found before that stops it and removes the run folder again.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newRunId } from '../../runner/run-id.js';
import { startSimulatorProcess, type RunningSimulator } from '../../runner/simulator-process.js';

export interface EarlySimulator {
  runId: string;
  starting: Promise<RunningSimulator>;
  /** The run will not happen: stop the simulator and remove the run folder it logged into. */
  abandon(): Promise<void>;
}

export function startEarly(simulator: { args: readonly string[]; readyTimeoutMs: number }, outDir: string): EarlySimulator {
  const runId = newRunId();
  const runDir = join(outDir, runId);
  mkdirSync(runDir);
  const starting = startSimulatorProcess(simulator.args, simulator.readyTimeoutMs, join(runDir, 'simulator.log'));
  // Whoever takes it over awaits it; until then a failed start must not count as unhandled.
  starting.catch(() => undefined);
  return {
    runId,
    starting,
    abandon: async () => {
      await starting.then((running) => running.stop(), () => undefined);
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
