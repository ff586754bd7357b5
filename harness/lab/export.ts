/**
 * `poshil lab evidence RUN --out DIR`: a run's evidence as it was uploaded, written back into a
 * folder where `poshil verify`, `poshil report` and `poshil compare` read it. Each file is checked
 * against the SHA-256 it is stored under before it is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type pg from 'pg';
import { DeviceError, InputError } from '../core/errors.js';
import { readArtefact } from './worker/evidence.js';
import { makeFolders } from '../core/folders.js';

export async function exportEvidence(pool: pg.Pool, runId: string, outDir: string): Promise<string[]> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(runId)) throw new InputError('E_OPTION', `"${runId}" is not a lab run id`, { hint: 'a job\'s run id is in `lab submit --wait --json` (jobs[].runId)' });
  const { rows } = await pool.query<{ name: string; sha256: string }>('SELECT name, sha256 FROM lab.run_artefacts WHERE run_id = $1 ORDER BY name', [runId]);
  if (rows.length === 0) throw new InputError('E_NO_RUN', `the lab holds no evidence of run ${runId}`, { hint: 'no such run, or one that crashed before its upload (its case results are kept, no files)' });
  // Another run's files left beside these would be read as this run's evidence (verify, report).
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new InputError('E_OUT_NOT_EMPTY', `${outDir} is not empty`, { hint: 'give a new or empty folder: the files of one run only are its evidence' });
  }
  // Written beside it and renamed into place whole: a file that fails its check leaves no folder
  // of unchecked files behind, and the same command can be given again.
  const partial = `${outDir.replace(/[\\/]+$/, '')}.partial-${process.pid}`;
  try {
    for (const { name, sha256 } of rows) {
      const path = normalize(name);
      if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) throw new DeviceError('E_LAB_EVIDENCE', `run ${runId} names a file outside its folder: ${name}`);
      const data = await readArtefact(pool, sha256);
      if (!data || createHash('sha256').update(data).digest('hex') !== sha256) throw new DeviceError('E_LAB_EVIDENCE', `${name} of run ${runId} does not match its SHA-256 in the lab database`);
      makeFolders(dirname(join(partial, path)));
      writeFileSync(join(partial, path), data);
    }
    renameSync(partial, outDir);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return rows.map((r) => r.name);
}
