/**
 * A run's evidence files in the database, stored once per SHA-256. Files are hashed and sent as a
 * stream in 1 MiB chunks (`lab.artefact_chunks`), so a soak's 64 MiB transcript segments never sit
 * whole in the worker's memory or in one statement; small files go up with the run's rows.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type pg from 'pg';

export const CHUNK_BYTES = 1 << 20;

export interface EvidenceFile {
  /** Path inside the run folder, with forward slashes. */
  name: string;
  path: string;
  size: number;
  sha256: string;
  /** A small file's bytes, read once for its hash and its upload. */
  bytes?: Buffer;
}

/** Every file under the folder, hashed as a stream. */
export async function evidenceFiles(folder: string): Promise<EvidenceFile[]> {
  const found: { name: string; path: string; size: number }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push({ name: relative(folder, path).split(sep).join('/'), path, size: statSync(path).size });
    }
  };
  walk(folder);
  const hashed: EvidenceFile[] = [];
  // A small file is read in one call: a stream's open, reads and close for each of a run's dozen
  // small files cost the lab's throughput more than the bytes do.
  for (const file of found) {
    if (file.size > CHUNK_BYTES) {
      hashed.push({ ...file, sha256: await hashFile(file.path) });
      continue;
    }
    const bytes = readFileSync(file.path);
    hashed.push({ ...file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), bytes });
  }
  return hashed;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Stores the large files the database does not hold yet, in chunks; returns how many it sent.
 * Small files go up with the run's other rows (`evidenceColumns`).
 */
export async function storeLargeEvidence(client: pg.PoolClient, files: readonly EvidenceFile[]): Promise<number> {
  const large = files.filter((f) => f.size > CHUNK_BYTES);
  if (large.length === 0) return 0;
  const { rows } = await client.query<{ sha256: string }>('SELECT sha256 FROM lab.artefacts WHERE sha256 = ANY($1)', [large.map((f) => f.sha256)]);
  const held = new Set(rows.map((r) => r.sha256));
  let sent = 0;
  for (const file of new Map(large.filter((f) => !held.has(f.sha256)).map((f) => [f.sha256, f])).values()) {
    const inserted = await client.query('INSERT INTO lab.artefacts (sha256, size, chunks) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [file.sha256, file.size, Math.ceil(file.size / CHUNK_BYTES)]);
    if (!inserted.rowCount) continue;
    sent++;
    let n = 0;
    for await (const chunk of createReadStream(file.path, { highWaterMark: CHUNK_BYTES })) {
      await client.query('INSERT INTO lab.artefact_chunks (sha256, n, data) VALUES ($1, $2, $3)', [file.sha256, n++, chunk]);
    }
  }
  return sent;
}

/**
 * The files as the columns `lab.finish_run` takes: every file's name, hash and size, and the
 * bytes of the small ones (null for a large one, stored in chunks before). A small file the
 * database holds already is sent again and dropped there: asking first was a round trip more
 * for every job, and a run's files are new but for the rare identical one.
 */
export function evidenceColumns(files: readonly EvidenceFile[]): { names: string[]; shas: string[]; sizes: number[]; data: (Buffer | null)[] } {
  return {
    names: files.map((f) => f.name),
    shas: files.map((f) => f.sha256),
    sizes: files.map((f) => f.size),
    data: files.map((f) => f.bytes ?? null),
  };
}

/** A stored file's bytes, whole or from its chunks (for `lab evidence`). */
export async function readArtefact(pool: pg.Pool, sha256: string): Promise<Buffer | undefined> {
  const { rows } = await pool.query<{ data: Buffer | null; chunks: number }>('SELECT data, chunks FROM lab.artefacts WHERE sha256 = $1', [sha256]);
  const row = rows[0];
  if (!row) return undefined;
  if (row.chunks === 0) return row.data ?? Buffer.alloc(0);
  const chunks = await pool.query<{ data: Buffer }>('SELECT data FROM lab.artefact_chunks WHERE sha256 = $1 ORDER BY n', [sha256]);
  return Buffer.concat(chunks.rows.map((c) => c.data));
}
