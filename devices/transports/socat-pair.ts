/**
 * A linked pair of pseudo-terminals made by socat: what a USB-serial cable between two machines
 * is, on one machine. Used by the simulator's `--pty` mode and by tests.
 *
 * socat is started with node:child_process rather than execa: a bench of 64 pty terminals starts
 * 64 of them at once, and execa's per-child machinery cost ~14 ms of the event loop's CPU each
 * against ~5 ms for a bare spawn (docs/benches.md).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceError } from '../../harness/core/errors.js';

export interface SocatPair {
  /** The two tty paths (symlinks to /dev/pts/N). */
  a: string;
  b: string;
  stop(): Promise<void>;
}

export async function createSocatPair(options: { dir?: string; timeoutMs?: number } = {}): Promise<SocatPair> {
  const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = options.dir ?? tmpdir();
  const a = join(dir, `poshil-pty-${id}-a`);
  const b = join(dir, `poshil-pty-${id}-b`);
  // A socat killed with SIGKILL leaves its links behind; never reuse a name blindly.
  for (const link of [a, b]) rmSync(link, { force: true });
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stderr = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    for (const link of [a, b]) rmSync(link, { force: true });
  };
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socat did not start within ${timeoutMs} ms: ${stderr.slice(-300)}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('starting data transfer loop')) {
          clearTimeout(timer);
          // What socat says later is not read: stop listening and let its pipe drain unseen.
          child.stderr?.off('data', onData);
          child.stderr?.resume();
          stderr = '';
          resolve();
        }
      };
      child.stderr?.on('data', onData);
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(error.code === 'ENOENT' ? 'socat is not installed' : error.message));
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`socat exited: ${stderr.slice(-300)}`));
      });
    });
  } catch (error) {
    await stop();
    throw new DeviceError('E_PTY', `cannot make a virtual serial pair: ${(error as Error).message}`, { hint: 'install socat (apt-get install socat)' });
  }
  return { a, b, stop };
}
