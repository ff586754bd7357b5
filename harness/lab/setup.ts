/**
 * Making a lab database ready: the database itself (an embedded lab starts with only
 * `postgres`), the lab's tables at the newest migration, and pg-boss's schema.
 */
import pg from 'pg';
import { labUrl, type LabFile } from './embedded/server.js';
import { openLabDatabase, unreachable } from './db/connect.js';
import { QUEUE_GRANTS, migrate } from './db/migrations.js';
import { startBoss } from './queues.js';
import { describeDatabase } from './secrets.js';

/** Creates the embedded lab's database when missing. */
export async function ensureDatabase(lab: LabFile): Promise<void> {
  const client = new pg.Client({ connectionString: labUrl({ ...lab, database: 'postgres' }), connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw unreachable(describeDatabase(labUrl(lab)), error);
  }
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [lab.database]);
    if (rows.length === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(lab.database)}`);
  } finally {
    await client.end();
  }
}

/** Applies the lab's migrations and pg-boss's own; returns the lab migrations applied now. */
export async function prepareSchema(url: string): Promise<number[]> {
  const db = await openLabDatabase(url, 'poshil-setup', { max: 2, migrating: true });
  try {
    const applied = await migrate(db.pool);
    // schedule: true makes pg-boss's own cron queue now, while the owner (who may) is connected.
    const boss = await startBoss(db.pool, { schedule: true });
    await boss.stop({ graceful: false, wait: true });
    await db.pool.query(QUEUE_GRANTS);
    return applied;
  } finally {
    await db.pool.end();
  }
}
