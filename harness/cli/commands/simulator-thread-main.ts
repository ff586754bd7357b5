/** The simulator thread (simulator-thread.ts): starts and stops simulators as poshil's thread asks. */
import { parentPort } from 'node:worker_threads';
import type { RunningSimulator } from '../../../devices/simulator/server.js';
import { PoshilError, errorMessage } from '../../core/errors.js';
import { startSimulatorFromArgs } from './in-process-simulator.js';
import type { FromThread, ToThread } from './simulator-thread.js';

const port = parentPort!;
const running = new Map<number, RunningSimulator>();
const post = (message: FromThread) => port.postMessage(message);

port.on('message', (message: ToThread) => {
  const { id } = message;
  if (message.op === 'stop') {
    const simulator = running.get(id);
    running.delete(id);
    void (simulator?.stop() ?? Promise.resolve()).catch(() => undefined).then(() => post({ op: 'stopped', id }));
    return;
  }
  startSimulatorFromArgs(message.args, message.readyTimeoutMs, (address) => post({ op: 'link', id, address })).then(
    (simulator) => {
      running.set(id, simulator);
      post({ op: 'started', id, link: simulator.link, control: simulator.control });
    },
    (error: unknown) => {
      const known = error instanceof PoshilError ? error : undefined;
      post({ op: 'failed', id, code: known?.code ?? 'E_SIMULATOR_START', message: known?.message ?? errorMessage(error), ...(known?.context.hint ? { hint: known.context.hint } : {}) });
    },
  );
});
