/**
 * `--spread`: the cases of a run are dealt out among interchangeable devices, so that each case
 * runs once, on one device. A pure function of the case ids and device names.
 *
 * The deal is fixed before the run starts (round robin in suite order), not a live queue: each
 * device then opens its terminal once for all its cases, and the record of every device names
 * exactly the cases it was dealt. A device that fails records its dealt cases as ERROR; they are
 * not moved to another device.
 */
import { InputError } from '../core/errors.js';

export function dealCases(caseIds: readonly string[], devices: readonly string[]): Map<string, string[]> {
  const hands = new Map<string, string[]>(devices.map((d) => [d, []]));
  if (devices.length === 0) return hands;
  caseIds.forEach((id, index) => hands.get(devices[index % devices.length]!)!.push(id));
  return hands;
}

/** Devices share cases only when any of them could run any case: same protocol and capabilities. */
export function checkInterchangeable(devices: readonly { name: string; protocol: string; capabilities: readonly string[] }[]): void {
  const kind = (d: { protocol: string; capabilities: readonly string[] }) => `${d.protocol} [${[...d.capabilities].sort().join(', ')}]`;
  const first = devices[0];
  if (!first) return;
  const other = devices.find((d) => kind(d) !== kind(first));
  if (other) {
    throw new InputError('E_SPREAD', `--spread needs interchangeable devices, but ${first.name} is ${kind(first)} and ${other.name} is ${kind(other)}`, {
      hint: 'narrow the devices with --select (for example protocol=bench), or run without --spread',
    });
  }
}
