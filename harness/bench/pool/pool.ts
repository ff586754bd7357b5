/**
 * The devices of one bench as a pool a run (or, later, a long-running lab worker) takes from:
 * a device is leased only when its health is good and its lock is free, and gives back how its
 * run ended, which moves its health. Knows devices by name, lock key and address only: nothing
 * here opens a port or runs a case.
 */
import { resolve } from 'node:path';
import { InputError } from '../../core/errors.js';
import { afterRun, heldForMaintenance, isRunnable, newHealth, released, type DeviceHealth, type RunEnding } from './health.js';
import { DeviceLocks, type HeldLock, type LockState } from './lock.js';
import { BenchStateFile, type BenchState } from './state-file.js';

/** What the pool needs to know of a device. */
export interface PoolDevice {
  name: string;
  lockKey: string;
  address: string;
  labels: Readonly<Record<string, string>>;
}

export interface PoolBench {
  name: string;
  quarantineAfter: number;
  devices: readonly PoolDevice[];
}

export interface DeviceStatus {
  device: PoolDevice;
  health: DeviceHealth;
  lock: LockState;
}

export type LeaseAnswer = { leased: true; lock: HeldLock } | { leased: false; health: DeviceHealth };

/** The lab folder: --lab DIR, else POSHIL_LAB_DIR, else .poshil in the current directory. */
export function labDirectory(option?: string): string {
  return resolve(option ?? process.env['POSHIL_LAB_DIR'] ?? '.poshil');
}

export interface PoolOptions {
  now?: () => Date;
  /**
   * A long-running holder (a lab worker) keeps each device's lock from its first run until the
   * device leaves service or the holder stops, under this name: between its jobs no other run
   * slips in, and a lock taken and given back per job cost the lab's throughput.
   */
  keepLocksAs?: string;
  /**
   * Health after each run is written at most this long after (one write for the runs that end
   * meanwhile) instead of before the run's end is told; close() writes what is left.
   */
  writeBehindMs?: number;
}

export class DevicePool {
  readonly locks: DeviceLocks;
  readonly state: BenchStateFile;
  private readonly now: () => Date;
  private readonly keepLocksAs: string | undefined;
  private readonly writeBehindMs: number | undefined;
  private readonly kept = new Map<string, HeldLock>();

  constructor(
    readonly bench: PoolBench,
    labDir: string,
    options: PoolOptions = {},
  ) {
    this.locks = new DeviceLocks(labDir);
    this.state = new BenchStateFile(labDir, bench.name);
    this.now = options.now ?? (() => new Date());
    this.keepLocksAs = options.keepLocksAs;
    this.writeBehindMs = options.writeBehindMs;
  }

  device(name: string): PoolDevice {
    const device = this.bench.devices.find((d) => d.name === name);
    if (!device) throw new InputError('E_NO_DEVICE', `bench ${this.bench.name} has no device "${name}"`, { hint: `its devices: ${this.bench.devices.map((d) => d.name).join(', ')}` });
    return device;
  }

  health(name: string): DeviceHealth {
    return this.state.read().devices[name] ?? newHealth(this.now());
  }

  async status(): Promise<DeviceStatus[]> {
    const state = this.state.read();
    return Promise.all(this.bench.devices.map(async (device) => ({ device, health: state.devices[device.name] ?? newHealth(this.now()), lock: await this.locks.inspect(device.lockKey) })));
  }

  /** The device's lock, if its health lets it run; waits up to waitMs for another holder (exit 3 after). */
  async lease(name: string, runId: string, options: { waitMs: number; signal?: AbortSignal }): Promise<LeaseAnswer> {
    const device = this.device(name);
    const health = this.health(name);
    if (!isRunnable(health)) {
      await this.letGo(name);
      return { leased: false, health };
    }
    if (this.keepLocksAs === undefined) return { leased: true, lock: await this.locks.acquire(device.lockKey, { device: name, runId }, options) };
    const kept = await this.keep(name, options);
    // The run gives back a lock it does not own: the pool keeps it for the device's next run.
    return { leased: true, lock: { key: kept.key, get compromised() { return kept.compromised; }, release: async () => {} } };
  }

  /** With keepLocksAs: the device's lock, taken now if not kept yet (or taken over by another while kept). */
  async keep(name: string, options: { waitMs: number; signal?: AbortSignal } = { waitMs: 0 }): Promise<HeldLock> {
    const held = this.kept.get(name);
    if (held && !held.compromised) return held;
    this.kept.delete(name);
    const lock = await this.locks.acquire(this.device(name).lockKey, { device: name, runId: this.keepLocksAs ?? 'unnamed holder' }, options);
    this.kept.set(name, lock);
    return lock;
  }

  /** A long-running holder stops: health not written yet is written, kept locks are let go. */
  async close(): Promise<void> {
    try {
      await this.state.flush();
    } finally {
      await this.letGo();
    }
  }

  /** Gives back a kept lock (the device left service), or every kept lock (the holder stops). */
  async letGo(name?: string): Promise<void> {
    for (const [device, lock] of [...this.kept]) {
      if (name !== undefined && device !== name) continue;
      this.kept.delete(device);
      await lock.release();
    }
  }

  async recordEnding(name: string, ending: RunEnding): Promise<DeviceHealth> {
    const change = (s: BenchState) => {
      s.devices[name] = afterRun(s.devices[name] ?? newHealth(this.now()), ending, this.bench.quarantineAfter, this.now());
    };
    const state = this.writeBehindMs === undefined ? await this.state.update(this.bench.name, change) : this.state.updateSoon(this.bench.name, change, this.writeBehindMs);
    // Quarantined: a person will look at it, with runs of their own.
    if (!isRunnable(state.devices[name]!)) await this.letGo(name);
    return state.devices[name]!;
  }

  async release(name: string, by: string): Promise<DeviceHealth> {
    this.device(name);
    const state = await this.state.update(this.bench.name, (s) => {
      s.devices[name] = released(s.devices[name] ?? newHealth(this.now()), by, this.now());
    });
    return state.devices[name]!;
  }

  async hold(name: string, reason: string): Promise<DeviceHealth> {
    this.device(name);
    const state = await this.state.update(this.bench.name, (s) => {
      s.devices[name] = heldForMaintenance(s.devices[name] ?? newHealth(this.now()), reason, this.now());
    });
    return state.devices[name]!;
  }
}
