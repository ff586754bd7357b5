/**
 * What the panel changes, each through the database and a NOTIFY to the worker concerned: an
 * operator's answer to a prompt, an admin's request to release a device from quarantine, an
 * admin's submission of earlier files again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { ExitCode, PoshilError } from '../core/errors.js';
import { bundleHash, makeBundle, writeBundle, type BundleFile } from '../lab/bundle.js';
import { PROMPT_ANSWERED, RELEASE_ASKED } from '../lab/channels.js';
import { submit, type Submitted } from '../lab/submit.js';

export type ActionResult = { ok: true } | { ok: false; status: 404 | 409; reason: string };

export async function answerPrompt(pool: pg.Pool, id: string, answer: 'done' | 'declined', note: string | undefined, by: string): Promise<ActionResult> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return { ok: false, status: 404, reason: `no prompt ${id}` };
  const { rows } = await pool.query<{ id: string }>(
    `WITH answered AS (
       UPDATE lab.prompts SET answer = $2, note = $3, answered_by = $4, answered_via = 'panel', answered_at = now() WHERE id = $1 AND answer IS NULL RETURNING id)
     SELECT id, pg_notify($5, id::text) FROM answered`,
    [id, answer, note ?? null, by, PROMPT_ANSWERED],
  );
  if (rows.length > 0) return { ok: true };
  const { rows: found } = await pool.query<{ answer: string; answered_by: string | null; answered_via: string | null }>('SELECT answer, answered_by, answered_via FROM lab.prompts WHERE id = $1', [id]);
  const prompt = found[0];
  if (!prompt) return { ok: false, status: 404, reason: `no prompt ${id}` };
  return { ok: false, status: 409, reason: `already ${prompt.answer}${prompt.answered_by ? ` by ${prompt.answered_by}` : ''}${prompt.answered_via ? ` in the ${prompt.answered_via}` : ''}` };
}

export async function askRelease(pool: pg.Pool, deviceId: string, by: string): Promise<ActionResult> {
  const { rows } = await pool.query<{ id: string }>(
    `WITH asked AS (
       UPDATE lab.devices SET release_requested_at = now(), release_requested_by = $2 WHERE id = $1 AND health = 'quarantined' RETURNING id)
     SELECT id, pg_notify($3, id) FROM asked`,
    [deviceId, by, RELEASE_ASKED],
  );
  if (rows.length > 0) return { ok: true };
  const { rows: found } = await pool.query<{ health: string }>('SELECT health FROM lab.devices WHERE id = $1', [deviceId]);
  if (!found[0]) return { ok: false, status: 404, reason: `no device ${deviceId}` };
  return { ok: false, status: 409, reason: `device ${deviceId} is ${found[0].health}, not quarantined` };
}

export interface Again {
  /** Devices to run on; default: the earlier submission's selection. */
  select?: string;
  mode?: 'each' | 'any';
  retries?: number;
}

/** The files of an earlier submission, queued again (for other devices, if `select` says so). */
export async function submitAgain(pool: pg.Pool, url: string, boss: PgBoss, submissionId: string, again: Again): Promise<{ ok: true; submitted: Submitted } | { ok: false; status: 400 | 404; reason: string }> {
  if (!/^[0-9a-f-]{36}$/i.test(submissionId)) return { ok: false, status: 404, reason: `no submission ${submissionId}` };
  const { rows } = await pool.query<{ selection: string; mode: 'each' | 'any'; plan: string | null; suites: string[]; disruptive: boolean; retries: number; sha256: string; files: BundleFile[] }>(
    'SELECT s.selection, s.mode, s.plan, s.suites, s.disruptive, s.retries, b.sha256, b.files FROM lab.submissions s JOIN lab.bundles b ON b.sha256 = s.bundle_sha256 WHERE s.id = $1',
    [submissionId],
  );
  const earlier = rows[0];
  if (!earlier) return { ok: false, status: 404, reason: `no submission ${submissionId}` };
  const bundle = { sha256: earlier.sha256, files: earlier.files, ...(earlier.plan ? { plan: earlier.plan } : {}), suites: earlier.suites, disruptive: earlier.disruptive };
  try {
    const submitted = await submit({ pool, url, shown: '' }, boss, { bundle, selection: again.select ?? earlier.selection, mode: again.mode ?? earlier.mode, retries: again.retries ?? earlier.retries });
    return { ok: true, submitted };
  } catch (error) {
    // A selection that no device matches, or one that does not parse: the admin's to fix.
    if (error instanceof PoshilError && error.exitCode === ExitCode.invalidInput) return { ok: false, status: 400, reason: `${error.message}${error.context.hint ? ` (${error.context.hint})` : ''}` };
    throw error;
  }
}

export interface NewSubmission {
  /** The suites or plan with every file they read (schemas, fixtures), paths relative to one folder. */
  files: BundleFile[];
  suites?: string[];
  plan?: string;
  select: string;
  mode: 'each' | 'any';
  retries?: number;
}

/**
 * Files sent by a script or the page, checked as `poshil lab submit` checks them (a malformed
 * suite is a 400 naming its file and JSON pointer) and queued. They are written to a temporary
 * folder only to be read back as a bundle; nothing of them stays on the panel's host.
 */
export async function submitFiles(pool: pg.Pool, url: string, boss: PgBoss, wanted: NewSubmission): Promise<{ ok: true; submitted: Submitted } | { ok: false; status: 400; reason: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-panel-submit-'));
  try {
    const folder = writeBundle(dir, bundleHash(wanted.files), wanted.files);
    const bundle = makeBundle(wanted.plan ? { plan: join(folder, wanted.plan), suites: [] } : { suites: (wanted.suites ?? []).map((s) => join(folder, s)) });
    // The same default as lab submit --retries.
    const submitted = await submit({ pool, url, shown: '' }, boss, { bundle, selection: wanted.select, mode: wanted.mode, retries: wanted.retries ?? 1 });
    return { ok: true, submitted };
  } catch (error) {
    if (error instanceof PoshilError && error.exitCode === ExitCode.invalidInput) {
      const where = `${dir}${sep}`;
      const text = `${error.message}${error.context.hint ? ` (${error.context.hint})` : ''}`;
      // The sender knows its files by their own names, not by this host's temporary folder.
      return { ok: false, status: 400, reason: text.split(where).join('').replace(/\b[0-9a-f]{64}[\\/]/g, '') };
    }
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
