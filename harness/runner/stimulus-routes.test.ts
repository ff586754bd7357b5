/** A stimulus routed via the simulator by a profile that launches none is refused before the run. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inputError } from '../core/test-support/thrown.js';
import { loadRunInputs } from '../config/inputs.js';
import { checkStimulusRoutes } from './stimulus-routes.js';

const dir = mkdtempSync(join(tmpdir(), 'poshil-routes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function inputs(profile: object) {
  const profilePath = join(dir, `p${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(profilePath, JSON.stringify({ name: 't', protocol: 'bench', transport: { type: 'tcp', host: '127.0.0.1', port: 9 }, ...profile }));
  const suite = join(dir, 't.suite.yaml');
  writeFileSync(suite, 'suite: t\ncases:\n  - id: plain\n    steps:\n      - do: status\n  - id: swipes\n    steps:\n      - do: sale\n        args: { amount: 100, currency: EUR }\n      - stimulus: swipe\n        args: { track: ";4111111111111111=30121011234567890?" }\n');
  return loadRunInputs(profilePath, [suite]);
}

describe('checkStimulusRoutes', () => {
  it('refuses a stimulus a profile without a simulator sends via the simulator, naming the case and the profile pointer', () => {
    const { profile, suites } = inputs({ defaultStimulus: { via: 'simulator' } });
    const error = inputError(() => checkStimulusRoutes(profile, suites));
    expect(error.code).toBe('E_STIMULUS_ROUTE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('stimulus "swipe" via the simulator');
    expect(error.message).toContain('t/swipes');
    expect(error.context).toMatchObject({ pointer: '/defaultStimulus', file: profile.file });
    const named = inputs({ stimuli: { swipe: { via: 'simulator' } } });
    expect(inputError(() => checkStimulusRoutes(named.profile, named.suites)).context.pointer).toBe('/stimuli/swipe');
  });

  it('lets the run go when no selected case needs such a stimulus, or the route is another', () => {
    const { profile, suites } = inputs({ defaultStimulus: { via: 'simulator' } });
    expect(() => checkStimulusRoutes(profile, suites, { grep: /plain/ })).not.toThrow();
    const exec = inputs({ defaultStimulus: { via: 'simulator' }, stimuli: { swipe: { via: 'exec', command: ['true'] } } });
    expect(() => checkStimulusRoutes(exec.profile, exec.suites)).not.toThrow();
  });
});
