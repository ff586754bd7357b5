/**
 * What a ZVT exchange yields as the result of a verb: read from the status information (04 0F)
 * and the Completion (06 0F) that ended it — the status-enquiry form (software version, terminal
 * status byte, BMPs) or the BMP form.
 */
import { CURRENCY_NUMERIC } from '../formats/emv-qr.js';
import { hex2 } from '../protocols/zvt/apdu.js';
import { fromBcd, readFields } from '../protocols/zvt/bmp.js';
import { readStatusCompletion } from '../protocols/zvt/messages.js';
import { resultText } from '../protocols/zvt/result-codes.js';
import type { Exchange, ExchangeEnd } from './zvt-exchange.js';

const ALPHA_BY_NUMERIC = Object.fromEntries(Object.entries(CURRENCY_NUMERIC).map(([alpha, numeric]) => [numeric, alpha]));

/** A BCD field as a number under `key`, or nothing when the terminal did not send it. */
export function bcdNumber(key: string, bcd: Uint8Array | undefined): Record<string, number> {
  return bcd ? { [key]: Number(fromBcd(bcd)) } : {};
}

/** The result of `verb` once its exchange ended; the terminal id falls back to the one registration gave. */
export function verbResult(verb: string, exchange: Exchange, end: ExchangeEnd, registeredId: string | undefined): Record<string, unknown> {
  const status = exchange.status ?? new Map<number, Uint8Array>();
  const completion = end.kind === 'completion' ? readStatusCompletion(end.data) : undefined;
  const fields = end.kind === 'completion' ? (completion ? readFields(completion.rest) : readFields(end.data)) : new Map<number, Uint8Array>();
  const terminalId = fromBcd(fields.get(0x29)) ?? fromBcd(status.get(0x29)) ?? registeredId ?? 'unknown';
  const booked = { ...bcdNumber('receiptNumber', status.get(0x87)), ...bcdNumber('traceNumber', status.get(0x0b)) };
  switch (verb) {
    case 'identify': {
      // The software version names model and firmware: "MODEL VERSION"; an older terminal puts "MODEL SW VERSION" in BMP 3C.
      const text = completion?.softwareVersion ?? (status.get(0x3c) ? Buffer.from(status.get(0x3c)!).toString('latin1') : '');
      const m = /^(.*?)\s+(?:SW\s+)?(\S+)$/.exec(text.trim());
      return { model: m?.[1] || 'ZVT terminal', serialNumber: terminalId, firmware: m?.[2] ?? (text.trim() || 'unknown'), capabilities: [], protocol: 'zvt' };
    }
    case 'status': {
      const code = completion?.terminalStatus ?? 0;
      return { state: code === 0 ? 'idle' : 'busy', terminalStatus: hex2(code), terminalStatusText: code === 0 ? 'ready' : resultText(code), terminalId, ...(completion ? { softwareVersion: completion.softwareVersion } : {}) };
    }
    case 'refund':
      return { result: 'approved', ...exchange.money, ...booked };
    case 'void':
      return { result: 'voided', ...booked, ...(status.get(0x04) ? { amount: Number(fromBcd(status.get(0x04))) } : {}) };
    case 'endOfDay': {
      const currency = ALPHA_BY_NUMERIC[(fromBcd(status.get(0x49)) ?? '0978').replace(/^0/, '')] ?? 'EUR';
      return { totals: { amount: Number(fromBcd(status.get(0x04)) ?? '0'), currency }, ...booked };
    }
    default:
      return { accepted: true };
  }
}
