/**
 * Finds a device's serial port by USB identity (vendor and product id, serial number, PnP id, or
 * a glob over /dev/serial/by-id/ names) instead of by a path that changes with the plug order.
 * The matching is a pure function over a port list; the lister is passed in, so tests give a
 * fake one. No match, or more than one, is exit 3 listing what the machine has.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { SerialPort } from 'serialport';
import { DeviceError } from '../core/errors.js';
import type { PortMatch } from './bench-file.js';
import { readPortDirectory, type ListedPort } from '../../devices/transports/port-directory.js';

export type { ListedPort };

export type PortLister = () => Promise<ListedPort[]>;

export const BY_ID_DIR = '/dev/serial/by-id';

/**
 * serialport's list, with the by-id links that point to each port. serialport's Linux listing runs
 * `udevadm` and crashes the process without it (containers): then only the by-id links are known.
 */
export const systemPorts: PortLister = async () => {
  const links = byIdLinks(BY_ID_DIR);
  if (process.platform === 'linux' && (await execa('udevadm', ['--version'], { reject: false })).exitCode !== 0) {
    const targets = [...new Set(links.map((l) => l.target))];
    return targets.map((path) => ({ path, byId: links.filter((l) => l.target === path).map((l) => l.name) }));
  }
  const ports = await SerialPort.list();
  return ports.map((p) => ({
    path: p.path,
    ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
    ...(p.vendorId ? { vendorId: p.vendorId } : {}),
    ...(p.productId ? { productId: p.productId } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    ...(p.pnpId ? { pnpId: p.pnpId } : {}),
    byId: links.filter((l) => l.target === p.path).map((l) => l.name),
  }));
};

/** The ports a folder of port descriptions holds (`POSHIL_PORT_DIR`, where simulators publish theirs). */
export function directoryPorts(dir: string): PortLister {
  return async () => readPortDirectory(dir);
}

function byIdLinks(dir: string): { name: string; target: string }[] {
  try {
    return readdirSync(dir).flatMap((name) => {
      try {
        return [{ name, target: realpathSync(join(dir, name)) }];
      } catch {
        return []; // a dangling link: its adapter was just unplugged
      }
    });
  } catch {
    return []; // no USB-serial adapter has ever been plugged in
  }
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

export function portMatches(port: ListedPort, match: PortMatch): boolean {
  if (match.vendorId !== undefined && !same(port.vendorId, match.vendorId)) return false;
  if (match.productId !== undefined && !same(port.productId, match.productId)) return false;
  if (match.serialNumber !== undefined && port.serialNumber !== match.serialNumber) return false;
  if (match.pnpId !== undefined && port.pnpId !== match.pnpId) return false;
  if (match.byId !== undefined) {
    const re = glob(match.byId);
    if (!port.byId.some((name) => re.test(name))) return false;
  }
  return true;
}

export function describePort(port: ListedPort): string {
  const id = port.vendorId || port.productId ? ` ${port.vendorId ?? '?'}:${port.productId ?? '?'}` : '';
  return `${port.path}${id}${port.serialNumber ? ` s/n ${port.serialNumber}` : ''}${port.manufacturer ? ` (${port.manufacturer})` : ''}${port.byId[0] ? ` by-id ${port.byId[0]}` : ''}`;
}

/** The one port that matches, or exit 3 listing the candidates. */
export async function resolvePort(device: string, match: PortMatch, lister: PortLister = systemPorts): Promise<ListedPort> {
  const ports = await lister();
  const found = ports.filter((p) => portMatches(p, match));
  if (found.length === 1) return found[0]!;
  const wanted = Object.entries(match).map(([k, v]) => `${k}=${v}`).join(',');
  const listed = (found.length > 1 ? found : ports).map(describePort);
  throw new DeviceError(found.length === 0 ? 'E_PORT_NOT_FOUND' : 'E_PORT_AMBIGUOUS', `device ${device}: ${found.length === 0 ? 'no serial port' : `${found.length} serial ports`} match ${wanted}`, {
    hint: listed.length > 0 ? `${found.length > 1 ? 'the matching ports' : 'the ports here'}: ${listed.join('; ')}${found.length > 1 ? ' — add serialNumber or byId to tell them apart' : ''}` : 'this machine lists no serial ports: is the terminal plugged in and powered?',
  });
}
