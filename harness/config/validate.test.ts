import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CONFIG_AJV_OPTIONS, CONFIG_KINDS, schemaPath, validatorPath } from './validate.js';

const require = createRequire(import.meta.url);

const samples: Record<(typeof CONFIG_KINDS)[number], unknown[]> = {
  suite: [{ suite: 's', cases: [{ id: 'c', steps: [{ do: 'status' }] }] }, { suite: 's', cases: [{ id: 'c', steps: [{ teleport: 1 }] }] }, { suite: 3 }, {}],
  profile: [{ name: 'x', protocol: 'bench', transport: { type: 'tcp', host: 'h', port: 1 } }, { name: 'x', protocol: 'smoke', transport: { type: 'tcp' } }, []],
  plan: [{ plan: 'p' }, { plan: 1, extra: true }],
  record: [{ schemaVersion: 1 }, { schemaVersion: 2, suites: 'no' }],
  'ecr-protocol': [{ id: 'x' }, { id: 1, framing: {} }],
  config: [{ device: 'devices/simulator.json' }, { device: 1, bogus: true }],
  bench: [{ bench: 'b', devices: [{ name: 'd', profile: 'p.json', labels: { brand: 'acme' } }] }, { bench: 'b', devices: [{ name: 'd', colour: 1 }] }, { devices: [] }],
  'bench-run': [{ kind: 'poshil.bench-run', schemaVersion: 2, devices: [] }, { kind: 'poshil.bench-run', schemaVersion: 1, exitCode: 4 }],
};

describe('prebuilt configuration validators', () => {
  it.skipIf(!existsSync(validatorPath('suite')))('match the schemas they were built from and report what ajv reports', () => {
    for (const kind of CONFIG_KINDS) {
      const text = readFileSync(schemaPath(kind), 'utf8');
      const prebuilt = require(validatorPath(kind)) as ValidateFunction & { schemaSha256: string };
      expect(prebuilt.schemaSha256, `${kind}: run npm run build`).toBe(createHash('sha256').update(text).digest('hex'));
      const ajv = new Ajv(CONFIG_AJV_OPTIONS);
      addFormats.default(ajv);
      const compiled = ajv.compile(JSON.parse(text) as object);
      for (const sample of samples[kind]) {
        expect(prebuilt(sample), `${kind}: ${JSON.stringify(sample)}`).toBe(compiled(sample));
        const strip = (errors: ValidateFunction['errors']) => (errors ?? []).map((e) => ({ ...e, schema: JSON.stringify(e.schema), parentSchema: JSON.stringify(e.parentSchema) }));
        expect(strip(prebuilt.errors)).toEqual(strip(compiled.errors));
      }
    }
  });
});
