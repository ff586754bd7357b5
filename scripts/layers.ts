/**
 * The layers of poshil and what each may import. Imports flow one way: transports ← framing ←
 * protocols ← drivers ← runner ← cli; reporters read records only. A folder not listed here
 * is a lint error, so a new folder must take a place in the order.
 */
export interface Layer {
  /** Folder (or single file) relative to the repository root. */
  path: string;
  /** Layers this one may import, besides itself. */
  may: string[];
}

export const LAYERS: Layer[] = [
  { path: 'harness/core', may: [] },
  { path: 'devices/formats', may: ['harness/core'] },
  { path: 'devices/transports', may: ['harness/core'] },
  { path: 'devices/framing', may: ['devices/transports', 'harness/core'] },
  { path: 'devices/protocols', may: ['devices/framing', 'devices/transports', 'devices/formats', 'harness/core'] },
  { path: 'devices/drivers', may: ['devices/protocols', 'devices/framing', 'devices/transports', 'devices/formats', 'harness/core'] },
  {
    path: 'devices/simulator',
    may: ['devices/drivers/catalogue.ts', 'devices/protocols', 'devices/framing', 'devices/transports', 'devices/formats', 'harness/core'],
  },
  { path: 'harness/expect', may: ['devices/formats', 'harness/core'] },
  { path: 'harness/config', may: ['harness/expect', 'devices/drivers/catalogue.ts', 'devices/protocols/ecr/description.ts', 'devices/formats/redaction.ts', 'harness/core'] },
  { path: 'harness/evidence', may: ['devices/framing/wire-tap.ts', 'devices/formats', 'harness/core'] },
  { path: 'harness/reporters/reporter.ts', may: ['harness/core'] },
  { path: 'harness/reporters', may: ['harness/core'] },
  {
    path: 'harness/runner',
    may: ['harness/reporters/reporter.ts', 'harness/evidence', 'harness/config', 'harness/expect', 'devices/drivers', 'devices/transports', 'devices/framing/wire-tap.ts', 'harness/core'],
  },
  { path: 'harness/compare', may: ['harness/core'] },
  { path: 'harness/certify', may: ['harness/evidence', 'harness/config', 'harness/core'] },
  // The device pool (locks, health, state file) stands alone so that a lab worker can reuse it.
  { path: 'harness/bench/pool', may: ['harness/core'] },
  {
    path: 'harness/bench',
    may: ['harness/runner', 'harness/compare', 'harness/config', 'harness/evidence', 'harness/reporters', 'devices', 'harness/core'],
  },
  {
    path: 'harness/lab',
    may: ['harness/bench', 'harness/runner', 'harness/compare', 'harness/certify', 'harness/config', 'harness/evidence', 'harness/reporters', 'devices', 'harness/core'],
  },
  // The panel reads the lab's database and nothing below it: workers are reached only through it.
  { path: 'harness/panel', may: ['harness/lab', 'harness/certify/verify.ts', 'harness/evidence/receipts.ts', 'harness/reporters/reporter.ts', 'harness/core'] },
  {
    path: 'harness/cli',
    may: ['harness/panel', 'harness/lab', 'harness/bench', 'harness/compare', 'harness/certify', 'harness/runner', 'harness/reporters', 'harness/evidence', 'harness/config', 'harness/expect', 'devices', 'harness/core'],
  },
  { path: 'scripts', may: ['harness', 'devices'] },
];
