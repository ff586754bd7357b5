import { basename } from 'node:path';
import type { Command } from 'commander';
import type { loadDocument as LoadDocument } from '../../config/document.js';
import { InputError, PoshilError, formatError } from '../../core/errors.js';
import { dirname, join, resolve } from 'node:path';
import { COMMAND_SUMMARIES } from './summaries.js';

/** What a file is, from its name or, failing that, its content. */
function kindOf(path: string, loadDocument: typeof LoadDocument): 'suite' | 'profile' | 'plan' | 'record' | 'ecr protocol' | 'config' | 'bench' | 'fault plan' {
  const name = basename(path);
  if (/\.bench\.(ya?ml|json)$/.test(name)) return 'bench';
  if (/^poshil\.config\.(ya?ml|json)$/.test(name)) return 'config';
  if (/\.suite\.(ya?ml|json)$/.test(name)) return 'suite';
  if (/\.plan\.(ya?ml|json)$/.test(name)) return 'plan';
  if (/\.ecr\.(ya?ml|json)$/.test(name)) return 'ecr protocol';
  if (/^record\.json$/.test(name)) return 'record';
  const value = loadDocument(path, 'file').value as Record<string, unknown> | null;
  if (value && typeof value === 'object' && 'cases' in value) return 'suite';
  if (value && typeof value === 'object' && 'plan' in value) return 'plan';
  if (value && typeof value === 'object' && 'schemaVersion' in value) return 'record';
  if (value && typeof value === 'object' && 'faults' in value) return 'fault plan';
  return 'profile';
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(COMMAND_SUMMARIES.validate.description)
    .argument('<files...>', 'files to check (*.suite.yaml suites, *.plan.yaml plans, *.ecr.yaml protocol descriptions, *.bench.yaml benches, *.json profiles, record.json, poshil.config.yaml, fault plans for sim --faults)')
    .addHelpText('after', `\nExamples:\n  $ poshil validate suites/*.suite.yaml\n  $ poshil validate devices/*.json\n\nExits 0 when every file is valid, 2 otherwise; each problem names the file, the JSON pointer and the line.`)
    .action(async (files: string[]) => {
      // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
      const { FixtureStore } = await import('../../config/fixtures.js');
      const { loadDocument } = await import('../../config/document.js');
      const { loadBench } = await import('../../bench/bench-file.js');
      const { loadPlan } = await import('../../config/plan.js');
      const { loadEcrProtocol } = await import('../../config/ecr-protocol.js');
      const { loadProfile } = await import('../../config/profile.js');
      const { loadConfigFile } = await import('../../config/run-config.js');
      const { loadSuite } = await import('../../config/suite.js');
      const { validateDocument } = await import('../../config/validate.js');
      const { Expectations } = await import('../../expect/expectations.js');
      let bad = 0;
      const expectations = new Expectations();
      for (const file of files) {
        try {
          const path = resolve(file);
          const kind = kindOf(path, loadDocument);
          if (kind === 'suite') loadSuite(path, expectations, new FixtureStore(join(dirname(path), 'fixtures')), { stepTimeoutMs: 5000 });
          else if (kind === 'profile') loadProfile(path);
          else if (kind === 'ecr protocol') loadEcrProtocol(path);
          else if (kind === 'plan') loadPlan(path, expectations, { stepTimeoutMs: 5000 });
          else if (kind === 'config') loadConfigFile(path);
          else if (kind === 'bench') loadBench(path);
          else if (kind === 'fault plan') (await import('../../../devices/simulator/faults.js')).loadFaultPlan(path);
          else {
            const doc = loadDocument(path, 'run record');
            const bench = (doc.value as { kind?: unknown } | null)?.kind === 'poshil.bench-run';
            validateDocument(bench ? 'bench-run' : 'record', doc, bench ? 'bench run record' : 'run record');
          }
          process.stdout.write(`ok       ${file} (${kind})\n`);
        } catch (error) {
          if (!(error instanceof PoshilError)) throw error;
          bad++;
          process.stdout.write(`invalid  ${file}\n`);
          process.stderr.write(formatError(error) + '\n');
        }
      }
      if (bad > 0) throw new InputError('E_INVALID_FILES', `${bad} of ${files.length} files are invalid`);
    });
}
