import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from './test-support/lab-db.js';
import { DEAD_LETTER_QUEUE, deviceQueue, ensureQueue } from './queues.js';

let lab: TestLab;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
});

describe('lab queues', () => {
  it('are created once when twelve sessions ask for the same new queue at the same moment', async () => {
    // One session each, as twelve `lab submit` processes of one new selection would be.
    for (let i = 0; i < 12; i++) pools.push(new pg.Pool({ connectionString: lab.url, max: 1 }));
    for (const round of ['a', 'b', 'c']) {
      const queue = deviceQueue(`race-${round}`);
      const asked = await Promise.allSettled(pools.map((pool) => ensureQueue(pool, queue, { deadLetter: DEAD_LETTER_QUEUE })));
      expect(asked.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason))).toEqual([]);
      const { rows } = await pools[0]!.query('SELECT name FROM pgboss.queue WHERE name = $1', [queue]);
      expect(rows).toHaveLength(1);
    }
  });
});
