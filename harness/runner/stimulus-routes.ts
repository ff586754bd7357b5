/**
 * Stimuli a profile can never deliver, found before a run starts: only a simulator that poshil
 * launches (the profile's `simulator` block) has a control channel, so a stimulus routed "via
 * simulator" by any other profile would fail in every case that needs it, and leave each of
 * those cases to be read as the terminal's failure. The profile is the error, and says so once.
 */
import { InputError } from '../core/errors.js';
import type { Profile } from '../config/profile.js';
import type { Step, Suite } from '../config/types.js';
import { selectCases, type CaseSelection } from './run.js';

function stimulusOf(step: Step): string | undefined {
  if (step.kind === 'stimulus') return step.stimulus;
  if (step.kind === 'load') return step.load.stimulus;
  return step.kind === 'prompt' ? 'prompt' : undefined;
}

export function checkStimulusRoutes(profile: Profile, suites: readonly Suite[], selection: CaseSelection = {}): void {
  if (profile.simulator) return;
  for (const suite of suites) {
    for (const c of selectCases(suite, selection)) {
      for (const step of c.steps) {
        const name = stimulusOf(step);
        if (name === undefined) continue;
        const routed = profile.stimuli[name];
        if ((routed ?? profile.defaultStimulus).via !== 'simulator') continue;
        throw new InputError(
          'E_STIMULUS_ROUTE',
          `device profile ${profile.file} sends stimulus "${name}" via the simulator, but launches no simulator; ${suite.id}/${c.id} needs it (${suite.file}, ${step.pointer})`,
          {
            file: profile.file,
            pointer: routed ? `/stimuli/${name}` : '/defaultStimulus',
            hint: `route "${name}" via operator or exec (docs/devices.md), or use a profile with a "simulator" block, which poshil starts for the run`,
          },
        );
      }
    }
  }
}
