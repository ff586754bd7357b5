/**
 * Exclusive device locks, shared by every poshil process on the host through the lab folder
 * (`.poshil/locks/`). The lock itself is proper-lockfile's: an atomic mkdir whose mtime the holder
 * refreshes, so a lock whose holder died goes stale on its own and is taken over; no
 * check-then-create of our own. Beside it a holder file says who holds it (pid, host, run,
 * since) for error messages and `poshil bench status`.
 *
 * A holder on this host whose pid is gone is recognised at once: the next taker treats its lock
 * as stale after STALE_DEAD_MS instead of STALE_MS.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { DeviceError, ExitCode, PoshilError } from '../../core/errors.js';
import { makeFolders } from '../../core/folders.js';

/** A live holder refreshes its lock every UPDATE_MS; a lock untouched for STALE_MS is stale. */
export const STALE_MS = 10_000;
export const UPDATE_MS = 1_000;
/** proper-lockfile's smallest staleness: enough for a holder's last refresh to age. */
export const STALE_DEAD_MS = 2_000;
const POLL_MS = 200;

export interface LockHolder {
  key: string;
  device: string;
  pid: number;
  host: string;
  runId: string;
  since: string;
}

export interface LockState {
  held: boolean;
  holder?: LockHolder;
  /** Held, but by a process on this host that no longer exists: the next taker takes it over. */
  holderGone: boolean;
}

export interface HeldLock {
  readonly key: string;
  /** Set when another process broke this lock while it was held (it went stale: the event loop stalled for STALE_MS). */
  readonly compromised: Error | undefined;
  release(): Promise<void>;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class DeviceLocks {
  private readonly dir: string;

  constructor(labDir: string) {
    this.dir = join(labDir, 'locks');
  }

  /** One file name per key, readable and collision-free. */
  private target(key: string): string {
    const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    return join(this.dir, `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`);
  }

  private holderFile(key: string): string {
    return `${this.target(key)}.holder.json`;
  }

  readHolder(key: string): LockHolder | undefined {
    try {
      const value = JSON.parse(readFileSync(this.holderFile(key), 'utf8')) as Partial<LockHolder>;
      return typeof value.pid === 'number' && typeof value.host === 'string' ? (value as LockHolder) : undefined;
    } catch {
      // No holder file, or one half-written by a crashed holder: nobody we can name.
      return undefined;
    }
  }

  async inspect(key: string): Promise<LockState> {
    makeFolders(this.dir);
    const held = await lockfile.check(this.target(key), { realpath: false, stale: STALE_MS });
    const holder = held ? this.readHolder(key) : undefined;
    const holderGone = holder !== undefined && holder.host === hostname() && !pidAlive(holder.pid);
    return { held, ...(holder ? { holder } : {}), holderGone };
  }

  /**
   * Takes the lock, waiting up to waitMs for its holder to let go. Exit 3 naming the holder when
   * it does not; an aborted signal gives up at once.
   */
  async acquire(key: string, who: { device: string; runId: string }, options: { waitMs: number; signal?: AbortSignal }): Promise<HeldLock> {
    makeFolders(this.dir);
    const target = this.target(key);
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const before = await this.inspect(key);
      let compromised: Error | undefined;
      try {
        const unlock = await lockfile.lock(target, {
          realpath: false,
          stale: before.holderGone ? STALE_DEAD_MS : STALE_MS,
          update: UPDATE_MS,
          retries: 0,
          onCompromised: (error) => {
            compromised = error;
          },
        });
        const holder: LockHolder = { key, device: who.device, pid: process.pid, host: hostname(), runId: who.runId, since: new Date().toISOString() };
        this.writeHolder(key, holder);
        let released = false;
        return {
          key,
          get compromised() {
            return compromised;
          },
          release: async () => {
            if (released) return;
            released = true;
            // A compromised lock, and its holder file, are no longer ours to remove.
            if (compromised) return;
            rmSync(this.holderFile(key), { force: true });
            await unlock().catch(() => undefined);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
          throw new DeviceError('E_LOCK', `cannot lock device ${who.device} in ${this.dir}: ${(error as Error).message}`, { hint: 'the lab folder must be writable (--lab DIR or POSHIL_LAB_DIR)' });
        }
      }
      const remaining = deadline - Date.now();
      if (options.signal?.aborted) throw new PoshilError('E_INTERRUPTED', `interrupted while waiting for the lock of ${who.device}`, ExitCode.interrupted);
      if (remaining <= 0) throw lockedError(who.device, key, (await this.inspect(key)).holder, options.waitMs);
      await sleep(Math.min(POLL_MS, remaining), options.signal);
    }
  }

  private writeHolder(key: string, holder: LockHolder): void {
    const file = this.holderFile(key);
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, JSON.stringify(holder, null, 2) + '\n');
    renameSync(temp, file);
  }
}

function lockedError(device: string, key: string, holder: LockHolder | undefined, waitMs: number): DeviceError {
  const who = holder ? `pid ${holder.pid} on ${holder.host} (run ${holder.runId}) since ${holder.since}` : 'another process (its holder file is missing)';
  return new DeviceError('E_DEVICE_LOCKED', `device ${device} is locked by ${who}`, {
    device: key,
    hint: waitMs > 0 ? `waited ${waitMs} ms; wait longer with --lock-wait MS, or let that run end` : 'wait for it with --lock-wait MS, or let that run end',
  });
}
