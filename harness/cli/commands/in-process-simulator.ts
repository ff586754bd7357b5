/**
 * A profile's simulator started inside poshil's own process instead of as a child: the same
 * `sim` arguments, the same server, without booting a Node process per terminal. A bench of
 * dozens of simulated terminals spends most of its time booting them otherwise
 * (docs/benches.md, figures). The price: simulator and harness share one event loop, so timings
 * the run measures include the other's work — fine for CI, not for measuring a terminal.
 */
import { Command } from 'commander';
import { startSimulator, type RunningSimulator } from '../../../devices/simulator/server.js';
import { DeviceError, InputError, PoshilError, errorMessage } from '../../core/errors.js';
import type { SimulatorLauncher } from '../../runner/simulator-process.js';
import { defineSim, simulatorOptions, type SimOptions } from './sim.js';

export const startInProcessSimulator: SimulatorLauncher = async (args, readyTimeoutMs) => {
  const simulator = await startSimulatorFromArgs(args, readyTimeoutMs);
  return { link: simulator.link, control: simulator.control, pid: process.pid, where: 'in the poshil process', currentLink: () => simulator.currentLink(), stop: () => simulator.stop(), stderrTail: () => '' };
};

/** A profile's simulator.args started on the calling thread; `onLinkChange` hears where its link moves (restarts, unplugs). */
export async function startSimulatorFromArgs(args: readonly string[], readyTimeoutMs: number, onLinkChange?: (address: string | undefined) => void): Promise<RunningSimulator> {
  const command = defineSim(new Command('sim'))
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    command.parse([...args], { from: 'user' });
    const options = await simulatorOptions(command.opts<SimOptions>());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    });
    const starting = startSimulator({ ...options, ...(onLinkChange ? { onLinkChange } : {}) });
    // One that comes up after its time-out is stopped, never left listening.
    const simulator = await Promise.race([starting, timeout])
      .catch((error: unknown) => {
        void starting.then((late) => late.stop(), () => undefined);
        throw error;
      })
      .finally(() => clearTimeout(timer));
    return simulator;
  } catch (error) {
    const why = error instanceof PoshilError ? error.message : errorMessage(error);
    // Arguments it refused (an unknown --defect, a bad fault plan) are the profile's fault: exit 2.
    if (error instanceof InputError) throw new InputError('E_SIMULATOR_ARGS', `the simulator did not start: ${why}`, { ...error.context, hint: `check the profile's simulator.args (${args.join(' ')})${error.context.hint ? `; ${error.context.hint}` : ''}` });
    throw new DeviceError('E_SIMULATOR_START', `the simulator did not start: ${why}`, { hint: `check the profile's simulator.args (${args.join(' ')})` });
  }
}
