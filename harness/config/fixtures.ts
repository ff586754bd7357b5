/**
 * Test fixtures (test cards, QR payloads) referenced from suites as `FILE/KEY`: entry KEY of
 * suites/fixtures/FILE.json. Fixtures hold only public test card numbers; real card data
 * never belongs in a repository.
 */
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { loadDocument, type LoadedDocument } from './document.js';

export class FixtureStore {
  private readonly files = new Map<string, LoadedDocument>();

  constructor(readonly dir: string) {}

  /** Loaded fixture files with their hashes, for the run record. */
  get loaded(): readonly LoadedDocument[] {
    return [...this.files.values()];
  }

  get(ref: string, where: { file: string; pointer: string; line?: number }): Record<string, unknown> {
    const [name = '', key = ''] = ref.split('/', 2);
    let doc = this.files.get(name);
    if (!doc) {
      try {
        doc = loadDocument(join(this.dir, `${name}.json`), 'fixture file');
      } catch (error) {
        if (error instanceof InputError && error.code === 'E_FILE_NOT_FOUND') {
          throw new InputError('E_FIXTURE_NOT_FOUND', `fixture "${ref}": there is no fixture file ${name}.json in ${this.dir}`, { ...where, hint: 'fixtures are FILE/KEY, e.g. cards/visa-approved' });
        }
        throw error;
      }
      this.files.set(name, doc);
    }
    const entries = doc.value as Record<string, unknown>;
    const entry = entries[key];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InputError('E_FIXTURE_NOT_FOUND', `fixture "${ref}": ${name}.json has no entry "${key}"`, {
        ...where,
        hint: `known entries: ${Object.keys(entries).join(', ')}`,
      });
    }
    const { description: _description, ...data } = entry as Record<string, unknown>;
    return data;
  }
}
