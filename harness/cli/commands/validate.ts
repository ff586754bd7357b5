import { basename } from 'node:path';
import type { Command } from 'commander';
import { InputError, PoshilError, formatError } from '../../core/errors.js';
import { FixtureStore } from '../../config/fixtures.js';
import { loadDocument } from '../../config/document.js';
import { loadPlan } from '../../config/plan.js';
import { loadEcrProtocol } from '../../config/ecr-protocol.js';
import { loadProfile } from '../../config/profile.js';
import { loadConfigFile } from '../../config/run-config.js';
import { loadSuite } from '../../config/suite.js';
import { validateDocument } from '../../config/validate.js';
import { Expectations } from '../../expect/expectations.js';
import { dirname, join, resolve } from 'node:path';

/** What a file is, from its name or, failing that, its content. */
function kindOf(path: string): 'suite' | 'profile' | 'plan' | 'record' | 'ecr protocol' | 'config' {
  const name = basename(path);
  if (/^poshil\.config\.(ya?ml|json)$/.test(name)) return 'config';
  if (/\.suite\.(ya?ml|json)$/.test(name)) return 'suite';
  if (/\.plan\.(ya?ml|json)$/.test(name)) return 'plan';
  if (/\.ecr\.(ya?ml|json)$/.test(name)) return 'ecr protocol';
  if (/^record\.json$/.test(name)) return 'record';
  const value = loadDocument(path, 'file').value as Record<string, unknown> | null;
  if (value && typeof value === 'object' && 'cases' in value) return 'suite';
  if (value && typeof value === 'object' && 'plan' in value) return 'plan';
  if (value && typeof value === 'object' && 'schemaVersion' in value) return 'record';
  return 'profile';
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check suites, plans, device profiles, ECR protocol descriptions, poshil.config files and run records against their JSON Schemas, without running anything.')
    .argument('<files...>', 'files to check (*.suite.yaml suites, *.plan.yaml plans, *.ecr.yaml protocol descriptions, *.json profiles, record.json, poshil.config.yaml)')
    .addHelpText('after', `\nExamples:\n  $ poshil validate suites/*.suite.yaml\n  $ poshil validate devices/*.json\n\nExits 0 when every file is valid, 2 otherwise; each problem names the file, the JSON pointer and the line.`)
    .action((files: string[]) => {
      let bad = 0;
      const expectations = new Expectations();
      for (const file of files) {
        try {
          const path = resolve(file);
          const kind = kindOf(path);
          if (kind === 'suite') loadSuite(path, expectations, new FixtureStore(join(dirname(path), 'fixtures')), { stepTimeoutMs: 5000 });
          else if (kind === 'profile') loadProfile(path);
          else if (kind === 'ecr protocol') loadEcrProtocol(path);
          else if (kind === 'plan') loadPlan(path, expectations, { stepTimeoutMs: 5000 });
          else if (kind === 'config') loadConfigFile(path);
          else validateDocument('record', loadDocument(path, 'run record'), 'run record');
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
