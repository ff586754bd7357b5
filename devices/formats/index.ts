/** Payment formats shared by the simulated terminal and the harness's expectations. */
export * from './crc.js';
export * from './emv-qr.js';
export * from './escpos.js';
export * from './escpos-encode.js';
export * from './luhn.js';
export * from './pan.js';
export * from './result.js';
export * from './track.js';
export * from './tlv.js';
export * from './decode.js';
