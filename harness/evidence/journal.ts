/**
 * The run record, written append-only while the run goes (`record.ndjson`), and as one JSON
 * document (`record.json`) when it ends. `readRecord` accepts either; a journal without its end
 * is folded into a record with status `crashed`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { foldJournal, type JournalEntry, type RunRecord } from '../core/record.js';
import { NdjsonFile, readNdjson } from './ndjson-file.js';

export class Journal {
  private readonly entries: JournalEntry[] = [];

  constructor(private readonly file?: NdjsonFile) {}

  append(entry: JournalEntry): void {
    this.entries.push(entry);
    this.file?.append(entry);
  }

  /** The record as it stands now. */
  record(): RunRecord {
    const record = foldJournal(this.entries, true);
    if (!record) throw new Error('the journal has no run.started entry');
    return record;
  }
}

/** Writes record.json atomically (a reader never sees half a file). */
export function writeRecordJson(path: string, record: RunRecord): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
  renameSync(tmp, path);
}

export function readRecord(path: string): RunRecord {
  if (!existsSync(path)) throw new InputError('E_FILE_NOT_FOUND', `no run record at ${path}`, { file: path, hint: 'give record.json or record.ndjson from a run directory' });
  if (path.endsWith('.ndjson')) {
    const { entries } = readNdjson<JournalEntry>(path);
    const record = foldJournal(entries);
    if (!record) throw new InputError('E_RECORD', `${path} holds no run.started entry`, { file: path });
    return record;
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError('E_RECORD', `${path} is not valid JSON: ${(error as Error).message}`, { file: path });
  }
  const record = value as Partial<RunRecord>;
  if (typeof record !== 'object' || record === null || record.schemaVersion !== 1 || !Array.isArray(record.suites)) {
    throw new InputError('E_RECORD', `${path} is not a poshil run record (schemaVersion 1)`, { file: path });
  }
  return record as RunRecord;
}
