/**
 * `--in-process-simulators` on a bench of several simulated terminals: their simulators run
 * together on one worker thread instead of on poshil's own event loop, which otherwise carries
 * both sides of every exchange. On a second core the simulators' half no longer waits for the
 * harness's (docs/benches.md, figures). The link is still a real socket or pty, so the harness
 * sees the same terminal either way; only where the simulator's code runs changes.
 */
import { Worker } from 'node:worker_threads';
import { DeviceError, InputError } from '../../core/errors.js';
import type { SimulatorLauncher } from '../../runner/simulator-process.js';

export type ToThread = { op: 'start'; id: number; args: readonly string[]; readyTimeoutMs: number } | { op: 'stop'; id: number };

export type FromThread =
  | { op: 'started'; id: number; link: string; control: string }
  | { op: 'failed'; id: number; code: string; message: string; hint?: string }
  | { op: 'link'; id: number; address: string | undefined }
  | { op: 'stopped'; id: number };

interface Simulator {
  started?: (reply: Extract<FromThread, { op: 'started' | 'failed' }>) => void;
  stopped?: () => void;
  current?: string | undefined;
}

/**
 * Starts the thread at once (it boots while poshil loads the suites) and returns a launcher that
 * starts every simulator on it. The thread keeps poshil alive only while a simulator runs.
 */
export function simulatorThread(): SimulatorLauncher {
  let ended: string | undefined;
  let nextId = 1;
  const simulators = new Map<number, Simulator>();
  let running = 0;
  // Not tracking descriptors: a pty simulator closes node-pty's descriptors, which Node did not open.
  const worker = new Worker(new URL('./simulator-thread-main.js', import.meta.url), { trackUnmanagedFds: false });
  worker.unref();
  worker.on('message', (reply: FromThread) => {
    const simulator = simulators.get(reply.id);
    if (!simulator) return;
    if (reply.op === 'link') simulator.current = reply.address;
    else if (reply.op === 'stopped') simulator.stopped?.();
    else simulator.started?.(reply);
  });
  // A thread that dies takes every simulator with it: their links drop, and the harness finds them gone.
  const die = (why: string) => {
    ended ??= why;
    for (const simulator of simulators.values()) {
      simulator.started?.({ op: 'failed', id: 0, code: 'E_SIMULATOR_START', message: `the simulator did not start: the simulator thread ended: ${why}` });
      simulator.stopped?.();
    }
  };
  worker.on('error', (error) => die(error.message));
  worker.on('exit', (code) => die(`it exited with ${code}`));
  // Held while a simulator runs.
  const hold = (delta: number) => {
    running += delta;
    if (running > 0) worker.ref();
    else worker.unref();
  };

  return async (args, readyTimeoutMs) => {
    if (ended) throw new DeviceError('E_SIMULATOR_START', `the simulator did not start: the simulator thread ended: ${ended}`);
    const id = nextId++;
    const simulator: Simulator = {};
    simulators.set(id, simulator);
    const reply = await new Promise<Extract<FromThread, { op: 'started' | 'failed' }>>((resolve) => {
      simulator.started = resolve;
      worker.postMessage({ op: 'start', id, args, readyTimeoutMs } satisfies ToThread);
      hold(1);
    });
    simulator.started = undefined;
    if (reply.op === 'failed') {
      simulators.delete(id);
      hold(-1);
      // Arguments the simulator refused stay the profile's fault across the thread: exit 2.
      const context = reply.hint ? { hint: reply.hint } : {};
      throw reply.code === 'E_SIMULATOR_ARGS' ? new InputError(reply.code, reply.message, context) : new DeviceError(reply.code, reply.message, context);
    }
    simulator.current = reply.link;
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= new Promise<void>((resolve) => {
        simulator.stopped = resolve;
        if (ended) resolve();
        else worker.postMessage({ op: 'stop', id } satisfies ToThread);
      }).finally(() => {
        simulators.delete(id);
        hold(-1);
      }));
    const currentLink = () => {
      if (ended) throw new DeviceError('E_LINK_GONE', `the simulator thread ended: ${ended}`);
      return simulator.current;
    };
    return { link: reply.link, control: reply.control, pid: process.pid, where: "on poshil's simulator thread", currentLink, stop, stderrTail: () => '' };
  };
}
