/**
 * A run's id: its start time to the second and three random bytes, e.g. 20261126-032507-50819e.
 * Its own module so that the run command can name the run folder (and start a simulator logging
 * into it) before the runner itself has loaded.
 */
import { randomBytes } from 'node:crypto';

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
