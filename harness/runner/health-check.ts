/**
 * The health check a terminal passes before its cases run: it answered identify (the run got
 * this far), within the profile's round-trip limit, with the firmware the profile expects. A
 * terminal that fails it is not tested — a run against the wrong firmware or a terminal that
 * barely answers would only produce failures that say nothing about the firmware under test.
 */
import { ExitCode, PoshilError } from '../core/errors.js';
import type { DeviceIdentity } from '../core/record.js';
import type { HealthExpectation } from '../config/profile.js';

export interface HealthReading {
  identity: DeviceIdentity;
  /** How long identify took, in milliseconds. */
  roundTripMs: number;
}

/** What the check found, in one line for the transcript; throws E_HEALTH when the terminal fails it. */
export function checkHealth(reading: HealthReading, expected: HealthExpectation, profileFile: string): string {
  const problems: string[] = [];
  const roundTrip = Math.round(reading.roundTripMs);
  if (reading.roundTripMs > expected.roundTripMs) problems.push(`identify took ${roundTrip} ms, more than the ${expected.roundTripMs} ms allowed`);
  if (expected.firmware !== undefined && reading.identity.firmware !== expected.firmware) {
    problems.push(`it runs firmware ${reading.identity.firmware}, not ${expected.firmware}`);
  }
  if (problems.length > 0) {
    throw new PoshilError('E_HEALTH', `terminal ${reading.identity.serialNumber} failed its health check: ${problems.join('; ')}`, ExitCode.deviceError, {
      hint: `the expectation is health in ${profileFile}; no case was run`,
    });
  }
  const firmware = expected.firmware !== undefined ? `firmware ${reading.identity.firmware} as expected` : `firmware ${reading.identity.firmware}`;
  return `health check passed: identify in ${roundTrip} ms (limit ${expected.roundTripMs} ms), ${firmware}`;
}
