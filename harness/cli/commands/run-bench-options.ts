/**
 * The bench options of `poshil run` (docs/benches.md). Only commander is loaded here: the bench
 * run itself (run-bench.ts) is imported when --bench is given.
 */
import type { Command } from 'commander';

export interface BenchRunOptions {
  bench?: string;
  device?: string;
  select?: string;
  spread?: boolean;
  workers?: string;
  lockWait?: string;
  lab?: string;
  inProcessSimulators?: boolean;
  grep?: string[];
  retries?: string;
  out?: string;
  junit?: string | false;
  html?: string | false;
  logLevel?: string;
  /** Refused: a bench run has its own console and combined reports. */
  reporter?: string[];
  grepInvert?: string[];
  lastFailed?: boolean;
  list?: boolean;
  bail?: boolean;
  maxFailures?: string;
  timeout?: string;
  config?: string;
  segmentSize?: string;
}

export function addBenchRunOptions(command: Command): Command {
  return command
    .option('--bench <file>', 'run on every device of a bench file (*.bench.yaml) at once, instead of --device: docs/benches.md')
    .option('--select <labels>', 'with --bench: only the devices whose labels match, e.g. brand=acme,firmware=2.1')
    .option('--spread', 'with --bench: share the cases among the (interchangeable) devices instead of running all on each')
    .option('--workers <n>', 'with --bench: how many devices run at once (default: all)')
    .option('--lock-wait <ms>', 'with --bench: how long to wait for a device another run holds (default 0)')
    .option('--in-process-simulators', 'start the profiles\' simulators inside poshil instead of one process each (faster for big simulated benches; their timings then include poshil\'s own work)')
    .option('--lab <dir>', 'with --bench: the lab folder holding device locks and health (default: $POSHIL_LAB_DIR or .poshil)');
}
