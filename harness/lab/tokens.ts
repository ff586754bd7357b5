/**
 * Tokens of the browser panel (`poshil lab token create --role R`). A token is shown once; the
 * lab keeps its SHA-256 and role, so a copy of the database gives nobody a way in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { InputError } from '../core/errors.js';

export const PANEL_ROLES = ['viewer', 'operator', 'admin'] as const;
export type PanelRole = (typeof PANEL_ROLES)[number];

/** What each role may do, each including the one before. */
export const ROLE_RANK: Record<PanelRole, number> = { viewer: 0, operator: 1, admin: 2 };

export interface TokenRow {
  id: string;
  role: PanelRole;
  name: string;
  createdAt: string;
  revokedAt?: string;
}

const TOKEN_PREFIX = 'pst_';

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function parseRole(text: string): PanelRole {
  if ((PANEL_ROLES as readonly string[]).includes(text)) return text as PanelRole;
  throw new InputError('E_OPTION', `--role ${text} is not a panel role`, { hint: `one of ${PANEL_ROLES.join(', ')}` });
}

/**
 * A new token: `pst_` + 32 random bytes. Its id, which names it in lists and answers, is the start
 * of its hash in hex: nothing of the token itself, and never a leading `-` a command line would take
 * for an option.
 */
export async function createToken(pool: pg.Pool, role: PanelRole, name = ''): Promise<{ id: string; token: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = tokenHash(token).slice(0, 8);
  await pool.query('INSERT INTO lab.panel_tokens (id, sha256, role, name) VALUES ($1, $2, $3, $4)', [id, tokenHash(token), role, name]);
  return { id, token };
}

export async function listTokens(pool: pg.Pool): Promise<TokenRow[]> {
  const { rows } = await pool.query<{ id: string; role: PanelRole; name: string; created_at: Date; revoked_at: Date | null }>('SELECT id, role, name, created_at, revoked_at FROM lab.panel_tokens ORDER BY created_at');
  return rows.map((r) => ({ id: r.id, role: r.role, name: r.name, createdAt: r.created_at.toISOString(), ...(r.revoked_at ? { revokedAt: r.revoked_at.toISOString() } : {}) }));
}

export async function revokeToken(pool: pg.Pool, id: string): Promise<{ already: boolean; at: Date } | undefined> {
  // Revoking twice is no error (a script may run again): the answer says when it was.
  const { rows } = await pool.query<{ before: Date | null; now: Date | null }>(
    `WITH t AS (SELECT id, revoked_at FROM lab.panel_tokens WHERE id = $1 FOR UPDATE),
          u AS (UPDATE lab.panel_tokens p SET revoked_at = now() FROM t WHERE p.id = t.id AND t.revoked_at IS NULL RETURNING p.revoked_at)
     SELECT t.revoked_at AS before, (SELECT revoked_at FROM u) AS now FROM t`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  return row.before ? { already: true, at: row.before } : { already: false, at: row.now! };
}

/** The role a token grants, or undefined for an unknown or revoked one. */
export async function roleOf(pool: pg.Pool, token: string): Promise<{ id: string; role: PanelRole; name: string } | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return undefined;
  const { rows } = await pool.query<{ id: string; role: PanelRole; name: string }>('SELECT id, role, name FROM lab.panel_tokens WHERE sha256 = $1 AND revoked_at IS NULL', [tokenHash(token)]);
  return rows[0];
}
