import { describe, expect, it } from 'vitest';
import { DeviceError } from '../core/errors.js';
import type { PortMatch } from './bench-file.js';
import { portMatches, resolvePort, type ListedPort } from './port-match.js';

const PORTS: ListedPort[] = [
  { path: '/dev/ttyUSB0', manufacturer: 'FTDI', vendorId: '0403', productId: '6001', serialNumber: 'A10K3XQ1', pnpId: 'usb-FTDI_FT232R_USB_UART_A10K3XQ1-if00-port0', byId: ['usb-FTDI_FT232R_USB_UART_A10K3XQ1-if00-port0'] },
  { path: '/dev/ttyUSB1', manufacturer: 'FTDI', vendorId: '0403', productId: '6001', serialNumber: 'A10K3XQ2', byId: ['usb-FTDI_FT232R_USB_UART_A10K3XQ2-if00-port0'] },
  { path: '/dev/ttyACM0', manufacturer: 'Acme', vendorId: '2b3c', productId: '0001', serialNumber: 'T100-77', byId: [] },
  { path: '/dev/ttyS0', byId: [] },
];

describe('portMatches', () => {
  const table: [PortMatch, string[]][] = [
    [{ serialNumber: 'A10K3XQ2' }, ['/dev/ttyUSB1']],
    [{ vendorId: '0403', productId: '6001' }, ['/dev/ttyUSB0', '/dev/ttyUSB1']],
    [{ vendorId: '2B3C' }, ['/dev/ttyACM0']],
    [{ vendorId: '0403', serialNumber: 'T100-77' }, []],
    [{ pnpId: 'usb-FTDI_FT232R_USB_UART_A10K3XQ1-if00-port0' }, ['/dev/ttyUSB0']],
    [{ byId: 'usb-FTDI_*_A10K3XQ1-if00-port0' }, ['/dev/ttyUSB0']],
    [{ byId: 'usb-FTDI_*' }, ['/dev/ttyUSB0', '/dev/ttyUSB1']],
    [{ byId: 'usb-FTDI_FT232R_USB_UART_A10K3XQ?-if00-port0' }, ['/dev/ttyUSB0', '/dev/ttyUSB1']],
    [{ byId: 'usb-FTDI.FT232R*' }, []],
    [{ serialNumber: 'a10k3xq1' }, []],
  ];
  it.each(table)('%j matches %j', (match, paths) => {
    expect(PORTS.filter((p) => portMatches(p, match)).map((p) => p.path)).toEqual(paths);
  });
});

describe('resolvePort', () => {
  it('finds the one port, wherever the terminal came back', async () => {
    expect((await resolvePort('counter-2', { serialNumber: 'A10K3XQ2' }, async () => PORTS)).path).toBe('/dev/ttyUSB1');
    const moved = PORTS.map((p) => (p.serialNumber === 'A10K3XQ2' ? { ...p, path: '/dev/ttyUSB4' } : p));
    expect((await resolvePort('counter-2', { serialNumber: 'A10K3XQ2' }, async () => moved)).path).toBe('/dev/ttyUSB4');
  });

  it('is exit 3 listing the ports when nothing matches', async () => {
    const error = (await resolvePort('counter-9', { serialNumber: 'NOPE' }, async () => PORTS).catch((e: unknown) => e)) as DeviceError;
    expect(error).toBeInstanceOf(DeviceError);
    expect(error.exitCode).toBe(3);
    expect(error.code).toBe('E_PORT_NOT_FOUND');
    expect(error.message).toBe('device counter-9: no serial port match serialNumber=NOPE');
    expect(error.context.hint).toContain('/dev/ttyACM0 2b3c:0001 s/n T100-77 (Acme)');
  });

  it('is exit 3 listing the candidates when several match', async () => {
    const error = (await resolvePort('counter-1', { vendorId: '0403' }, async () => PORTS).catch((e: unknown) => e)) as DeviceError;
    expect(error.code).toBe('E_PORT_AMBIGUOUS');
    expect(error.context.hint).toMatch(/^the matching ports: \/dev\/ttyUSB0 0403:6001 s\/n A10K3XQ1 \(FTDI\) by-id usb-FTDI_FT232R_USB_UART_A10K3XQ1-if00-port0; \/dev\/ttyUSB1/);
    expect(error.context.hint).not.toContain('ttyACM0');
  });
});
