/**
 * Payment keywords for expectations, usable in any suite schema:
 * - `luhn: true` — a string of digits passing the Luhn check;
 * - `maskedPan: true` — a PAN masked per PCI (at most first six and last four digits clear),
 *   and never a full PAN;
 * - `track2: true` — valid ISO 7813 track 2 data (sentinels, Luhn, expiry, service code, LRC if present);
 * - `emvQr: true` — an EMV merchant-presented QR payload with a correct CRC;
 * - `receipt: SCHEMA` — hex ESC/POS bytes that decode to a receipt `{lines, text, qrCodes, cuts, …}`
 *   matching SCHEMA (`text` is all lines joined with newlines, for `pattern` checks).
 */
import type { Ajv, AnySchema } from 'ajv';
import { parseEmvQr } from '../../devices/formats/emv-qr.js';
import { decodeEscPos } from '../../devices/formats/escpos.js';
import { luhnValid } from '../../devices/formats/luhn.js';
import { isMaskedPan } from '../../devices/formats/pan.js';
import { parseTrack2 } from '../../devices/formats/track.js';

const check = (test: (value: string) => boolean) => (schema: boolean, data: unknown) => schema !== true || (typeof data === 'string' && test(data));

export function addPaymentKeywords(ajv: Ajv): void {
  ajv.addKeyword({ keyword: 'luhn', type: 'string', schemaType: 'boolean', validate: check(luhnValid), error: { message: 'must be a card number that passes the Luhn check' } });
  ajv.addKeyword({ keyword: 'maskedPan', type: 'string', schemaType: 'boolean', validate: check(isMaskedPan), error: { message: 'must be a PAN masked to at most the first six and last four digits' } });
  ajv.addKeyword({ keyword: 'track2', type: 'string', schemaType: 'boolean', validate: check((v) => parseTrack2(v).ok), error: { message: 'must be valid ISO 7813 track 2 data' } });
  ajv.addKeyword({ keyword: 'emvQr', type: 'string', schemaType: 'boolean', validate: check((v) => parseEmvQr(v).ok), error: { message: 'must be an EMV merchant QR payload with a correct CRC' } });
  ajv.addKeyword({
    keyword: 'receipt',
    type: 'string',
    schemaType: ['object', 'boolean'],
    compile(schema: AnySchema) {
      const validate = ajv.compile(schema);
      const fn = (data: string) => {
        if (!/^([0-9a-fA-F]{2})*$/.test(data)) return false;
        const decoded = decodeEscPos(Buffer.from(data, 'hex'));
        if (!decoded.ok) return false;
        return validate({ ...decoded.value, text: decoded.value.lines.map((l) => l.text).join('\n') }) as boolean;
      };
      return fn;
    },
    error: { message: 'must be ESC/POS bytes (hex) whose decoded receipt matches the receipt schema' },
  });
}
