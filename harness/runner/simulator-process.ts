/**
 * Starts `poshil sim` as a child process for a profile that asks for it, waits for its ready
 * announcement (one JSON line on stdout), and always stops it. execa's cleanup also kills it if
 * poshil itself dies.
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { DeviceError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';

export interface SimulatorAnnouncement {
  link: string;
  control: string;
  pid: number;
}

export interface RunningSimulator extends SimulatorAnnouncement {
  stop(): Promise<void>;
  /** Last lines the simulator wrote to stderr, for error messages. */
  stderrTail(): string;
}

export function cliEntry(): string {
  return join(packageRoot(), 'dist', 'harness', 'cli', 'main.js');
}

export async function startSimulatorProcess(args: readonly string[], readyTimeoutMs: number, logFile?: string): Promise<RunningSimulator> {
  const child: ResultPromise = execa(process.execPath, [cliEntry(), 'sim', ...args, '--exit-with-parent'], {
    reject: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: logFile ? { file: logFile, append: true } : 'pipe',
    forceKillAfterDelay: 3000,
    env: { NO_COLOR: '1' },
  });
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 20) tail.shift();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await child;
  };
  const lines = createInterface({ input: child.stdout! });
  try {
    const announcement = await new Promise<SimulatorAnnouncement>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready announcement within ${readyTimeoutMs} ms`)), readyTimeoutMs);
      lines.on('line', (line) => {
        try {
          const value = JSON.parse(line) as Partial<SimulatorAnnouncement> & { event?: string };
          if (value.event === 'ready' && typeof value.link === 'string' && typeof value.control === 'string') {
            clearTimeout(timer);
            resolve({ link: value.link, control: value.control, pid: value.pid ?? child.pid ?? 0 });
          }
        } catch {
          // Not the announcement; the simulator's stdout carries nothing else we need.
        }
      });
      void child.then((result) => {
        clearTimeout(timer);
        reject(new Error(`it exited with ${result.exitCode ?? result.signal} before it was ready`));
      });
    });
    return { ...announcement, stop, stderrTail: () => tail.join('').slice(-2000) };
  } catch (error) {
    await stop();
    throw new DeviceError('E_SIMULATOR_START', `the simulator did not start: ${(error as Error).message}`, {
      hint: `check the profile's simulator.args (${args.join(' ')}); the simulator said: ${tail.join('').slice(-500) || '(nothing)'}`,
    });
  } finally {
    lines.close();
  }
}
