import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, openLabDatabase, type LabDatabase } from '../db/connect.js';
import { migrate } from '../db/migrations.js';
import { startTestLab, type TestLab } from '../test-support/lab-db.js';
import { CHUNK_BYTES, evidenceColumns, evidenceFiles, readArtefact, storeLargeEvidence } from './evidence.js';

let lab: TestLab;
let db: LabDatabase;

beforeAll(async () => {
  lab = await startTestLab();
  db = await openLabDatabase(lab.url, 'poshil-test', { migrating: true });
  await migrate(db.pool);
});
afterAll(async () => {
  await db?.pool.end();
});

describe('evidence in the lab database', () => {
  it('stores a large file once by SHA-256, in 1 MiB chunks that read back whole; small files go as bytes', async () => {
    const folder = join(lab.home, 'run');
    mkdirSync(join(folder, 'transcript'), { recursive: true });
    const big = randomBytes(Math.floor(2.5 * CHUNK_BYTES));
    writeFileSync(join(folder, 'record.json'), '{"status":"finished"}\n');
    writeFileSync(join(folder, 'transcript', '00001.ndjson'), big);
    writeFileSync(join(folder, 'copy.bin'), big);

    const files = await evidenceFiles(folder);
    const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
    expect(files.map((f) => [f.name, f.size, f.sha256]).sort()).toEqual(
      [
        ['copy.bin', big.length, sha(big)],
        ['record.json', 22, sha('{"status":"finished"}\n')],
        ['transcript/00001.ndjson', big.length, sha(big)],
      ].sort(),
    );
    // Two names, one content: sent once.
    expect(await inTransaction(db.pool, (client) => storeLargeEvidence(client, files))).toBe(1);
    // Again (an upload repeated after a crash): nothing new is sent.
    expect(await inTransaction(db.pool, (client) => storeLargeEvidence(client, files))).toBe(0);
    const columns = evidenceColumns(files);
    expect(columns.names.map((name, i) => [name, columns.data[i]?.toString() ?? null]).sort()).toEqual(
      [
        ['copy.bin', null],
        ['record.json', '{"status":"finished"}\n'],
        ['transcript/00001.ndjson', null],
      ].sort(),
    );

    const chunks = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM lab.artefact_chunks WHERE sha256 = $1', [sha(big)]);
    expect(Number(chunks.rows[0]!.n)).toBe(3);
    expect((await readArtefact(db.pool, sha(big)))!.equals(big)).toBe(true);
    expect(await readArtefact(db.pool, '0'.repeat(64))).toBeUndefined();
  });
});
