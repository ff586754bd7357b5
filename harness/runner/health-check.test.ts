import { describe, expect, it } from 'vitest';
import { PoshilError } from '../core/errors.js';
import type { DeviceIdentity } from '../core/record.js';
import { checkHealth } from './health-check.js';
import { thrown } from '../core/test-support/thrown.js';

const identity: DeviceIdentity = { model: 'SIM-1', serialNumber: 'SN0001', firmware: '1.4.2', capabilities: [] };

const failure = (run: () => unknown): PoshilError => thrown(run, PoshilError);

describe('checkHealth', () => {
  it('passes a terminal that answered in time with the expected firmware, and says what it saw', () => {
    expect(checkHealth({ identity, roundTripMs: 12.4 }, { firmware: '1.4.2', roundTripMs: 2000 }, 'p.json')).toBe(
      'health check passed: identify in 12 ms (limit 2000 ms), firmware 1.4.2 as expected',
    );
    expect(checkHealth({ identity, roundTripMs: 2000 }, { roundTripMs: 2000 }, 'p.json')).toMatch(/firmware 1\.4\.2$/);
  });

  it('fails a terminal on other firmware as a device error naming both versions and the profile', () => {
    const error = failure(() => checkHealth({ identity, roundTripMs: 5 }, { firmware: '2.0.0', roundTripMs: 2000 }, 'devices/lab.json'));
    expect(error.code).toBe('E_HEALTH');
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe('terminal SN0001 failed its health check: it runs firmware 1.4.2, not 2.0.0');
    expect(error.context.hint).toContain('devices/lab.json');
  });

  it('fails a slow round trip, and names every problem at once', () => {
    const error = failure(() => checkHealth({ identity, roundTripMs: 2500.6 }, { firmware: '2.0.0', roundTripMs: 2000 }, 'p.json'));
    expect(error.message).toBe('terminal SN0001 failed its health check: identify took 2501 ms, more than the 2000 ms allowed; it runs firmware 1.4.2, not 2.0.0');
  });
});
