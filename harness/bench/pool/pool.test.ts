import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import type { RunEnding } from './health.js';
import { DevicePool, type PoolBench } from './pool.js';
import { stateSchemaSha256, stateValidatorPath } from './state-file.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function labDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-pool-'));
  made.push(dir);
  return dir;
}

const BENCH: PoolBench = {
  name: 'lab-a',
  quarantineAfter: 2,
  devices: ['c1', 'c2', 'c3'].map((name) => ({ name, lockKey: `sim:lab-a/${name}`, address: 'simulator', labels: { name } })),
};
const failure: RunEnding = { kind: 'device-failure', reason: 'port vanished', result: { benchRunId: 'r', at: '2026-11-25T10:00:00Z', exitCode: 3, outcome: 'ERROR' } };

describe('DevicePool', () => {
  it('leases a good device, and skips one that is quarantined until it is released', async () => {
    const pool = new DevicePool(BENCH, labDir());
    const first = await pool.lease('c1', 'r1', { waitMs: 0 });
    expect(first.leased).toBe(true);
    if (first.leased) await first.lock.release();
    await pool.recordEnding('c1', failure);
    await pool.recordEnding('c1', failure);
    const skipped = await pool.lease('c1', 'r2', { waitMs: 0 });
    expect(skipped).toMatchObject({ leased: false, health: { state: 'quarantined', reason: expect.stringContaining('port vanished') } });
    await pool.release('c1', 'alice');
    const again = await pool.lease('c1', 'r3', { waitMs: 0 });
    expect(again.leased).toBe(true);
    if (again.leased) await again.lock.release();
  });

  it('with keepLocksAs, keeps a lock between runs under its name, and lets it go when the device leaves service', async () => {
    const lab = labDir();
    const worker = new DevicePool(BENCH, lab, { keepLocksAs: 'lab worker w1' });
    const other = new DevicePool(BENCH, lab);
    const first = await worker.lease('c1', 'job-1', { waitMs: 0 });
    if (!first.leased) throw new Error('not leased');
    await first.lock.release();
    // Still held between the worker's runs: another run on the host is refused, naming the worker.
    expect((await worker.locks.inspect('sim:lab-a/c1')).holder).toMatchObject({ runId: 'lab worker w1', pid: process.pid });
    await expect(other.lease('c1', 'local', { waitMs: 0 })).rejects.toThrow(/locked by pid \d+ .*lab worker w1/);
    // The worker's next run takes the kept lock as it is.
    const second = await worker.lease('c1', 'job-2', { waitMs: 0 });
    expect(second.leased).toBe(true);
    // Quarantined: let go, for the person who looks at it.
    await worker.recordEnding('c1', failure);
    await worker.recordEnding('c1', failure);
    expect((await worker.locks.inspect('sim:lab-a/c1')).held).toBe(false);
    // A holder that stops lets go of every lock it kept.
    await worker.keep('c2');
    await worker.letGo();
    const local = await other.lease('c2', 'local', { waitMs: 0 });
    expect(local.leased).toBe(true);
    if (local.leased) await local.lock.release();
  });

  it('keeps health across pool instances (the state file), and every device apart', async () => {
    const lab = labDir();
    await new DevicePool(BENCH, lab).hold('c2', 'reader replaced');
    const status = await new DevicePool(BENCH, lab).status();
    expect(status.map((s) => [s.device.name, s.health.state])).toEqual([['c1', 'good'], ['c2', 'maintenance'], ['c3', 'good']]);
    expect(status[1]!.health.reason).toBe('reader replaced');
  });

  it('loses no update when devices end at once', async () => {
    const lab = labDir();
    const pool = new DevicePool({ ...BENCH, quarantineAfter: 50 }, lab);
    await Promise.all(Array.from({ length: 10 }, (_, i) => pool.recordEnding(BENCH.devices[i % 3]!.name, failure)));
    const state = pool.state.read();
    expect(Object.values(state.devices).map((d) => d.consecutiveFailures).sort()).toEqual([3, 3, 4]);
    // Written through a temporary file and a rename: nothing else is left behind.
    expect(readdirSync(join(lab, 'benches'))).toEqual(['lab-a.state.json']);
  });

  it('loses no update when two pools (as two processes) write one state file at once', async () => {
    const lab = labDir();
    const bench = { ...BENCH, quarantineAfter: 500 };
    const pools = [new DevicePool(bench, lab), new DevicePool(bench, lab)];
    await Promise.all(Array.from({ length: 60 }, (_, i) => pools[i % 2]!.recordEnding(BENCH.devices[i % 3]!.name, failure)));
    expect(Object.values(pools[0]!.state.read().devices).map((d) => d.consecutiveFailures)).toEqual([20, 20, 20]);
  });

  it('keeps the other changes written together with one that throws, and rejects and discards that one alone', async () => {
    const pool = new DevicePool({ ...BENCH, quarantineAfter: 50 }, labDir());
    const results = await Promise.allSettled([
      pool.recordEnding('c1', failure),
      pool.state.update('lab-a', (state) => {
        state.devices['c3'] = { state: 'good', reason: 'half-made', since: '', consecutiveFailures: 0 };
        throw new Error('bad change');
      }),
      pool.recordEnding('c2', failure),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(pool.health('c2').consecutiveFailures).toBe(1);
    expect(pool.state.read().devices['c3']).toBeUndefined();
  });

  it("with writeBehindMs, counts a run's ending at once and writes it later with the others, keeping changes made meanwhile", async () => {
    const lab = labDir();
    const worker = new DevicePool(BENCH, lab, { writeBehindMs: 60_000 });
    const person = new DevicePool(BENCH, lab);
    const onDisk = () => JSON.parse(readFileSync(join(lab, 'benches', 'lab-a.state.json'), 'utf8')) as { devices: Record<string, { consecutiveFailures: number; state: string }> };
    await person.hold('c3', 'reader replaced');
    expect((await worker.recordEnding('c1', failure)).consecutiveFailures).toBe(1);
    expect((await worker.recordEnding('c1', failure)).state).toBe('quarantined');
    await worker.recordEnding('c2', failure);
    // This process sees them at once; the file (other processes) not yet.
    expect(worker.health('c1').state).toBe('quarantined');
    expect(onDisk().devices['c1']).toBeUndefined();
    // Someone releases c3 meanwhile: the delayed write keeps it.
    await person.release('c3', 'alice');
    await worker.close();
    expect(onDisk().devices).toMatchObject({ c1: { state: 'quarantined', consecutiveFailures: 2 }, c2: { consecutiveFailures: 1 }, c3: { state: 'good' } });
    // Written once, not again: the health read back is what the file holds.
    expect(worker.health('c1').consecutiveFailures).toBe(2);
    expect(new DevicePool(BENCH, lab).health('c2').consecutiveFailures).toBe(1);
  });

  it('reads the file again once anything changed it, even in place to the same length', async () => {
    const lab = labDir();
    const pool = new DevicePool(BENCH, lab);
    await pool.recordEnding('c1', failure);
    expect(pool.health('c1').consecutiveFailures).toBe(1);
    const path = join(lab, 'benches', 'lab-a.state.json');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('"consecutiveFailures": 1', '"consecutiveFailures": 7'));
    expect(pool.health('c1').consecutiveFailures).toBe(7);
    writeFileSync(path, text.replace('"good"', '"fine"'));
    expect(() => pool.health('c1')).toThrow(/\/devices\/c1\/state must be equal to one of/);
  });

  it('leaves out of a read a pending change that throws on the file as it is now, and applies the others', async () => {
    const lab = labDir();
    const worker = new DevicePool(BENCH, lab, { writeBehindMs: 60_000 });
    await new DevicePool(BENCH, lab).recordEnding('c3', failure);
    await worker.recordEnding('c1', failure);
    worker.state.updateSoon('lab-a', (state) => {
      state.devices['c2'] = { state: 'good', reason: 'half-made', since: '', consecutiveFailures: 0 };
      if (!state.devices['c3']) throw new Error('c3 is gone');
    }, 60_000);
    await worker.recordEnding('c1', failure);
    expect(worker.health('c2').reason).toBe('half-made');
    // Someone else's write takes c3 away: the change throws now, and none of it shows.
    const path = join(lab, 'benches', 'lab-a.state.json');
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { devices: Record<string, unknown> };
    delete onDisk.devices['c3'];
    writeFileSync(path, JSON.stringify(onDisk));
    const state = worker.state.read();
    expect(state.devices['c2']).toBeUndefined();
    expect(state.devices['c1']).toMatchObject({ state: 'quarantined', consecutiveFailures: 2 });
    await worker.close().catch(() => undefined);
  });

  it('names an unknown device with the ones the bench has', async () => {
    const error = await new DevicePool(BENCH, labDir()).release('c9', 'alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).context.hint).toBe('its devices: c1, c2, c3');
  });

  it.each([
    ['not JSON', '{"schemaVersion": 1,', /is not JSON/],
    ['a wrong state', JSON.stringify({ schemaVersion: 1, bench: 'lab-a', devices: { c1: { state: 'sleepy', reason: '', since: '', consecutiveFailures: 0 } } }), /\/devices\/c1\/state must be equal to one of/],
    ['another version', JSON.stringify({ schemaVersion: 9, bench: 'lab-a', devices: {} }), /\/schemaVersion/],
  ])('reports a state file that is %s as a clear error naming it', (_what, text, message) => {
    const lab = labDir();
    mkdirSync(join(lab, 'benches'));
    writeFileSync(join(lab, 'benches', 'lab-a.state.json'), text);
    const pool = new DevicePool(BENCH, lab);
    let error: unknown;
    try {
      pool.state.read();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('E_STATE_CORRUPT');
    expect((error as InputError).message).toMatch(message);
    expect((error as InputError).context.file).toBe(join(lab, 'benches', 'lab-a.state.json'));
  });
});

describe('the bench state file\'s validator', () => {
  it('is the one npm run build made from this very schema (no ajv to load at a bench run\'s start)', () => {
    const prebuilt = createRequire(import.meta.url)(stateValidatorPath()) as { schemaSha256?: string };
    expect(prebuilt.schemaSha256).toBe(stateSchemaSha256());
  });
});
