/**
 * A folder of serial-port descriptions, one JSON file per port: what udev and serialport's list
 * tell about USB-serial adapters, for ports that udev does not know — the simulator's ptys. A
 * simulated terminal publishes its pty here with a USB identity of its own and withdraws it while
 * it is "unplugged" or rebooting, so that finding a port by identity and following it to a new
 * path after a reboot work without hardware. `POSHIL_PORT_DIR` makes poshil list ports from here.
 */
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeFolders } from '../../harness/core/folders.js';

/** One serial port as a port list describes it (serialport's list plus the by-id links). */
export interface ListedPort {
  path: string;
  manufacturer?: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  pnpId?: string;
  /** Names of the /dev/serial/by-id/ links that point to this port. */
  byId: string[];
}

export const PORT_DIR_ENV = 'POSHIL_PORT_DIR';

const fileOf = (dir: string, serialNumber: string) => join(dir, `${serialNumber.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);

/** Adds or replaces the port with this serial number; a reader never sees half a file. */
export function publishPort(dir: string, port: ListedPort & { serialNumber: string }): void {
  makeFolders(dir);
  const file = fileOf(dir, port.serialNumber);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(port) + '\n');
  renameSync(tmp, file);
}

export function withdrawPort(dir: string, serialNumber: string): void {
  rmSync(fileOf(dir, serialNumber), { force: true });
}

/** The ports described in the folder; files that are not port descriptions are passed over. */
export function readPortDirectory(dir: string): ListedPort[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return []; // no simulated port was ever published
  }
  return names.flatMap((name) => {
    try {
      const value = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Partial<ListedPort>;
      if (typeof value.path !== 'string') return [];
      const text = (key: keyof ListedPort) => (typeof value[key] === 'string' ? { [key]: value[key] as string } : {});
      return [{ path: value.path, ...text('manufacturer'), ...text('vendorId'), ...text('productId'), ...text('serialNumber'), ...text('pnpId'), byId: Array.isArray(value.byId) ? value.byId.filter((b): b is string => typeof b === 'string') : [] }];
    } catch {
      return []; // withdrawn between listing and reading
    }
  });
}
