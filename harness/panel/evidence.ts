/**
 * A lab run's evidence from the panel, one click away: the whole run folder as a .tar.gz (what
 * `poshil lab evidence` writes, each file checked against its SHA-256 first), and the run's
 * certificate checked as `poshil verify` checks it — against the lab's public key when the panel
 * was given one, else against the key the certificate carries (and the page says which).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { create } from 'tar';
import { verifyBundle, type VerifyResult } from '../certify/verify.js';
import { PoshilError } from '../core/errors.js';
import { exportEvidence } from '../lab/export.js';

/** The run's files as a gzipped tar stream; its temporary folder goes when the stream ends. */
export async function evidenceArchive(pool: pg.Pool, runId: string): Promise<Readable> {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-panel-evidence-'));
  try {
    const names = await exportEvidence(pool, runId, dir);
    const archive = create({ gzip: true, cwd: dir, portable: true }, names) as unknown as Readable;
    archive.once('close', () => rmSync(dir, { recursive: true, force: true }));
    archive.once('end', () => rmSync(dir, { recursive: true, force: true }));
    archive.once('error', () => rmSync(dir, { recursive: true, force: true }));
    return archive;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface CertificateCheck extends VerifyResult {
  /** The certificate's path in the run folder. */
  certificate: string;
}

/** Undefined when the run holds no certificate (only plan jobs of a worker with --key have one). */
export async function checkCertificate(pool: pg.Pool, runId: string, trustedKey?: string): Promise<CertificateCheck | undefined> {
  const { rows } = await pool.query<{ name: string }>("SELECT name FROM lab.run_artefacts WHERE run_id = $1 AND (name = 'certificate.json' OR name LIKE '%/certificate.json')", [runId]);
  const certificate = rows[0]?.name;
  if (!certificate) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'poshil-panel-verify-'));
  try {
    try {
      await exportEvidence(pool, runId, dir);
    } catch (error) {
      // A stored file that no longer matches its hash: the evidence is not intact.
      if (error instanceof PoshilError) return { certificate, ok: false, problems: [error.message], trustedKey: trustedKey !== undefined, checkedFiles: 0 };
      throw error;
    }
    return { certificate, ...verifyBundle(join(dir, dirname(certificate)), trustedKey) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
