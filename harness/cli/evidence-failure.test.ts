import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunInputs } from '../config/inputs.js';
import { ExitCode } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { executeRun } from '../runner/execute-run.js';
import { startInProcessSimulator } from './commands/in-process-simulator.js';

const root = mkdtempSync(join(tmpdir(), 'poshil-evidence-failure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a run whose evidence cannot be written', () => {
  it('ends with exit 3 naming what it could not write, and keeps the record', async () => {
    const runDir = join(root, 'run');
    mkdirSync(runDir);
    // A file where the transcript's folder goes: it cannot be made (as on a full or failing disk).
    writeFileSync(join(runDir, 'transcript'), 'in the way');
    const result = await executeRun({
      inputs: loadRunInputs(join(packageRoot(), 'devices/simulator.json'), [join(packageRoot(), 'suites/smoke.suite.yaml')]),
      outDir: root,
      runDir,
      launchSimulator: startInProcessSimulator,
      grep: /smoke\/identify/,
      retries: 0,
      logLevel: 'warn',
      reporters: () => [],
    });
    expect(result.exitCode).toBe(ExitCode.deviceError);
    expect(result.failure?.code).toBe('E_OUTPUT');
    expect(result.failure?.message).toMatch(/could not write the run's evidence: .*transcript/);
    const record = JSON.parse(readFileSync(join(runDir, 'record.json'), 'utf8')) as { summary: { passed: number } };
    expect(record.summary.passed).toBe(1);
  });
});
