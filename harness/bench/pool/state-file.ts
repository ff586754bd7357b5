/**
 * The bench's state file in the lab folder (`.poshil/benches/NAME.state.json`): every device's
 * health and last result. Updates are read-modify-write under a file lock, written to a temporary
 * file and renamed, so a reader never sees half a file and two bench runs on one host do not lose
 * each other's results. A file that is not what poshil wrote is exit 2 naming it, never a crash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv as AjvClass, ValidateFunction } from 'ajv';
import lockfile from 'proper-lockfile';
import { DeviceError, InputError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import type { DeviceHealth } from './health.js';
import { makeFolders } from '../../core/folders.js';

export interface BenchState {
  schemaVersion: 1;
  bench: string;
  devices: Record<string, DeviceHealth>;
}

export const STATE_SCHEMA = {
  type: 'object',
  required: ['schemaVersion', 'bench', 'devices'],
  properties: {
    schemaVersion: { const: 1 },
    bench: { type: 'string' },
    devices: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['state', 'reason', 'since', 'consecutiveFailures'],
        properties: {
          state: { enum: ['good', 'quarantined', 'maintenance'] },
          reason: { type: 'string' },
          since: { type: 'string' },
          consecutiveFailures: { type: 'integer', minimum: 0 },
          lastResult: { type: 'object', required: ['benchRunId', 'at', 'exitCode', 'outcome'] },
        },
      },
    },
  },
} as const;

export const STATE_AJV_OPTIONS = { strict: false };
const require = createRequire(import.meta.url);

/** `npm run build` compiles the schema to standalone code here (scripts/build-validators.ts). */
export const stateValidatorPath = (): string => join(packageRoot(), 'dist', 'harness', 'bench', 'pool', 'state-validator.cjs');
/** What the prebuilt validator was made from: the schema, ajv's version and the options. */
export const stateSchemaSha256 = (): string =>
  createHash('sha256')
    .update(JSON.stringify({ ajv: (require('ajv/package.json') as { version: string }).version, options: STATE_AJV_OPTIONS, schema: STATE_SCHEMA }))
    .digest('hex');

let validator: ValidateFunction | undefined;

/**
 * The state file's validator: the one the build made from this schema, else compiled here.
 * Loading ajv and compiling its meta-schema for these few fields took ~150 ms of every bench
 * run's, `bench status`'s and lab worker's start.
 */
function validateState(value: unknown): ValidateFunction['errors'] {
  if (!validator) {
    try {
      const prebuilt = require(stateValidatorPath()) as ValidateFunction & { schemaSha256?: string };
      if (prebuilt.schemaSha256 === stateSchemaSha256()) validator = prebuilt;
    } catch {
      // Not built (tests from sources): compiled below.
    }
    validator ??= new (require('ajv') as { Ajv: new (options: object) => AjvClass }).Ajv(STATE_AJV_OPTIONS).compile(STATE_SCHEMA);
  }
  return validator(value) ? null : (validator.errors ?? []);
}

export class BenchStateFile {
  readonly path: string;

  constructor(labDir: string, bench: string) {
    this.path = join(labDir, 'benches', `${bench}.state.json`);
  }

  /**
   * The file's state, with the changes this process made that are not written yet (updateSoon).
   * A lab worker asks several times a job: the file's text is kept while its inode, size and
   * times stay the same (every write replaces it), and the pending changes are applied to the one
   * fresh copy that parsing makes. Copying the state for each change, so that one that throws
   * leaves nothing behind, happens only once a change has thrown.
   */
  read(): BenchState {
    const pending = [...this.writing, ...this.soon];
    const state = this.readKnown();
    try {
      for (const c of pending) {
        state.bench = c.bench;
        c.change(state);
      }
      return state;
    } catch {
      let careful = this.readKnown();
      for (const c of pending) careful = applyChange(careful, c);
      return careful;
    }
  }

  private known: { signature: string; text: string } | undefined;

  /** The file as readFile gives it, from the text kept when the file has not changed since. */
  private readKnown(): BenchState {
    const stat = statSync(this.path, { bigint: true, throwIfNoEntry: false });
    const signature = stat ? `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}` : '';
    if (signature !== '' && this.known?.signature === signature) return JSON.parse(this.known.text) as BenchState;
    const state = this.readFile();
    this.known = signature === '' ? undefined : { signature, text: JSON.stringify(state) };
    return state;
  }

  private readFile(): BenchState {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 1, bench: '', devices: {} };
      throw new DeviceError('E_STATE_READ', `cannot read the bench state file ${this.path}: ${(error as Error).message}`, { file: this.path });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw corrupt(this.path, `it is not JSON (${(error as Error).message})`);
    }
    const errors = validateState(value);
    if (errors) {
      const first = errors[0];
      throw corrupt(this.path, `${first?.instancePath || 'the document'} ${first?.message ?? 'does not match'}`, first?.instancePath ?? '');
    }
    return value as unknown as BenchState;
  }

  /**
   * Read, change and write back under the state file's lock. Changes asked for while a write is
   * under way go together in the next one: the devices of a big bench end together, and one
   * lock, read and write for all of them beats each waiting its turn for the lock (proper-lockfile
   * retries on a timer, so turns taken one by one leave the run idle for seconds).
   */
  update(bench: string, change: (state: BenchState) => void): Promise<BenchState> {
    return new Promise((resolve, reject) => {
      this.queued.push({ bench, change, resolve, reject });
      this.writeQueued();
    });
  }

  /**
   * For a writer whose updates come one after another (a lab worker's runs ending): the change
   * counts at once in this process's reads and is written with the others at most `delayMs`
   * later, under the lock and on the file as it is then (a release made meanwhile by someone else
   * stays). Other processes see it that much later. Each write replaces the file, and on some file
   * systems every file replaced makes the next files created slower: one write for several runs
   * instead of one each. `flush()` writes what is pending now.
   */
  updateSoon(bench: string, change: (state: BenchState) => void, delayMs: number): BenchState {
    const pending = { bench, change };
    // A change that throws is the caller's error now, and never written.
    const state = applyChange(this.read(), pending, true);
    this.soon.push(pending);
    this.soonTimer ??= setTimeout(() => void this.flush().catch(() => undefined), delayMs);
    return state;
  }

  /** Writes the changes updateSoon holds; one that fails stays pending for the next flush. */
  async flush(): Promise<void> {
    clearTimeout(this.soonTimer);
    this.soonTimer = undefined;
    const batch = this.soon.splice(0);
    if (batch.length === 0) return;
    this.writing.push(...batch);
    const written = batch.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          this.queued.push({ ...c, resolve: () => resolve(), reject, written: () => void this.writing.splice(this.writing.indexOf(c), 1) });
        }),
    );
    this.writeQueued();
    try {
      await Promise.all(written);
    } catch (error) {
      // Not written (a full disk, a lock not had): kept for the next try. A change that threw on
      // the file as it was then is dropped (it was marked written with its batch).
      const unwritten = batch.filter((c) => this.writing.includes(c));
      for (const c of unwritten) this.writing.splice(this.writing.indexOf(c), 1);
      this.soon.unshift(...unwritten);
      throw error;
    }
  }

  private readonly soon: Change[] = [];
  /** Handed to a write, not in the file yet. */
  private readonly writing: Change[] = [];
  private soonTimer: NodeJS.Timeout | undefined;

  private readonly queued: QueuedChange[] = [];
  private writingNow = false;

  private writeQueued(): void {
    if (this.writingNow || this.queued.length === 0) return;
    this.writingNow = true;
    const batch = this.queued.splice(0);
    this.write(batch)
      .then(
        (state) => batch.forEach((c) => (c.failure ? c.reject(c.failure.error) : c.resolve(state))),
        (error: unknown) => batch.forEach((c) => c.reject(error)),
      )
      .finally(() => {
        this.writingNow = false;
        this.writeQueued();
      });
  }

  private async write(batch: QueuedChange[]): Promise<BenchState> {
    makeFolders(join(this.path, '..'));
    const unlock = await lockfile.lock(this.path, { realpath: false, retries: { retries: 50, minTimeout: 20, maxTimeout: 200 } });
    try {
      let state = this.readFile();
      for (const c of batch) {
        // Each change on a copy, kept only if it completes: one that throws half-way writes nothing.
        const draft = structuredClone(state);
        try {
          draft.bench = c.bench;
          c.change(draft);
          state = draft;
        } catch (error) {
          c.failure = { error };
        }
      }
      const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      writeFileSync(temp, JSON.stringify(state, null, 2) + '\n');
      renameSync(temp, this.path);
      // In the file now: this process's reads stop adding them.
      for (const c of batch) c.written?.();
      return state;
    } finally {
      await unlock();
    }
  }
}

interface Change {
  bench: string;
  change: (state: BenchState) => void;
}

/** Applies the change to the state, all or nothing: one that throws leaves it as it was (and throws on, with `rethrow`). */
function applyChange(state: BenchState, c: Change, rethrow = false): BenchState {
  const draft = structuredClone(state);
  try {
    draft.bench = c.bench;
    c.change(draft);
  } catch (error) {
    if (rethrow) throw error;
    return state;
  }
  Object.assign(state, draft);
  return state;
}

interface QueuedChange extends Change {
  resolve: (state: BenchState) => void;
  /** Called once the change is in the file. */
  written?: () => void;
  reject: (error: unknown) => void;
  /** Set when the change threw (with what it threw, which may be anything). */
  failure?: { error: unknown };
}

function corrupt(path: string, why: string, pointer?: string): InputError {
  return new InputError('E_STATE_CORRUPT', `the bench state file ${path} is damaged: ${why}`, {
    file: path,
    ...(pointer !== undefined ? { pointer } : {}),
    hint: 'poshil writes it atomically, so something else changed it; move it away to start every device as good again (health history is lost)',
  });
}
