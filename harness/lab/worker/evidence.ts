/**
 * A run's evidence files in the database, stored once per SHA-256. Files are hashed and sent as a
 * stream in 1 MiB chunks (`lab.artefact_chunks`), so a soak's 64 MiB transcript segments never sit
 * whole in the worker's memory or in one statement; small files go in one statement together.
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
  for (const file of found) hashed.push({ ...file, sha256: file.size <= CHUNK_BYTES ? createHash('sha256').update(readFileSync(file.path)).digest('hex') : await hashFile(file.path) });
  return hashed;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Stores the files the database does not hold yet (by hash); returns how many it sent. */
export async function storeEvidence(client: pg.PoolClient, files: readonly EvidenceFile[]): Promise<number> {
  if (files.length === 0) return 0;
  const { rows } = await client.query<{ sha256: string }>('SELECT sha256 FROM lab.artefacts WHERE sha256 = ANY($1)', [files.map((f) => f.sha256)]);
  const held = new Set(rows.map((r) => r.sha256));
  const missing = [...new Map(files.filter((f) => !held.has(f.sha256)).map((f) => [f.sha256, f])).values()];
  const small = missing.filter((f) => f.size <= CHUNK_BYTES);
  if (small.length > 0) {
    await client.query('INSERT INTO lab.artefacts (sha256, size, data) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[]) ON CONFLICT DO NOTHING', [
      small.map((f) => f.sha256),
      small.map((f) => f.size),
      small.map((f) => readFileSync(f.path)),
    ]);
  }
  for (const file of missing.filter((f) => f.size > CHUNK_BYTES)) {
    const inserted = await client.query('INSERT INTO lab.artefacts (sha256, size, chunks) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [file.sha256, file.size, Math.ceil(file.size / CHUNK_BYTES)]);
    if (!inserted.rowCount) continue;
    let n = 0;
    for await (const chunk of createReadStream(file.path, { highWaterMark: CHUNK_BYTES })) {
      await client.query('INSERT INTO lab.artefact_chunks (sha256, n, data) VALUES ($1, $2, $3)', [file.sha256, n++, chunk]);
    }
  }
  return missing.length;
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
