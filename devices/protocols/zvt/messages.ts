/** The ZVT messages poshil sends and expects, built from APDUs and BMPs. */
import { encodeApdu } from './apdu.js';
import { encodeFields, toBcd } from './bmp.js';

/** The ECR password (3 BCD bytes) that registration, status enquiry and administrative commands carry. */
export const DEFAULT_PASSWORD = '000000';

export interface Field {
  tag: number;
  value: Uint8Array;
}

const apdu = (cls: number, instr: number, data: Iterable<number> = []) => encodeApdu({ cls, instr, data: Uint8Array.from(data) });
const amountAndCurrency = (cents: number, currencyNumeric: string) => encodeFields([{ tag: 0x04, value: toBcd(cents, 6) }, { tag: 0x49, value: toBcd(currencyNumeric, 2) }]);
const password = (digits: string) => toBcd(digits, 3);
/** An LLL length as ZVT writes it: three bytes F0+digit. */
const lll = (n: number) => [...String(n).padStart(3, '0')].map((d) => 0xf0 + Number(d));

export const zvt = {
  ack: () => apdu(0x80, 0x00),
  nack: (code: number) => apdu(0x84, code),
  /** Registration 06 00: password, config byte 8E (ECR prints, ECR controls payment), currency. */
  registration: (currencyNumeric: string, pw = DEFAULT_PASSWORD) => apdu(0x06, 0x00, [...password(pw), 0x8e, ...toBcd(currencyNumeric, 2)]),
  authorisation: (cents: number, currencyNumeric: string) => apdu(0x06, 0x01, amountAndCurrency(cents, currencyNumeric)),
  refund: (cents: number, currencyNumeric: string, pw = DEFAULT_PASSWORD) => apdu(0x06, 0x31, [...password(pw), ...amountAndCurrency(cents, currencyNumeric)]),
  reversal: (receipt: number, pw = DEFAULT_PASSWORD) => apdu(0x06, 0x30, [...password(pw), ...encodeFields([{ tag: 0x87, value: toBcd(receipt, 2) }])]),
  /** The ECR's abort request 06 B0 (06 1E is the terminal's abort message). */
  abortRequest: () => apdu(0x06, 0xb0),
  logOff: () => apdu(0x06, 0x02),
  endOfDay: (pw = DEFAULT_PASSWORD) => apdu(0x06, 0x50, password(pw)),
  diagnosis: () => apdu(0x06, 0x70),
  statusEnquiry: (pw = DEFAULT_PASSWORD) => apdu(0x05, 0x01, password(pw)),
  intermediateStatus: (code: number) => apdu(0x04, 0xff, [code]),
  statusInformation: (fields: Field[]) => apdu(0x04, 0x0f, encodeFields(fields)),
  printLine: (attribute: number, text: string) => apdu(0x06, 0xd1, [attribute, ...Buffer.from(text, 'latin1')]),
  /** Completion 06 0F; after registration it carries BMPs (19 status byte, 29 terminal id, 49 currency). */
  completion: (fields: Field[] = []) => apdu(0x06, 0x0f, encodeFields(fields)),
  /** Completion 06 0F after a status enquiry: software version (LLLVAR), terminal status byte, BMPs. */
  statusCompletion: (softwareVersion: string, terminalStatus: number, fields: Field[] = []) => {
    const version = Buffer.from(softwareVersion, 'latin1');
    return apdu(0x06, 0x0f, [...lll(version.length), ...version, terminalStatus, ...encodeFields(fields)]);
  },
  abortFromTerminal: (resultCode: number) => apdu(0x06, 0x1e, [resultCode]),
};

/** The status-enquiry form of a Completion starts with an LLL length (F0–F9); the other forms start with a BMP tag. */
export function isStatusCompletion(data: Uint8Array): boolean {
  return data.length >= 4 && [0, 1, 2].every((i) => (data[i]! & 0xf0) === 0xf0 && (data[i]! & 0x0f) <= 9);
}

/** Splits a status-enquiry Completion into its software version, status byte and the BMP bytes after them. */
export function readStatusCompletion(data: Uint8Array): { softwareVersion: string; terminalStatus: number; rest: Uint8Array } | undefined {
  if (!isStatusCompletion(data)) return undefined;
  const length = (data[0]! & 0x0f) * 100 + (data[1]! & 0x0f) * 10 + (data[2]! & 0x0f);
  if (3 + length + 1 > data.length) return undefined;
  return { softwareVersion: Buffer.from(data.subarray(3, 3 + length)).toString('latin1'), terminalStatus: data[3 + length]!, rest: data.subarray(4 + length) };
}
