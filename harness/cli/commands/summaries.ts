/**
 * What `poshil --help` says of each command. It lives apart from the commands' modules so that
 * the list is drawn without loading them (and everything they import): `poshil --help` costs
 * little more than Node's start. Each command's module takes its description from here;
 * program.test.ts checks the list against the commands themselves.
 */
export const COMMAND_SUMMARIES = {
  run: {
    term: 'run [options] [suites...]',
    description: 'Run acceptance suites against a terminal (real or simulated) and write the record, transcript, log, JUnit XML and HTML report.',
  },
  sim: {
    term: 'sim [options]',
    description: 'Run the simulated terminal: bench protocol on TCP, a serial tty or a pty pair, with a control channel for stimuli.',
  },
  validate: {
    term: 'validate <files...>',
    description: 'Check suites, plans, device profiles, ECR protocol descriptions, bench files, poshil.config files and run records against their JSON Schemas, without running anything.',
  },
  certify: {
    term: 'certify [options]',
    description: 'Run a certification plan on a terminal and issue a signed certificate with its evidence bundle.',
  },
  keygen: {
    term: 'keygen [options]',
    description: 'Make an Ed25519 key pair for signing certificates: NAME.key (private, mode 600) and NAME.pub.',
  },
  verify: {
    term: 'verify [options] <dir>',
    description: 'Check a certificate bundle: the signature, the manifest, and the SHA-256 of every evidence file.',
  },
  compare: {
    term: 'compare [options] <before> <after>',
    description: 'Compare two run records (e.g. old and new firmware): regressions, recoveries, measurement deltas, latency shifts.',
  },
  decode: {
    term: 'decode [options] <format> <input>',
    description: 'Decode what a terminal sent: magstripe tracks, an EMV merchant QR, EMV TLV, ESC/POS receipt bytes, or a ZVT APDU or serial frame, or a vendor ECR frame from its description. Card numbers are masked.',
  },
  ports: {
    term: 'ports [options]',
    description: 'List the serial ports on this machine (USB-serial adapters, RS-232 ports).',
  },
  report: {
    term: 'report [options] [record]',
    description: 'Render a report again from a run record (record.json, or record.ndjson of a run that crashed; a bench run\'s record.json gives its device × suite page and combined JUnit), or open the last run\'s report.',
  },
  bench: {
    term: 'bench',
    description: 'Show and change the state of a bench of terminals: locks, health, quarantine (docs/benches.md).',
  },
  lab: {
    term: 'lab',
    description: 'Many bench hosts sharing one PostgreSQL: workers take queued jobs for their devices (docs/lab.md).',
  },
} as const;

export type CommandName = keyof typeof COMMAND_SUMMARIES;
