import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishPort, readPortDirectory, withdrawPort } from './port-directory.js';

describe('a folder of port descriptions', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'poshil-ports-'));
    dirs.push(dir);
    return dir;
  };

  it('lists what was published, follows a port to its new path, and forgets a withdrawn one', () => {
    const dir = folder();
    expect(readPortDirectory(join(dir, 'never-made'))).toEqual([]);
    publishPort(dir, { path: '/dev/pts/4', vendorId: '1209', productId: '0001', serialNumber: 'PSIM-000007', byId: ['usb-poshil_sim_PSIM-000007-if00'] });
    publishPort(dir, { path: '/dev/pts/9', serialNumber: 'A/B C', byId: [] });
    expect(readPortDirectory(dir).map((p) => p.path).sort()).toEqual(['/dev/pts/4', '/dev/pts/9']);
    publishPort(dir, { path: '/dev/pts/6', vendorId: '1209', productId: '0001', serialNumber: 'PSIM-000007', byId: ['usb-poshil_sim_PSIM-000007-if00'] });
    expect(readPortDirectory(dir).find((p) => p.serialNumber === 'PSIM-000007')).toEqual({ path: '/dev/pts/6', vendorId: '1209', productId: '0001', serialNumber: 'PSIM-000007', byId: ['usb-poshil_sim_PSIM-000007-if00'] });
    withdrawPort(dir, 'PSIM-000007');
    expect(readPortDirectory(dir)).toEqual([{ path: '/dev/pts/9', serialNumber: 'A/B C', byId: [] }]);
  });

  it('passes over files that are not port descriptions', () => {
    const dir = folder();
    writeFileSync(join(dir, 'broken.json'), '{"path":');
    writeFileSync(join(dir, 'no-path.json'), '{"serialNumber":"x"}');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    publishPort(dir, { path: '/dev/pts/2', serialNumber: 'S1', byId: ['a', 3 as unknown as string] });
    expect(readPortDirectory(dir)).toEqual([{ path: '/dev/pts/2', serialNumber: 'S1', byId: ['a'] }]);
  });
});
