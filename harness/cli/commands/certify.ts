import { join, relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { consoleText } from '../../core/console-text.js';
import { ExitCode, formatError } from '../../core/errors.js';
import { LOG_LEVELS, type LogLevel } from '../../evidence/log-levels.js';
import { required } from './required.js';
import { parseSegmentSize, SEGMENT_SIZE_HELP } from './segment-size.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface CertifyOptions {
  plan: string;
  device: string;
  key: string;
  lab?: string;
  tester?: string;
  out: string;
  logLevel: LogLevel;
  segmentSize?: string;
}

export function registerCertify(program: Command): void {
  program
    .command('certify')
    .description(COMMAND_SUMMARIES.certify.description)
    .option('-p, --plan <file>', 'certification plan (YAML/JSON) (required)')
    .option('-d, --device <profile>', 'device profile (required)')
    .option('-k, --key <file>', 'the lab\'s Ed25519 private key (from `poshil keygen`) (required)')
    .option('--lab <name>', 'laboratory name printed on the certificate')
    .option('--tester <name>', 'tester name printed on the certificate')
    .option('-o, --out <dir>', 'folder for run directories', 'reports/out')
    .addOption(new Option('--log-level <level>', 'level of RUNDIR/poshil.log').choices(LOG_LEVELS).default('info'))
    .option('--segment-size <size>', SEGMENT_SIZE_HELP)
    .addHelpText(
      'after',
      `
The run directory becomes the evidence bundle: record, transcript (segments chained by SHA-256),
receipts, log, JUnit XML, HTML report, certificate.html (printable), manifest.json (SHA-256 of
every file, and each segment chain in order) and certificate.json, signed over the manifest's hash. \`poshil verify RUNDIR --key keys/poshil-lab.pub\` checks all of it.

Exit codes: 0 CERTIFIED, 1 NOT CERTIFIED, 2 invalid input, 3 device error, 130 interrupted.

Examples:
  $ poshil keygen                      keys/poshil-lab.key and keys/poshil-lab.pub
  $ poshil certify --plan suites/plans/acceptance.plan.yaml --device devices/simulator.json --key keys/poshil-lab.key --lab "Bench 2" --tester "A. Tester"`,
    )
    .action(async (options: CertifyOptions) => {
      // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
      const { issueCertificate } = await import('../../certify/issue.js');
      const { loadPlanInputs } = await import('../../config/inputs.js');
      const { loadPrivateKey } = await import('../../evidence/signing.js');
      const { ConsoleReporter } = await import('../../reporters/console.js');
      const { renderCertificateHtml } = await import('../../reporters/html-certificate.js');
      const { htmlReporter } = await import('../../reporters/html.js');
      const { junitReporter } = await import('../../reporters/junit.js');
      const { executeRun } = await import('../../runner/execute-run.js');
      const { planVerdict } = await import('../../certify/verdict.js');
      const { prepareOutputFolder } = await import('../../evidence/output-folder.js');
      required(options.plan, '-p, --plan <file>', 'certify');
      required(options.device, '-d, --device <profile>', 'certify');
      required(options.key, '-k, --key <file>', 'certify', 'make one with poshil keygen (keys/poshil-lab.key)');
      // A certificate without a lab or a tester is valid but says "—" for them: say so before the run.
      const unnamed = [...(options.lab ? [] : ['--lab']), ...(options.tester ? [] : ['--tester'])];
      if (unnamed.length) process.stderr.write(`poshil: warning: no ${unnamed.join(' or ')} given; the certificate will show "—" for ${unnamed.length === 2 ? 'them' : 'it'}\n`);
      const segmentBytes = parseSegmentSize(options.segmentSize);
      const privateKey = loadPrivateKey(resolve(options.key));
      const inputs = loadPlanInputs(options.device, options.plan);
      prepareOutputFolder(resolve(options.out), '--out');
      const shown = (path: string) => relative(process.cwd(), path) || path;
      const outputs: Record<string, string> = {};
      const result = await executeRun({
        inputs,
        outDir: resolve(options.out),
        retries: inputs.plan.retries,
        logLevel: options.logLevel,
        handleSignals: true,
        ...(segmentBytes ? { segmentBytes } : {}),
        judge: (record) => planVerdict(record, inputs.plan),
        reporters: (runDir) => {
          outputs['bundle'] = shown(runDir);
          outputs['report'] = shown(join(runDir, 'report.html'));
          outputs['certificate'] = shown(join(runDir, 'certificate.html'));
          return [junitReporter(join(runDir, 'junit.xml')), htmlReporter(join(runDir, 'report.html'), runDir), new ConsoleReporter({ outputs: () => outputs })];
        },
      });
      if (result.failure) process.stderr.write(formatError(result.failure) + '\n');
      if (result.exitCode === ExitCode.interrupted) {
        process.exitCode = result.exitCode;
        return;
      }
      const lab = { ...(options.lab ? { name: options.lab } : {}), ...(options.tester ? { tester: options.tester } : {}) };
      const certificate = issueCertificate({ runDir: result.runDir, record: result.record, plan: inputs.plan, lab, privateKey, renderHtml: renderCertificateHtml });
      process.stdout.write(`\n${certificate.verdict}: plan ${consoleText(inputs.plan.id)} ${consoleText(inputs.plan.version)}\n`);
      // A reason may quote the terminal (its firmware, its refusal): shown escaped, as on every console path.
      for (const reason of certificate.reasons) process.stdout.write(`  - ${consoleText(reason)}\n`);
      process.stdout.write(`signed by key ${certificate.signature.keyId}\n`);
      process.exitCode = result.failure ? result.exitCode : certificate.verdict === 'CERTIFIED' ? ExitCode.ok : ExitCode.caseFailed;
    });
}
