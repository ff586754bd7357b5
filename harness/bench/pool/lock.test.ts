/**
 * Device locks between real processes: a child process takes a lock through the built module,
 * and this process contends for it, waits, and takes over when the child dies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { DeviceLocks, STALE_DEAD_MS } from './lock.js';

const made: string[] = [];
const children: ResultPromise[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.catch(() => undefined);
  }
});
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function labDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-locks-'));
  made.push(dir);
  return dir;
}

const LOCK_MODULE = join(packageRoot(), 'dist', 'harness', 'bench', 'pool', 'lock.js');

/** A process that takes the lock, says so, and holds it until killed. */
async function holder(lab: string, key: string): Promise<{ child: ResultPromise }> {
  const script = `
    const { DeviceLocks } = await import(${JSON.stringify(LOCK_MODULE)});
    await new DeviceLocks(${JSON.stringify(lab)}).acquire(${JSON.stringify(key)}, { device: 'counter-1', runId: 'run-child' }, { waitMs: 0 });
    console.log('held');
    setInterval(() => {}, 1000);`;
  const child = execa(process.execPath, ['--input-type=module', '-e', script], { reject: false, stdout: 'pipe', stderr: 'pipe' });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => line === 'held' && resolve());
    void child.then((r) => reject(new Error(`holder exited: ${r.stderr}`)));
  });
  lines.close();
  // Wrapped: a subprocess is a thenable, and returning it from an async function would wait for its exit.
  return { child };
}

describe('DeviceLocks', () => {
  it('gives a free lock, shows its holder, and frees it on release', async () => {
    const locks = new DeviceLocks(labDir());
    expect((await locks.inspect('serial:/dev/ttyUSB0')).held).toBe(false);
    const lock = await locks.acquire('serial:/dev/ttyUSB0', { device: 'counter-1', runId: 'r1' }, { waitMs: 0 });
    const state = await locks.inspect('serial:/dev/ttyUSB0');
    expect(state).toMatchObject({ held: true, holderGone: false, holder: { pid: process.pid, host: hostname(), runId: 'r1', device: 'counter-1' } });
    await lock.release();
    expect((await locks.inspect('serial:/dev/ttyUSB0')).held).toBe(false);
  });

  it('keeps different keys apart, even ones that read alike', async () => {
    const locks = new DeviceLocks(labDir());
    const a = await locks.acquire('serial:/dev/tty:A', { device: 'a', runId: 'r' }, { waitMs: 0 });
    const b = await locks.acquire('serial:/dev/tty/A', { device: 'b', runId: 'r' }, { waitMs: 0 });
    await Promise.all([a.release(), b.release()]);
  });

  it('refuses a lock another process holds with exit 3 naming its pid, run and since when', async () => {
    const lab = labDir();
    const { child } = await holder(lab, 'usb:0403:6001:A1');
    const started = Date.now();
    const error = await new DeviceLocks(lab).acquire('usb:0403:6001:A1', { device: 'counter-1', runId: 'r2' }, { waitMs: 600 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(error).toBeInstanceOf(DeviceError);
    expect((error as DeviceError).exitCode).toBe(3);
    expect((error as DeviceError).code).toBe('E_DEVICE_LOCKED');
    expect((error as DeviceError).message).toMatch(new RegExp(`locked by pid ${child.pid} on ${hostname()} \\(run run-child\\) since \\d{4}-`));
  });

  it('takes over the lock of a holder that was killed', async () => {
    const lab = labDir();
    const { child } = await holder(lab, 'tcp://192.0.2.1:20007');
    child.kill('SIGKILL');
    await child;
    const locks = new DeviceLocks(lab);
    expect(await locks.inspect('tcp://192.0.2.1:20007')).toMatchObject({ held: true, holderGone: true, holder: { pid: child.pid } });
    const lock = await locks.acquire('tcp://192.0.2.1:20007', { device: 'lane-1', runId: 'r3' }, { waitMs: STALE_DEAD_MS * 4 });
    expect((await locks.inspect('tcp://192.0.2.1:20007')).holder?.pid).toBe(process.pid);
    await lock.release();
  });

  it('lets exactly one of two contenders in at a time', async () => {
    const lab = labDir();
    const { child } = await holder(lab, 'sim:lab/a');
    const waiting = new DeviceLocks(lab).acquire('sim:lab/a', { device: 'a', runId: 'r4' }, { waitMs: 15_000 });
    await new Promise((r) => setTimeout(r, 500));
    // Still the child's while it lives.
    expect((await new DeviceLocks(lab).inspect('sim:lab/a')).holder?.pid).toBe(child.pid);
    child.kill('SIGTERM');
    const lock = await waiting;
    expect((await new DeviceLocks(lab).inspect('sim:lab/a')).holder?.pid).toBe(process.pid);
    await lock.release();
  });

  it('gives up at once when interrupted', async () => {
    const lab = labDir();
    await holder(lab, 'sim:lab/b');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const error = await new DeviceLocks(lab).acquire('sim:lab/b', { device: 'b', runId: 'r5' }, { waitMs: 30_000, signal: abort.signal }).catch((e: unknown) => e);
    expect((error as DeviceError).exitCode).toBe(130);
  });
});
