/** Loads a device profile: parse → validate against profile.schema.json → a frozen Profile. */
import { InputError } from '../core/errors.js';
import { loadDocument } from './document.js';
import { validateDocument } from './validate.js';

export type StimulusRoute =
  | { via: 'simulator' }
  | { via: 'operator'; prompt?: string }
  | { via: 'exec'; command: string[]; cwd?: string };

export type TransportSpec =
  | { type: 'tcp'; host: string; port?: number; connectTimeout?: number }
  | {
      type: 'serial';
      path?: string;
      baudRate?: number;
      dataBits?: 5 | 6 | 7 | 8;
      parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
      stopBits?: 1 | 1.5 | 2;
      rtscts?: boolean;
    };

export interface Profile {
  name: string;
  description?: string;
  protocol: 'bench' | 'zvt';
  transport: TransportSpec;
  capabilities: string[];
  stimuli: Readonly<Record<string, StimulusRoute>>;
  defaultStimulus: StimulusRoute;
  timeouts: { stepMs: number; identifyMs: number };
  simulator?: { args: string[]; readyTimeoutMs: number };
  file: string;
  path: string;
  sha256: string;
}

interface RawProfile {
  name: string;
  description?: string;
  protocol: 'bench' | 'zvt';
  transport: TransportSpec;
  capabilities?: string[];
  stimuli?: Record<string, StimulusRoute>;
  defaultStimulus?: StimulusRoute;
  timeouts?: { step?: number; identify?: number };
  simulator?: { args?: string[]; readyTimeout?: number; hostLatency?: { min: number; max: number } };
}

/** The launched simulator's arguments: those written, then the profile's own settings. */
function simulatorArgs(sim: NonNullable<RawProfile['simulator']>): string[] {
  return [...(sim.args ?? []), ...(sim.hostLatency ? ['--host-latency', `${sim.hostLatency.min}-${sim.hostLatency.max}`] : [])];
}

export function loadProfile(path: string): Profile {
  const doc = loadDocument(path, 'device profile');
  validateDocument('profile', doc, 'device profile');
  const raw = doc.value as RawProfile;
  const t = raw.transport;
  const addressKnown = t.type === 'tcp' ? t.port !== undefined : t.path !== undefined;
  if (!addressKnown && !raw.simulator) {
    const key = t.type === 'tcp' ? 'port' : 'path';
    const pos = doc.lineOf('/transport');
    throw new InputError('E_SCHEMA', `device profile ${doc.shown} is invalid: /transport needs "${key}" (only a launched simulator may leave it out)`, {
      file: doc.shown,
      pointer: '/transport',
      ...(pos ? { line: pos.line } : {}),
    });
  }
  const lat = raw.simulator?.hostLatency;
  if (lat && lat.max < lat.min) {
    const pos = doc.lineOf('/simulator/hostLatency');
    throw new InputError('E_SCHEMA', `device profile ${doc.shown} is invalid: /simulator/hostLatency has max ${lat.max} below min ${lat.min}`, { file: doc.shown, pointer: '/simulator/hostLatency', ...(pos ? { line: pos.line } : {}) });
  }
  const defaultStimulus = raw.defaultStimulus ?? (raw.simulator ? { via: 'simulator' as const } : { via: 'operator' as const });
  return Object.freeze({
    name: raw.name,
    ...(raw.description ? { description: raw.description } : {}),
    protocol: raw.protocol,
    transport: t,
    capabilities: raw.capabilities ?? [],
    stimuli: raw.stimuli ?? {},
    defaultStimulus,
    timeouts: { stepMs: raw.timeouts?.step ?? 5000, identifyMs: raw.timeouts?.identify ?? 5000 },
    ...(raw.simulator ? { simulator: { args: simulatorArgs(raw.simulator), readyTimeoutMs: raw.simulator.readyTimeout ?? 15_000 } } : {}),
    file: doc.shown,
    path: doc.path,
    sha256: doc.sha256,
  });
}
