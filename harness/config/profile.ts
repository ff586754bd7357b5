/** Loads a device profile: parse → validate against profile.schema.json → a frozen Profile. */
import { InputError } from '../core/errors.js';
import { dirname, resolve } from 'node:path';
import type { EcrProtocol } from '../../devices/protocols/ecr/description.js';
import { loadDocument } from './document.js';
import { loadEcrProtocol } from './ecr-protocol.js';
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
  protocol: 'bench' | 'zvt' | 'ecr';
  /** The vendor protocol description, when protocol is ecr. */
  ecr?: EcrProtocol;
  transport: TransportSpec;
  capabilities: string[];
  /** Sales the terminal takes at once; a load asking for more is an input error. Default 1. */
  maxConcurrentSales: number;
  stimuli: Readonly<Record<string, StimulusRoute>>;
  defaultStimulus: StimulusRoute;
  timeouts: {
    stepMs: number;
    identifyMs: number;
    /** How long a dropped link may stay down before the terminal counts as gone (0: at once). */
    reconnectMs: number;
    /** How long after a restarting step (reboot, upgrade, powerCycle) the link may take to drop. */
    linkDropMs: number;
  };
  /** What the terminal must show before its cases run (harness/runner/health-check.ts). */
  health: HealthExpectation;
  simulator?: { args: string[]; readyTimeoutMs: number };
  file: string;
  path: string;
  sha256: string;
}

/** A terminal rebooting after a firmware upgrade takes tens of seconds; a minute covers most. */
export const DEFAULT_RECONNECT_MS = 60_000;
export const DEFAULT_LINK_DROP_MS = 2000;

export interface HealthExpectation {
  /** The firmware version the terminal must report, when the profile names one. */
  firmware?: string;
  /** The longest an identify round trip may take, in milliseconds. */
  roundTripMs: number;
}

interface RawProfile {
  name: string;
  description?: string;
  protocol: 'bench' | 'zvt' | 'ecr';
  ecrProtocol?: string;
  transport: TransportSpec;
  capabilities?: string[];
  maxConcurrentSales?: number;
  stimuli?: Record<string, StimulusRoute>;
  defaultStimulus?: StimulusRoute;
  timeouts?: { step?: number; identify?: number; reconnect?: number; linkDrop?: number };
  health?: { firmware?: string; roundTrip?: number };
  simulator?: { args?: string[]; readyTimeout?: number; hostLatency?: { min: number; max: number } };
}

/** The launched simulator's arguments: those written, then the profile's own settings. */
function simulatorArgs(sim: NonNullable<RawProfile['simulator']>): string[] {
  return [...(sim.args ?? []), ...(sim.hostLatency ? ['--host-latency', `${sim.hostLatency.min}-${sim.hostLatency.max}`] : [])];
}

/**
 * `addressElsewhere`: the caller gives the port or path itself (a bench file names each device's
 * port), so a profile for a model may leave the address out.
 */
export function loadProfile(path: string, options: { addressElsewhere?: boolean } = {}): Profile {
  const doc = loadDocument(path, 'device profile');
  validateDocument('profile', doc, 'device profile');
  const raw = doc.value as RawProfile;
  const t = raw.transport;
  const addressKnown = t.type === 'tcp' ? t.port !== undefined : t.path !== undefined;
  if (!addressKnown && !raw.simulator && !options.addressElsewhere) {
    const key = t.type === 'tcp' ? 'port' : 'path';
    const pos = doc.lineOf('/transport');
    throw new InputError('E_SCHEMA', `device profile ${doc.shown} is invalid: /transport needs "${key}" (only a launched simulator may leave it out)`, {
      file: doc.shown,
      pointer: '/transport',
      ...(pos ? { line: pos.line } : {}),
    });
  }
  const ecr = raw.protocol === 'ecr' ? loadEcrFor(raw, doc) : undefined;
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
    ...(ecr ? { ecr: ecr.protocol } : {}),
    transport: t,
    capabilities: raw.capabilities ?? [],
    maxConcurrentSales: raw.maxConcurrentSales ?? 1,
    stimuli: raw.stimuli ?? {},
    defaultStimulus,
    timeouts: {
      stepMs: raw.timeouts?.step ?? 5000,
      identifyMs: raw.timeouts?.identify ?? 5000,
      reconnectMs: raw.timeouts?.reconnect ?? DEFAULT_RECONNECT_MS,
      linkDropMs: raw.timeouts?.linkDrop ?? DEFAULT_LINK_DROP_MS,
    },
    health: { ...(raw.health?.firmware !== undefined ? { firmware: raw.health.firmware } : {}), roundTripMs: raw.health?.roundTrip ?? 2000 },
    ...(raw.simulator ? { simulator: { args: [...simulatorArgs(raw.simulator), ...(ecr?.simulatorArgs ?? [])], readyTimeoutMs: raw.simulator.readyTimeout ?? 15_000 } } : {}),
    file: doc.shown,
    path: doc.path,
    sha256: doc.sha256,
  });
}

/**
 * The description an ecr profile names, relative to the profile. A launched simulator speaks
 * the same one: `--protocol ecr --ecr-protocol PATH` are added to its arguments unless given.
 */
function loadEcrFor(raw: RawProfile, doc: ReturnType<typeof loadDocument>): { protocol: EcrProtocol; simulatorArgs: string[] } {
  if (!raw.ecrProtocol) {
    const pos = doc.lineOf('/protocol');
    throw new InputError('E_SCHEMA', `device profile ${doc.shown} is invalid: protocol "ecr" needs "ecrProtocol", the description file (*.ecr.yaml)`, {
      file: doc.shown,
      pointer: '/ecrProtocol',
      ...(pos ? { line: pos.line } : {}),
      hint: 'e.g. "ecrProtocol": "protocols/concert-v2.ecr.yaml" (relative to the profile)',
    });
  }
  const path = resolve(dirname(doc.path), raw.ecrProtocol);
  let protocol: EcrProtocol;
  try {
    protocol = loadEcrProtocol(path);
  } catch (error) {
    // A description that is missing is the profile's mistake: name the profile and its line.
    if (!(error instanceof InputError) || (error.code !== 'E_FILE_NOT_FOUND' && error.code !== 'E_NOT_A_FILE')) throw error;
    const pos = doc.lineOf('/ecrProtocol');
    throw new InputError(error.code, `device profile ${doc.shown}: ${error.message}`, { file: doc.shown, pointer: '/ecrProtocol', ...(pos ? { line: pos.line } : {}), hint: '"ecrProtocol" is relative to the profile' });
  }
  const given = raw.simulator?.args ?? [];
  const simulatorArgs = [...(given.includes('--protocol') ? [] : ['--protocol', 'ecr']), ...(given.includes('--ecr-protocol') ? [] : ['--ecr-protocol', path])];
  return { protocol, simulatorArgs };
}
