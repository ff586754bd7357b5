/**
 * A linked pair of pseudo-terminals made by socat: what a USB-serial cable between two machines
 * is, on one machine. Used by the simulator's `--pty` mode and by tests.
 */
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
  // Loaded when a pair is made: most runs never make one, and execa is many modules.
  const { execa } = await import('execa');
  const child = execa('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' });
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await child;
    for (const link of [a, b]) rmSync(link, { force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`socat did not start within ${options.timeoutMs ?? 5000} ms: ${stderr.slice(-300)}`)), options.timeoutMs ?? 5000);
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('starting data transfer loop')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void child.then((result) => {
        clearTimeout(timer);
        reject(new Error((result as { code?: string }).code === 'ENOENT' ? 'socat is not installed' : `socat exited: ${stderr.slice(-300)}`));
      });
    });
  } catch (error) {
    await stop();
    throw new DeviceError('E_PTY', `cannot make a virtual serial pair: ${(error as Error).message}`, { hint: 'install socat (apt-get install socat)' });
  }
  return { a, b, stop };
}
