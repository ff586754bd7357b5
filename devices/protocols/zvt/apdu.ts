/**
 * ZVT APDUs (ECR-Interface ZVT-Protocol): control field (class byte, instruction byte), a length
 * — one byte, or `FF` and two bytes little-endian for 255 and more — and the data.
 */
import { failure, type Parsed } from '../../formats/result.js';

export interface Apdu {
  cls: number;
  instr: number;
  data: Uint8Array;
}

/** Names of the commands poshil knows, by `CLASS INSTR` in hex. */
export const COMMANDS: Readonly<Record<string, string>> = {
  '0600': 'Registration',
  '0601': 'Authorisation',
  '0602': 'Log-off',
  '061E': 'Abort',
  '06B0': 'Abort request',
  '0630': 'Reversal',
  '0631': 'Refund',
  '0650': 'End-of-day',
  '0670': 'Diagnosis',
  '0693': 'Initialisation',
  '0501': 'Status enquiry',
  '040F': 'Status information',
  '04FF': 'Intermediate status information',
  '060F': 'Completion',
  '06D1': 'Print line',
  '06D3': 'Print text block',
  '8000': 'Positive acknowledgement',
};

export function commandName(apdu: Pick<Apdu, 'cls' | 'instr'>): string {
  if (apdu.cls === 0x84) return 'Negative acknowledgement';
  return COMMANDS[hex2(apdu.cls) + hex2(apdu.instr)] ?? 'unknown command';
}

export function hex2(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

export function encodeApdu(apdu: Apdu): Uint8Array {
  const n = apdu.data.length;
  if (n > 0xffff) throw new RangeError('APDU data longer than 65535 bytes');
  const header = n < 0xff ? [apdu.cls, apdu.instr, n] : [apdu.cls, apdu.instr, 0xff, n & 0xff, n >> 8];
  return Uint8Array.from([...header, ...apdu.data]);
}

/** Length of the whole APDU at the start of `bytes`, once its header is complete. */
export function apduLength(bytes: Uint8Array): Parsed<number> | undefined {
  if (bytes.length < 3) return undefined;
  if (bytes[2] !== 0xff) return { ok: true, value: 3 + bytes[2]! };
  if (bytes.length < 5) return undefined;
  return { ok: true, value: 5 + (bytes[3]! | (bytes[4]! << 8)) };
}

export function decodeApdu(bytes: Uint8Array): Parsed<Apdu> {
  const length = apduLength(bytes);
  if (!length) return failure('TRUNCATED', bytes.length, 'an APDU header needs 3 bytes (5 with an extended length)');
  if (!length.ok) return length;
  if (bytes.length < length.value) return failure('TRUNCATED', bytes.length, `the APDU declares ${length.value} bytes, ${bytes.length} arrived`);
  if (bytes.length > length.value) return failure('BAD_LENGTH', length.value, `${bytes.length - length.value} bytes after the APDU's declared length`);
  const start = bytes[2] === 0xff ? 5 : 3;
  return { ok: true, value: { cls: bytes[0]!, instr: bytes[1]!, data: bytes.slice(start) } };
}
