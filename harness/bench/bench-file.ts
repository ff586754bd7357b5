/**
 * Loads a bench file (`*.bench.yaml`): parse → validate against bench.schema.json → each device's
 * profile loaded and its overrides applied → checks the schema cannot express (unique names, a
 * profile that exists, no two devices on one port) → a frozen Bench. Every error names the
 * bench file, the JSON pointer and the line.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError, PoshilError } from '../core/errors.js';
import { loadDocument, type LoadedDocument } from '../config/document.js';
import { loadProfile, type Profile } from '../config/profile.js';
import { validateDocument } from '../config/validate.js';

/** Label values as --select compares them: always text. */
export type Labels = Readonly<Record<string, string>>;

/** A serial port found by USB identity rather than by path (see docs/benches.md). */
export interface PortMatch {
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  pnpId?: string;
  byId?: string;
}

export interface BenchDevice {
  name: string;
  /** The file's labels plus `name`, `protocol` and `transport`, which every device has. */
  labels: Labels;
  /** The profile with this device's overrides (port, path, seed) applied. */
  profile: Profile;
  match?: PortMatch;
  /** What the device lock is keyed by: USB identity, serial path, host:port, or bench/name for a launched simulator. */
  lockKey: string;
  /** Where the device is, as a person reads it. */
  address: string;
  /** JSON pointer of the device in the bench file. */
  pointer: string;
}

export interface Bench {
  name: string;
  description?: string;
  quarantineAfter: number;
  devices: readonly BenchDevice[];
  file: string;
  path: string;
  sha256: string;
}

interface RawDevice {
  name: string;
  profile: string;
  labels?: Record<string, string | number | boolean>;
  path?: string;
  match?: PortMatch;
  host?: string;
  port?: number;
  seed?: number;
}

interface RawBench {
  bench: string;
  description?: string;
  quarantineAfter?: number;
  devices: RawDevice[];
}

export const DEFAULT_QUARANTINE_AFTER = 3;

export function loadBench(path: string): Bench {
  const doc = loadDocument(resolve(path), 'bench file');
  validateDocument('bench', doc, 'bench file');
  const raw = doc.value as RawBench;
  const profiles = new Map<string, Profile>();
  const names = new Map<string, string>();
  const ports = new Map<string, string>();
  const devices = raw.devices.map((device, index) => {
    const pointer = `/devices/${index}`;
    const other = names.get(device.name);
    if (other !== undefined) fail(doc, `${pointer}/name`, 'E_BENCH_DUPLICATE', `device name "${device.name}" is used twice (also at ${other})`, 'give every device on the bench its own name');
    names.set(device.name, pointer);
    const profile = applyOverrides(doc, pointer, device, profileOf(doc, pointer, device.profile, profiles));
    const port = portKey(profile, device.match);
    if (port !== undefined) {
      const holder = ports.get(port);
      if (holder !== undefined) fail(doc, pointer, 'E_BENCH_SAME_PORT', `devices "${holder}" and "${device.name}" resolve to the same port ${port}`, 'each device needs its own port, path or USB identity');
      ports.set(port, device.name);
    }
    const labels: Record<string, string> = { name: device.name, protocol: profile.protocol, transport: profile.transport.type };
    for (const [key, value] of Object.entries(device.labels ?? {})) labels[key] = typeof value === 'number' ? writtenNumber(doc, `${pointer}/labels/${key}`, value) : String(value);
    return Object.freeze({
      name: device.name,
      labels: Object.freeze(labels),
      profile,
      ...(device.match ? { match: Object.freeze({ ...device.match }) } : {}),
      lockKey: port ?? `sim:${raw.bench}/${device.name}`,
      address: describe(profile, device.match),
      pointer,
    });
  });
  return Object.freeze({
    name: raw.bench,
    ...(raw.description ? { description: raw.description } : {}),
    quarantineAfter: raw.quarantineAfter ?? DEFAULT_QUARANTINE_AFTER,
    devices: Object.freeze(devices),
    file: doc.shown,
    path: doc.path,
    sha256: doc.sha256,
  });
}

/**
 * A number label as the file writes it: YAML reads `firmware: 2.10` as 2.1, which is another
 * firmware's label, and `slot: 007` as 7.
 */
function writtenNumber(doc: LoadedDocument, pointer: string, value: number): string {
  const at = doc.lineOf(pointer);
  const token = at ? /^[^\s,}\]#]+/.exec(doc.text.split('\n')[at.line - 1]?.slice(at.column - 1) ?? '')?.[0] : undefined;
  return token !== undefined && Number(token) === value ? token : String(value);
}

function fail(doc: LoadedDocument, pointer: string, code: string, message: string, hint: string): never {
  const pos = doc.lineOf(pointer);
  throw new InputError(code, `bench file ${doc.shown} is invalid: ${message}`, { file: doc.shown, pointer, ...(pos ? { line: pos.line, column: pos.column } : {}), hint });
}

function profileOf(doc: LoadedDocument, pointer: string, relativePath: string, cache: Map<string, Profile>): Profile {
  const path = resolve(dirname(doc.path), relativePath);
  const cached = cache.get(path);
  if (cached) return cached;
  try {
    const profile = loadProfile(path, { addressElsewhere: true });
    cache.set(path, profile);
    return profile;
  } catch (error) {
    if (!(error instanceof PoshilError)) throw error;
    // The profile's own error, told from where the bench file names it.
    const where = error.context.file && error.code !== 'E_FILE_NOT_FOUND' ? ` (${error.context.file}${error.context.line ? `:${error.context.line}` : ''})` : '';
    fail(doc, `${pointer}/profile`, error.code === 'E_FILE_NOT_FOUND' ? 'E_BENCH_PROFILE' : error.code, `${pointer}/profile: ${error.message}${where}`, 'profile paths are relative to the bench file');
  }
}

function applyOverrides(doc: LoadedDocument, pointer: string, device: RawDevice, profile: Profile): Profile {
  const t = profile.transport;
  const wrongTransport = (key: string, wanted: string) =>
    fail(doc, `${pointer}/${key}`, 'E_BENCH_OVERRIDE', `"${key}" needs a ${wanted} profile, but ${profile.file} uses ${t.type}`, `use ${t.type === 'tcp' ? '"host" and "port"' : '"path" or "match"'} for this profile`);
  if (device.path !== undefined && device.match !== undefined) fail(doc, `${pointer}/match`, 'E_BENCH_OVERRIDE', 'a device gives either "path" or "match", not both', 'keep the one that finds the port');
  let transport = t;
  if (t.type === 'serial') {
    if (device.host !== undefined) wrongTransport('host', 'tcp');
    if (device.port !== undefined) wrongTransport('port', 'tcp');
    if (device.path !== undefined) transport = { ...t, path: device.path };
    // A match is resolved when the port is opened; the profile's path no longer applies.
    if (device.match !== undefined) {
      const { path: _unused, ...rest } = t;
      transport = rest;
    }
  } else {
    if (device.path !== undefined) wrongTransport('path', 'serial');
    if (device.match !== undefined) wrongTransport('match', 'serial');
    transport = { ...t, ...(device.host !== undefined ? { host: device.host } : {}), ...(device.port !== undefined ? { port: device.port } : {}) };
  }
  let simulator = profile.simulator;
  if (device.seed !== undefined) {
    if (!simulator) fail(doc, `${pointer}/seed`, 'E_BENCH_OVERRIDE', `"seed" applies to a launched simulator, and ${profile.file} launches none`, 'remove the seed, or use a simulator profile');
    simulator = { ...simulator, args: withSeed(simulator.args, device.seed) };
  }
  const located = simulator !== undefined || (transport.type === 'tcp' ? transport.port !== undefined : transport.path !== undefined || device.match !== undefined);
  if (!located) {
    fail(doc, pointer, 'E_BENCH_NO_PORT', `device "${device.name}" has no ${t.type === 'tcp' ? 'TCP port' : 'serial path or match'}, and neither has ${profile.file}`, t.type === 'tcp' ? 'add "port" (and "host")' : 'add "path" or "match"');
  }
  return Object.freeze({ ...profile, transport, ...(simulator ? { simulator } : {}) });
}

export function withSeed(args: readonly string[], seed: number): string[] {
  const at = args.indexOf('--seed');
  if (at >= 0 && at + 1 < args.length) return [...args.slice(0, at + 1), String(seed), ...args.slice(at + 2)];
  return [...args, '--seed', String(seed)];
}

/** What makes two devices the same port; undefined for a launched simulator, whose port is its own. */
function portKey(profile: Profile, match: PortMatch | undefined): string | undefined {
  if (profile.simulator) return undefined;
  const t = profile.transport;
  if (t.type === 'tcp') return `tcp://${t.host}:${t.port}`;
  if (match) {
    if (match.serialNumber) return `usb:${match.vendorId ?? '*'}:${match.productId ?? '*'}:${match.serialNumber}`;
    return `usb:${JSON.stringify(Object.entries(match).sort())}`;
  }
  // A by-id link and the tty it points to are one port.
  const path = t.path!;
  return `serial:${existsSync(path) ? realpathSync(path) : path}`;
}

function describe(profile: Profile, match: PortMatch | undefined): string {
  const t = profile.transport;
  if (profile.simulator) return t.type === 'tcp' ? 'simulator (tcp, port chosen at start)' : 'simulator (pty, path chosen at start)';
  if (t.type === 'tcp') return `tcp://${t.host}:${t.port}`;
  if (match) return `serial matching ${Object.entries(match).map(([k, v]) => `${k}=${v}`).join(',')}`;
  return `serial:${t.path}`;
}
