/**
 * When a worker counts as offline, against a real lab database: after three of its own
 * heartbeats of silence, and never for silence while the database itself was down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLabDatabase, type LabDatabase } from '../db/connect.js';
import { labStatus } from '../status.js';
import { startTestLab, type TestLab } from '../test-support/lab-db.js';
import { offlineWorkerEvents } from './events.js';

let lab: TestLab;
let db: LabDatabase;

/** A worker last heard of `silentS` seconds ago, beating every `heartbeatMs` (null: registered before workers said). */
async function worker(name: string, heartbeatMs: number | null, silentS: number): Promise<void> {
  await db.pool.query(`INSERT INTO lab.workers (id, name, host, pid, bench, heartbeat_ms, last_seen) VALUES (gen_random_uuid(), $1, 'h', 1, 'b', $2, now() - $3 * interval '1 second')`, [name, heartbeatMs, silentS]);
}

/** Waits until the server has been up for `ms`: silence before its start does not count. */
async function upFor(ms: number): Promise<void> {
  for (;;) {
    const { rows } = await db.pool.query<{ up: number }>('SELECT extract(epoch FROM now() - pg_postmaster_start_time()) * 1000 AS up');
    if (Number(rows[0]!.up) >= ms) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const offline = async (fallbackMs = 1_000) => (await labStatus(db.pool, fallbackMs)).workers.filter((w) => w.state === 'offline').map((w) => w.name);

beforeAll(async () => {
  lab = await startTestLab();
  db = await openLabDatabase(lab.url, 'poshil-test');
});
afterAll(async () => {
  await db?.pool.end();
});

describe('a worker is offline', () => {
  it('after three of its own heartbeats, whoever looks', async () => {
    await worker('slow-beat', 60_000, 5);
    await worker('fast-beat', 500, 5);
    await worker('unsaid', null, 5);
    await upFor(3_000);
    expect(await offline()).toEqual(['fast-beat', 'unsaid']);
    const events = await offlineWorkerEvents(db.pool, 1_000);
    expect(events.map((e) => (e.kind === 'worker-offline' ? e.worker : '')).sort()).toEqual(['fast-beat', 'unsaid']);
    expect(await offlineWorkerEvents(db.pool, 1_000)).toEqual([]);
  });

  it('not for silence while the database was down: counted from its start again', async () => {
    // Told offline before the restart (as the first test told two): gone before the database went
    // down, and offline still; told once.
    await worker('long-gone', 500, 300);
    await db.pool.query("UPDATE lab.workers SET offline_notified_at = now() WHERE name = 'long-gone'");
    await db.pool.end();
    await lab.stop();
    await lab.start();
    db = await openLabDatabase(lab.url, 'poshil-test');
    expect((await offline(2_000)).sort()).toEqual(['fast-beat', 'long-gone', 'unsaid']);
    expect(await offlineWorkerEvents(db.pool, 2_000)).toEqual([]);
    await db.pool.query("DELETE FROM lab.workers WHERE name = 'long-gone'");
    await worker('through-restart', 2_000, 120);
    // Beats of 2 s at the least (6 s of silence), so that a slow machine's restart stays inside them.
    await db.pool.query("UPDATE lab.workers SET offline_notified_at = NULL, last_seen = now() - interval '120 seconds', heartbeat_ms = greatest(heartbeat_ms, 2000)");
    expect(await offline(2_000)).toEqual([]);
    expect(await offlineWorkerEvents(db.pool, 2_000)).toEqual([]);
    await upFor(6_500);
    // A beat of 60 s is not silent after 120 s; the others are.
    expect((await offline(2_000)).sort()).toEqual(['fast-beat', 'through-restart', 'unsaid']);
  }, 30_000);
});
