/**
 * The two CRC-16 variants the payment formats need, table-driven for speed.
 * - CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection): EMV QR tag 63. Check "123456789" = 0x29B1.
 * - CRC-16/KERMIT (poly 0x1021 reflected = 0x8408, init 0, reflected): ZVT serial frames. Check = 0x2189.
 */

const ccittTable = new Uint16Array(256);
const kermitTable = new Uint16Array(256);
for (let n = 0; n < 256; n++) {
  let c = n << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  ccittTable[n] = c;
  let r = n;
  for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ 0x8408 : r >>> 1;
  kermitTable[n] = r;
}

export function crc16CcittFalse(bytes: Uint8Array, init = 0xffff): number {
  let crc = init;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ ccittTable[((crc >>> 8) ^ b) & 0xff]!;
  return crc;
}

export function crc16Kermit(bytes: Uint8Array, init = 0): number {
  let crc = init;
  for (const b of bytes) crc = (crc >>> 8) ^ kermitTable[(crc ^ b) & 0xff]!;
  return crc;
}
