/**
 * Firmware bugs the simulator can plant on purpose (`poshil sim --defect NAME`), so that a
 * certification can be shown to catch each of them. Each name says what goes wrong.
 */
export const DEFECTS = {
  'full-pan-on-receipt': 'prints the full card number on receipts',
  'accept-bad-qr-crc': 'accepts a QR payload whose CRC is wrong',
  'no-reversal-after-host-timeout': 'does not send a reversal when the host times out',
  'double-charge': 'books every approved sale twice in the batch',
  'approve-declined': 'reports success when the host declined',
  'leak-track-in-log': 'writes raw track data into its device log',
  'slow-transactions': 'adds 3.5 s to every authorisation',
  'accept-expired': 'accepts expired cards',
  'skip-luhn': 'accepts card numbers that fail the Luhn check',
  'lose-held-receipts': 'drops receipts held during paper-out instead of printing them',
  'drop-last-transaction': 'loses the last transaction when upgrading',
  'round-amounts': 'rounds amounts to whole units when upgrading',
  'mangle-item-names': 'reads item names as Latin-1 when upgrading',
  'reset-configuration': 'resets the configuration when upgrading',
} as const;

export type Defect = keyof typeof DEFECTS;

export function isDefect(name: string): name is Defect {
  return name in DEFECTS;
}
