import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { PORT_DIR_ENV, readPortDirectory } from '../../../devices/transports/port-directory.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface PortInfo {
  path: string;
  byId?: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/**
 * serialport's Linux listing runs `udevadm`, and crashes the process when udevadm is missing
 * (containers, minimal images). Without it, the kernel's by-id links and tty names still tell
 * which ports exist.
 */
async function listPorts(): Promise<PortInfo[]> {
  // Simulated USB-serial terminals (poshil sim --port-dir) stand in for udev's list, as in a run.
  const simulated = process.env[PORT_DIR_ENV];
  if (simulated) {
    return readPortDirectory(simulated).map(({ byId, pnpId: _pnpId, ...port }) => ({ ...port, ...(byId[0] ? { byId: byId[0] } : {}) }));
  }
  const { execa } = await import('execa');
  const { SerialPort } = await import('serialport');
  if (process.platform !== 'linux' || (await execa('udevadm', ['--version'], { reject: false })).exitCode === 0) {
    return (await SerialPort.list()).map((p) => ({
      path: p.path,
      ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
      ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
      ...(p.vendorId ? { vendorId: p.vendorId } : {}),
      ...(p.productId ? { productId: p.productId } : {}),
    }));
  }
  const byId = new Map<string, string>();
  const idDir = '/dev/serial/by-id';
  if (existsSync(idDir)) for (const name of readdirSync(idDir)) byId.set(realpathSync(join(idDir, name)), join(idDir, name));
  return readdirSync('/dev')
    .filter((name) => /^tty(USB|ACM|AMA|S[0-9]|XRUSB|mxc)/.test(name))
    .map((name) => join('/dev', name))
    .filter((path) => !/^\/dev\/ttyS\d+$/.test(path) || byId.has(path))
    .map((path) => ({ path, ...(byId.has(path) ? { byId: byId.get(path)! } : {}) }));
}

export function registerPorts(program: Command): void {
  program
    .command('ports')
    .description(COMMAND_SUMMARIES.ports.description)
    .option('--json', 'print JSON')
    .addHelpText('after', `\nUse the path (or its stable /dev/serial/by-id/… link) as transport.path in a device profile.\nVirtual ports (ptys, as the simulator and socat make) are not listed; with POSHIL_PORT_DIR=DIR, the simulated USB-serial
terminals published there (poshil sim --pty --port-dir DIR) are listed instead of this machine's ports.`)
    .action(async (options: { json?: boolean }) => {
      const ports = await listPorts();
      if (options.json) {
        process.stdout.write(JSON.stringify(ports, null, 2) + '\n');
        return;
      }
      if (ports.length === 0) {
        process.stdout.write('no serial ports found (is the adapter plugged in? `dmesg | tail` shows what the kernel saw)\n');
        return;
      }
      for (const port of ports) {
        const extra = [port.byId, port.manufacturer, port.serialNumber && `s/n ${port.serialNumber}`, port.vendorId && `${port.vendorId}:${port.productId ?? ''}`].filter(Boolean);
        process.stdout.write(`${port.path}${extra.length ? '  ' + extra.join('  ') : ''}\n`);
      }
    });
}
