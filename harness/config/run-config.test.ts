import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { configFromEnv, findConfig, loadConfigFile, runConfig } from './run-config.js';

describe('run configuration', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'poshil-config-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reads a JSON config with paths relative to the file', () => {
    const d = dir();
    writeFileSync(join(d, 'poshil.config.json'), JSON.stringify({ device: 'devices/sim.json', suites: ['suites'], reporters: ['dot', 'junit=out/j.xml'], retries: 2 }));
    expect(findConfig(d)).toBe(join(d, 'poshil.config.json'));
    expect(loadConfigFile(join(d, 'poshil.config.json'))).toMatchObject({
      device: join(d, 'devices/sim.json'),
      suites: [join(d, 'suites')],
      reporters: ['dot', `junit=${join(d, 'out/j.xml')}`],
      retries: 2,
    });
  });

  it('refuses two config files and an unknown key', () => {
    const d = dir();
    writeFileSync(join(d, 'poshil.config.json'), '{}');
    writeFileSync(join(d, 'poshil.config.yaml'), 'devise: x\n');
    expect(() => findConfig(d)).toThrow(/two configuration files/);
    expect(() => loadConfigFile(join(d, 'poshil.config.yaml'))).toThrow(InputError);
  });

  it('lets POSHIL_* variables beat the file', () => {
    const d = dir();
    writeFileSync(join(d, 'c.yaml'), 'device: a.json\nretries: 1\n');
    const config = runConfig(join(d, 'c.yaml'), { POSHIL_RETRIES: '3', POSHIL_REPORTER: 'list, github', POSHIL_SUITES: 'a.suite.yaml,b' });
    expect(config).toMatchObject({ device: join(d, 'a.json'), retries: 3, reporters: ['list', 'github'], suites: ['a.suite.yaml', 'b'] });
    expect(() => configFromEnv({ POSHIL_TIMEOUT: 'soon' })).toThrow(/POSHIL_TIMEOUT must be a whole number/);
    // As --max-failures 0 and --timeout 0 are refused.
    expect(() => configFromEnv({ POSHIL_MAX_FAILURES: '0' })).toThrow(/POSHIL_MAX_FAILURES must be a whole number of at least 1, not "0"/);
    expect(() => configFromEnv({ POSHIL_TIMEOUT: '0' })).toThrow(/POSHIL_TIMEOUT must be a whole number of at least 1/);
  });
});
