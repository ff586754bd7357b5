import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { consoleText } from '../../core/console-text.js';
import { InputError } from '../../core/errors.js';
import { COMMAND_SUMMARIES } from './summaries.js';
import { makeFolders } from '../../core/folders.js';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description(COMMAND_SUMMARIES.keygen.description)
    .option('-o, --out <name>', 'path and base name of the two files (keys/ is git-ignored for *.key)', 'keys/poshil-lab')
    .option('--force', 'overwrite existing files')
    .addHelpText('after', `\nKeep NAME.key off shared drives and out of evidence bundles; hand NAME.pub to whoever verifies.\n\nExample:\n  $ poshil keygen --out keys/bench2`)
    .action(async (options: { out: string; force?: boolean }) => {
      const { generateLabKeys, keyId, loadPublicKey } = await import('../../evidence/signing.js');
      const base = resolve(options.out);
      for (const path of [`${base}.key`, `${base}.pub`]) {
        if (existsSync(path) && !options.force) throw new InputError('E_EXISTS', `${path} exists`, { file: path, hint: 'choose another --out, or --force to replace it' });
      }
      makeFolders(dirname(base));
      const keys = generateLabKeys();
      // Replaced, not written through: writing over an existing file keeps its mode (a 0644 key
      // stays readable by all) and follows a symbolic link to wherever it points.
      for (const path of [`${base}.key`, `${base}.pub`]) rmSync(path, { force: true });
      writeFileSync(`${base}.key`, keys.privateKey, { mode: 0o600, flag: 'wx' });
      writeFileSync(`${base}.pub`, keys.publicKey, { flag: 'wx' });
      process.stdout.write(`wrote ${base}.key (private) and ${base}.pub\nkey id ${keyId(loadPublicKey(keys.publicKey, false))}\n`);
    });
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(COMMAND_SUMMARIES.verify.description)
    .argument('<dir>', 'the run directory holding certificate.json')
    .option('-k, --key <file>', 'the lab public key to trust (without it, the key embedded in the certificate is used and named)')
    .option('--certified', 'also exit 1 when the bundle is intact but its verdict is not CERTIFIED')
    .addHelpText('after', `\nverify checks that the bundle is what certify signed, whatever its verdict: a NOT CERTIFIED\nbundle that nobody changed verifies. Exits 0 when everything checks out (with --certified: and the\nverdict is CERTIFIED), 1 naming each file that changed, went missing or appeared (the certificate's\nsignature included) and each symbolic link in the bundle (none is followed) or, with --certified,\nnaming the verdict; 2 when the folder holds no certificate.json or the key cannot be read.\n\nExamples:\n  $ poshil verify reports/out/latest --key keys/bench2.pub\n  $ poshil verify reports/out/latest --key keys/bench2.pub --certified    a release gate`)
    .action(async (dir: string, options: { key?: string; certified?: boolean }) => {
      const { verifyBundle } = await import('../../certify/verify.js');
      const result = verifyBundle(resolve(dir), options.key ? resolve(options.key) : undefined);
      if (result.ok) {
        process.stdout.write(`verified: ${result.checkedFiles} files, signature by ${consoleText(String(result.keyId))}${result.trustedKey ? '' : ' (the key embedded in the certificate: pass --key to check it is yours)'}; verdict ${consoleText(String(result.verdict))}\n`);
        if (options.certified && result.verdict !== 'CERTIFIED') {
          process.stdout.write(`not certified: the verdict is ${consoleText(String(result.verdict))} (--certified)\n`);
          process.exitCode = 1;
        }
        return;
      }
      // A problem names files of the bundle, whose names anyone who could change it chose.
      process.stdout.write(`NOT VERIFIED:\n${result.problems.map((p) => `  - ${consoleText(p)}`).join('\n')}\n`);
      process.exitCode = 1;
    });
}
