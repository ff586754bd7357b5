/**
 * Database roles of a lab: one login role per bench host (its worker writes only its own
 * results, by row-level security), per CI pipeline that submits, per person who only looks.
 * Made by the owner of the lab's schema (`poshil lab role add`); the new role's URL is written
 * to a private file, never printed with its password.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { InputError } from '../core/errors.js';
import type { LabDatabase } from './db/connect.js';
import { DATABASE_ENV } from './db/connect.js';
import { maskSecret } from './secrets.js';
import { makeFolders } from '../core/folders.js';

export const ROLE_KINDS = { worker: ['poshil_worker', 'poshil_submitter'], submitter: ['poshil_submitter'], viewer: ['poshil_viewer'], panel: ['poshil_panel'] } as const;
export type RoleKind = keyof typeof ROLE_KINDS;

/** Creates (or gives a new password to) a login role of the given kind; writes its URL to `envFile` (mode 0600). */
export async function addRole(db: LabDatabase, name: string, kind: RoleKind, envFile: string): Promise<{ url: string; shown: string }> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new InputError('E_OPTION', `role name "${name}" must be lower-case letters, digits and _ (at most 63)`);
  if (!(kind in ROLE_KINDS)) throw new InputError('E_OPTION', `--kind must be one of ${Object.keys(ROLE_KINDS).join(', ')}`);
  const password = randomBytes(18).toString('base64url');
  const exists = (await db.pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rows.length > 0;
  const role = pg.escapeIdentifier(name);
  await db.pool.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
  await db.pool.query(`GRANT ${ROLE_KINDS[kind].join(', ')} TO ${role}`);
  const url = new URL(db.url);
  url.username = name;
  url.password = password;
  makeFolders(dirname(envFile));
  writeFileSync(envFile, `${DATABASE_ENV}=${url.toString()}\n`, { mode: 0o600 });
  return { url: url.toString(), shown: maskSecret(url.toString()) };
}
