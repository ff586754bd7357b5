import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../test-support/lab-db.js';
import { openLabDatabase, type LabDatabase } from './connect.js';

let lab: TestLab;
let db: LabDatabase;

beforeAll(async () => {
  lab = await startTestLab();
  db = await openLabDatabase(lab.url, 'prepared-test', { max: 1, check: false });
});
afterAll(async () => {
  await db.pool.end();
});

const prepared = async (text: string) => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1', [text])).rows[0]!.n;

describe('repeated statements', () => {
  it('are prepared on the connection from the second time on, and answer as before', async () => {
    const text = 'SELECT $1::int + 1 AS v';
    expect((await db.pool.query(text, [1])).rows).toEqual([{ v: 2 }]);
    expect(await prepared(text)).toBe(0);
    expect((await db.pool.query(text, [2])).rows).toEqual([{ v: 3 }]);
    expect((await db.pool.query(text, [3])).rows).toEqual([{ v: 4 }]);
    expect(await prepared(text)).toBe(1);
  });

  it('leave statements without parameters unnamed (several in one text stay allowed)', async () => {
    const text = 'SELECT 1 AS a; SELECT 2 AS b';
    for (let i = 0; i < 3; i++) await db.pool.query(text);
    expect(await prepared(text)).toBe(0);
  });

  it('in a transaction still roll back with it', async () => {
    await db.pool.query('CREATE TABLE IF NOT EXISTS prepared_t (n int)');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      for (let n = 0; n < 3; n++) await client.query('INSERT INTO prepared_t VALUES ($1)', [n]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect((await db.pool.query('SELECT count(*)::int AS n FROM prepared_t')).rows[0]).toEqual({ n: 0 });
  });
});
