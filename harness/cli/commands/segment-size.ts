/** `--segment-size`: when the transcript and the receipts start a new segment (docs/certification.md). */
import { InputError } from '../../core/errors.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3 };
/** A segment must hold its header and a few entries; past 4 GiB a segment no longer fits one Buffer. */
const MIN = 1024;
const MAX = 4 * 1024 ** 3 - 1;

export const SEGMENT_SIZE_HELP = 'start a new transcript and receipts segment past this size, e.g. 64MiB (the default), 512KiB';

export function parseSegmentSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit ? Math.floor(Number(m[1]) * unit) : Number.NaN;
  if (!(bytes >= MIN && bytes <= MAX)) {
    throw new InputError('E_OPTION', `--segment-size must be a size from 1KiB to 4GiB, such as 64MiB, 512KiB or 1000000, not "${text}"`);
  }
  return bytes;
}
