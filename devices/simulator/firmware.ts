/**
 * Firmware images and what an upgrade does to the terminal's data. An image is
 * `POSHIL-FW/1\nversion=X.Y.Z\n` followed by its payload, sent base64-encoded with its SHA-256.
 * A good upgrade keeps every transaction, the totals and the configuration; the migration
 * defects plant the data losses a certification must catch.
 */
import { createHash } from 'node:crypto';

export interface TerminalConfig {
  merchantName: string;
  terminalId: string;
  currency: string;
  tipping: boolean;
  receiptFooter: string;
}

export const DEFAULT_CONFIG: TerminalConfig = { merchantName: 'POSHIL BAKERY', terminalId: 'T0000001', currency: 'EUR', tipping: false, receiptFooter: 'Thank you' };

export interface MigratedRecord {
  amount: number;
  items: string[];
}

export type ImageCheck = { ok: true; version: string; bytes: number } | { ok: false; code: string; message: string };

export function checkImage(imageBase64: unknown, sha256: unknown): ImageCheck {
  if (typeof imageBase64 !== 'string' || typeof sha256 !== 'string') return { ok: false, code: 'BAD_ARGS', message: 'upgrade needs image (base64) and sha256' };
  const image = Buffer.from(imageBase64, 'base64');
  const actual = createHash('sha256').update(image).digest('hex');
  if (actual !== sha256.toLowerCase()) return { ok: false, code: 'CHECKSUM_MISMATCH', message: `the image's SHA-256 is ${actual}, not ${sha256}` };
  const header = /^POSHIL-FW\/1\nversion=(\d+\.\d+\.\d+)\n/.exec(image.toString('latin1'));
  if (!header) return { ok: false, code: 'BAD_IMAGE', message: 'not a poshil-sim firmware image (header POSHIL-FW/1)' };
  return { ok: true, version: header[1]!, bytes: image.length };
}

/** What the new firmware makes of the old data, with any planted migration defect. */
export function migrate<T extends MigratedRecord>(log: T[], config: TerminalConfig, defects: ReadonlySet<string>): { log: T[]; config: TerminalConfig } {
  let migrated = log.map((t) => ({ ...t, items: [...t.items] }));
  if (defects.has('drop-last-transaction')) migrated = migrated.slice(0, -1);
  if (defects.has('round-amounts')) migrated = migrated.map((t) => ({ ...t, amount: Math.round(t.amount / 100) * 100 }));
  // Reading UTF-8 bytes as Latin-1: "Brötchen" becomes "BrÃ¶tchen".
  if (defects.has('mangle-item-names')) migrated = migrated.map((t) => ({ ...t, items: t.items.map((i) => Buffer.from(i, 'utf8').toString('latin1')) }));
  return { log: migrated, config: defects.has('reset-configuration') ? { ...DEFAULT_CONFIG, merchantName: 'NEW TERMINAL' } : { ...config } };
}
