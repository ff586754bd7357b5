/**
 * Who is asking, and may they. A request carries a panel token (`poshil lab token create`)
 * either as `Authorization: Bearer …` (scripts) or in the HttpOnly, SameSite=Strict cookie the
 * sign-in form sets (the page). A state-changing request signed in by cookie must also carry
 * the session's CSRF value in `x-poshil-csrf`, which another site's page cannot read or send,
 * and any request that names an Origin must name this panel's.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { roleOf, ROLE_RANK, type PanelRole } from '../lab/tokens.js';

export const SESSION_COOKIE = 'poshil_panel';
export const CSRF_HEADER = 'x-poshil-csrf';

export interface Caller {
  tokenId: string;
  role: PanelRole;
  /** How answers and releases name who did them: the token's name, else its id. */
  who: string;
  /** true when the token came from the cookie: state changes then need the CSRF header. */
  byCookie: boolean;
  csrf: string;
}

export interface AskingRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  cookies: Record<string, string | undefined>;
}

export type Refusal = { status: 401 | 403; reason: string };

export class PanelAuth {
  private readonly secret = randomBytes(32);
  /** Tokens looked up in the last seconds: a revoked token stops working within TTL. */
  private readonly cache = new Map<string, { at: number; found: { id: string; role: PanelRole; name: string } | undefined }>();
  private static readonly TTL_MS = 5_000;

  constructor(private readonly pool: pg.Pool) {}

  csrfFor(token: string): string {
    return createHmac('sha256', this.secret).update(token).digest('base64url');
  }

  async lookup(token: string): Promise<{ id: string; role: PanelRole; name: string } | undefined> {
    const hit = this.cache.get(token);
    if (hit && Date.now() - hit.at < PanelAuth.TTL_MS) return hit.found;
    const found = await roleOf(this.pool, token);
    if (this.cache.size > 1_000) this.cache.clear();
    this.cache.set(token, { at: Date.now(), found });
    return found;
  }

  /** The caller, or why not: 401 without a valid token, 403 for a wrong origin or a missing CSRF value or role. */
  async check(request: AskingRequest, need: PanelRole, ownOrigins: readonly string[]): Promise<Caller | Refusal> {
    const origin = header(request, 'origin');
    if (origin !== undefined && !ownOrigins.includes(origin)) return { status: 403, reason: `requests from ${origin} are not accepted` };
    const bearer = /^Bearer\s+(\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
    const token = bearer ?? request.cookies[SESSION_COOKIE];
    if (!token) return { status: 401, reason: 'sign in with a panel token (poshil lab token create --role viewer|operator|admin)' };
    const found = await this.lookup(token);
    if (!found) return { status: 401, reason: 'this token is unknown or revoked' };
    const caller: Caller = { tokenId: found.id, role: found.role, who: found.name ? `${found.name} (token ${found.id})` : `token ${found.id}`, byCookie: bearer === undefined, csrf: this.csrfFor(token) };
    const safe = request.method === 'GET' || request.method === 'HEAD';
    if (!safe && caller.byCookie && !sameText(header(request, CSRF_HEADER) ?? '', caller.csrf)) return { status: 403, reason: `missing or wrong ${CSRF_HEADER} header (GET /api/session gives it)` };
    if (ROLE_RANK[found.role] < ROLE_RANK[need]) return { status: 403, reason: `this needs the ${need} role; the token is ${found.role}` };
    return caller;
  }
}

function header(request: AskingRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
