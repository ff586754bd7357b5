/**
 * Starts `poshil sim` as a child process for a profile that asks for it, waits for its ready
 * announcement (one JSON line on stdout), and always stops it: SIGTERM, then SIGKILL after 3 s;
 * and when poshil itself exits. Plain child_process: execa alone is 106 modules to load before
 * a run can reach its first case.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { DeviceError, ExitCode, InputError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';

export interface SimulatorAnnouncement {
  link: string;
  control: string;
  pid: number;
}

export interface RunningSimulator extends SimulatorAnnouncement {
  /**
   * Where its link is now, as it last announced: undefined while the terminal is away (restarting,
   * unplugged). Throws `E_LINK_GONE` once the simulator process has ended.
   */
  currentLink(): string | undefined;
  stop(): Promise<void>;
  /** Last lines the simulator wrote to stderr, for error messages. */
  stderrTail(): string;
  /**
   * Where it runs when it is no process of its own ("in the poshil process"). Such a simulator
   * writes no simulator.log: its start is in the run's transcript and poshil.log, which saves a
   * file per device run (a lab job makes a dozen, and making one can cost a millisecond).
   */
  where?: string;
}

/**
 * Starts the simulator a profile asks for: as its own process (below), writing its output to
 * `logFile`, or another way the caller chooses.
 */
export type SimulatorLauncher = (args: readonly string[], readyTimeoutMs: number, logFile?: string) => Promise<RunningSimulator>;

export function cliEntry(): string {
  return join(packageRoot(), 'dist', 'harness', 'cli', 'main.js');
}

/** The last lines a simulator wrote to its log (where its stderr goes), for an error message. */
function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').slice(-500);
  } catch {
    return '';
  }
}

/** What a simulator printed (an error and its hint), on one line of a message. */
const oneLine = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim().replace(/^poshil: /, ''))
    .filter(Boolean)
    .join('; ');

export const startSimulatorProcess: SimulatorLauncher = async (args, readyTimeoutMs, logFile) => {
  const logFd = logFile ? openSync(logFile, 'a') : undefined;
  const child = spawn(process.execPath, [cliEntry(), 'sim', ...args, '--exit-with-parent'], {
    stdio: ['pipe', 'pipe', logFd ?? 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (logFd !== undefined) closeSync(logFd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 20) tail.shift();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(force);
  };
  const lines = createInterface({ input: child.stdout! });
  // After the ready line the simulator announces each move of its link; the last one counts.
  let current: string | undefined;
  let ended: string | undefined;
  void exited.then((result) => (ended = `the simulator (pid ${child.pid}) exited with ${result.code ?? result.signal}`));
  lines.on('line', (line) => {
    try {
      const value = JSON.parse(line) as { event?: string; link?: string | null };
      if (value.event === 'link') current = typeof value.link === 'string' ? value.link : undefined;
    } catch {
      // Not an announcement.
    }
  });
  const currentLink = () => {
    if (ended) throw new DeviceError('E_LINK_GONE', ended, { hint: `the simulator's log says why: ${tail.join('').slice(-300) || '(nothing)'}` });
    return current;
  };
  try {
    const announcement = await new Promise<SimulatorAnnouncement>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready announcement within ${readyTimeoutMs} ms`)), readyTimeoutMs);
      lines.on('line', (line) => {
        try {
          const value = JSON.parse(line) as Partial<SimulatorAnnouncement> & { event?: string };
          if (value.event === 'ready' && typeof value.link === 'string' && typeof value.control === 'string') {
            clearTimeout(timer);
            current = value.link;
            resolve({ link: value.link, control: value.control, pid: value.pid ?? child.pid ?? 0 });
          }
        } catch {
          // Not the announcement; the simulator's stdout carries nothing else we need.
        }
      });
      void exited.then((result) => {
        clearTimeout(timer);
        reject(new Error(`it exited with ${result.code ?? result.signal} before it was ready`));
      });
    });
    return { ...announcement, currentLink, stop: async () => (lines.close(), await stop()), stderrTail: () => tail.join('').slice(-2000) };
  } catch (error) {
    lines.close();
    await stop();
    // With a log file, what the simulator said went there, not through the pipe.
    const said = oneLine(logFile ? logTail(logFile) : tail.join('').slice(-500)) || '(nothing)';
    const message = `the simulator did not start: ${(error as Error).message}`;
    // It refused its arguments (exit 2): the profile is wrong, not the machine.
    if (child.exitCode === ExitCode.invalidInput) throw new InputError('E_SIMULATOR_ARGS', `${message}; it said: ${said}`, { hint: `check the profile's simulator.args (${args.join(' ')}); poshil sim --help lists them` });
    throw new DeviceError('E_SIMULATOR_START', message, { hint: `check the profile's simulator.args (${args.join(' ')}); the simulator said: ${said}` });
  }
};
