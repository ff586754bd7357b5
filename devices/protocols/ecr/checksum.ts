/**
 * Checksums of the STX/ETX family: the LRC (XOR of every covered byte) most vendors use, and the
 * two CRC-16 variants poshil already computes for other formats. A CRC goes on the wire low byte
 * first, as ZVT and most serial ECR protocols send it.
 */
import { crc16CcittFalse, crc16Kermit } from '../../formats/crc.js';
import type { ChecksumType } from './description.js';

export function lrc(bytes: Uint8Array, init = 0): number {
  let x = init;
  for (const b of bytes) x ^= b;
  return x;
}

export function checksumBytes(type: ChecksumType): number {
  return type === 'none' ? 0 : type === 'lrc' ? 1 : 2;
}

export function checksum(type: ChecksumType, covered: Uint8Array, init = 0): Uint8Array {
  switch (type) {
    case 'none':
      return new Uint8Array(0);
    case 'lrc':
      return Uint8Array.of(lrc(covered, init));
    case 'crc16-kermit': {
      const crc = crc16Kermit(covered);
      return Uint8Array.of(crc & 0xff, crc >> 8);
    }
    case 'crc16-ccitt-false': {
      const crc = crc16CcittFalse(covered);
      return Uint8Array.of(crc & 0xff, crc >> 8);
    }
  }
}
