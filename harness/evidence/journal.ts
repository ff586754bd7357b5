/**
 * The run record, written append-only while the run goes (`record.ndjson`), and as one JSON
 * document (`record.json`) when it ends. `readRecord` accepts either; a journal without its end
 * is folded into a record with status `crashed`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { RECORD_SCHEMA_VERSION, foldJournal, type CaseRecord, type JournalEntry, type RunRecord } from '../core/record.js';
import { NdjsonFile, readNdjson } from './ndjson-file.js';
import { readRecordLines } from './record-json.js';

export { writeRecordJson } from './record-json.js';

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

/**
 * Reads a run record: record.ndjson (folded, a line at a time) or record.json (a case at a time
 * in the layout poshil writes, whole otherwise: older records still read). `keep` may slim each
 * case as it is read, for a reader that needs less than every step (JUnit).
 */
export function readRecord(path: string, keep: (c: CaseRecord) => CaseRecord = (c) => c): RunRecord {
  if (!existsSync(path)) throw new InputError('E_FILE_NOT_FOUND', `no run record at ${path}`, { file: path, hint: 'give record.json or record.ndjson from a run directory' });
  if (path.endsWith('.ndjson')) {
    const { entries } = readNdjson<JournalEntry>(path, (e) => (e.type === 'case.finished' ? { ...e, case: keep(e.case) } : e));
    const record = foldJournal(entries);
    if (!record) throw new InputError('E_RECORD', `${path} holds no run.started entry`, { file: path });
    return record;
  }
  let value: unknown;
  try {
    value = readRecordLines(path, keep) ?? JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError('E_RECORD', `${path} is not valid JSON: ${(error as Error).message}`, { file: path });
  }
  const record = value as Partial<RunRecord>;
  if (typeof record !== 'object' || record === null || (record.schemaVersion !== 1 && record.schemaVersion !== RECORD_SCHEMA_VERSION) || !Array.isArray(record.suites)) {
    const bench = (record as { kind?: unknown } | null)?.kind === 'poshil.bench-run';
    throw new InputError('E_RECORD', bench ? `${path} is a bench run's record; this reads one device's record` : `${path} is not a poshil run record (schemaVersion 1 or ${RECORD_SCHEMA_VERSION})`, {
      file: path,
      ...(bench ? { hint: 'give the record.json in a device folder of the bench run' } : {}),
    });
  }
  return record as RunRecord;
}
