/**
 * Where the lab's database is and how poshil connects to it. The URL comes from --database,
 * else POSHIL_DATABASE_URL, else the lab folder's lab.json (written by `poshil lab up`). Every
 * error names the server as user@host:port/db, never with its password.
 */
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { DeviceError, InputError, errorMessage } from '../../core/errors.js';
import { labUrl, readLabFile } from '../embedded/server.js';
import { checkSchemaVersion } from './migrations.js';
import { nameRepeatedStatements } from './prepared.js';
import { describeDatabase, maskSecret } from '../secrets.js';

export const DATABASE_ENV = 'POSHIL_DATABASE_URL';
export const DEFAULT_LAB_DIR = '.poshil/lab';

export interface LabDatabase {
  pool: pg.Pool;
  url: string;
  /** user@host:port/db, for messages. */
  shown: string;
}

export function databaseUrl(options: { database?: string; dir?: string }): string {
  const given = options.database ?? process.env[DATABASE_ENV];
  if (given) return checkedUrl(given, options.database ? '--database' : DATABASE_ENV);
  const dir = options.dir ?? DEFAULT_LAB_DIR;
  const lab = readLabFile(dir);
  if (!lab || lab.port === 0) {
    throw new DeviceError('E_NO_LAB_DATABASE', `no lab database: ${dir}/lab.json does not exist and neither --database nor ${DATABASE_ENV} is given`, {
      hint: 'start the embedded one with `poshil lab up`, or give --database postgres://user@host/db of your own server',
    });
  }
  return labUrl(lab);
}

/**
 * A PostgreSQL URL, or exit 2 without quoting it (what was given may hold a password that a
 * parser would cut in the wrong place and show).
 */
function checkedUrl(text: string, where: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // Not a URL at all.
  }
  if (!url?.hostname ? !isSocketUrl(text) : url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InputError('E_OPTION', `${where} is not a PostgreSQL URL`, { hint: 'write postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgres:///DATABASE?host=/run/postgresql for a Unix socket), with characters such as # / @ : in the password percent-encoded' });
  }
  return text;
}

/** A URL with no host but a Unix socket's folder, `postgres://user@/db?host=/run/postgresql`, as libpq reads it. */
function isSocketUrl(text: string): boolean {
  if (!/^postgres(?:ql)?:\/\//i.test(text)) return false;
  try {
    return parseConnectionString(text).host?.startsWith('/') === true;
  } catch {
    return false;
  }
}

/** A pool on the lab's database; fails with exit 3 naming the server when it cannot be reached. */
export async function openLabDatabase(url: string, application: string, options: { max?: number; check?: boolean; migrating?: boolean } = {}): Promise<LabDatabase> {
  const shown = describeDatabase(url);
  const pool = new pg.Pool({ connectionString: url, application_name: application, max: options.max ?? 4, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 10_000 });
  // A server that goes away makes idle clients emit errors; the query that needs one reports it.
  pool.on('error', () => {});
  pool.on('connect', nameRepeatedStatements);
  if (options.check !== false) {
    try {
      await pool.query('select 1');
    } catch (error) {
      await pool.end().catch(() => {});
      throw unreachable(shown, error);
    }
    if (!options.migrating) await checkSchemaVersion(pool, shown).catch(async (error: unknown) => {
      await pool.end().catch(() => {});
      throw error;
    });
  }
  return { pool, url, shown };
}

export function unreachable(shown: string, error: unknown): DeviceError {
  const code = (error as { code?: string }).code;
  const why = maskSecret(errorMessage(error)) + (code && !errorMessage(error).includes(code) ? ` (${code})` : '');
  return new DeviceError('E_LAB_DATABASE', `cannot reach the lab database ${shown}: ${why}`, { hint: 'is the server up (`poshil lab up`), and are the URL and password right?' });
}

/** Runs fn in one transaction on one client: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
