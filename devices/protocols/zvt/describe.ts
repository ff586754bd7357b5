/**
 * What `poshil decode zvt` prints: an APDU (or a serial frame around one) with its command name
 * and its fields in words; card data masked.
 */
import { failure, type Parsed } from '../../formats/result.js';
import { commandName, decodeApdu, hex2 } from './apdu.js';
import { decodeFields, type DecodedFields } from './bmp.js';
import { isStatusCompletion, readStatusCompletion } from './messages.js';
import { resultText } from './result-codes.js';
import { CURRENCY_NUMERIC } from '../../formats/emv-qr.js';
import { SerialFrameDecoder } from './serial-frame.js';

export interface ZvtDescription {
  framing: 'serial' | 'bare';
  command: string;
  controlField: string;
  length: number;
  /** Bytes before the fields that the command defines by position (e.g. a status byte). */
  prefix?: { name: string; value: string; text?: string };
  /** The status-enquiry form of a Completion: software version and terminal status byte before the BMPs. */
  softwareVersion?: string;
  terminalStatus?: string;
  fields?: DecodedFields['fields'];
  unparsed?: DecodedFields['unparsed'];
}

/** Commands whose data starts with one positional byte before any BMPs. */
const PREFIX: Readonly<Record<string, string>> = { '04FF': 'intermediate status', '061E': 'result code', '06D1': 'print attribute' };

export function decodeZvt(bytes: Uint8Array): Parsed<ZvtDescription> {
  let apduBytes = bytes;
  let framing: ZvtDescription['framing'] = 'bare';
  if (bytes[0] === 0x10 && bytes[1] === 0x02) {
    const items = new SerialFrameDecoder().push(bytes);
    const frame = items.find((i) => i.type === 'frame');
    const error = items.find((i) => i.type === 'error');
    if (!frame || frame.type !== 'frame') return failure(error?.type === 'error' ? error.code : 'TRUNCATED', error?.type === 'error' ? error.offset : bytes.length, 'not a complete serial frame with a correct CRC');
    apduBytes = frame.apdu;
    framing = 'serial';
  }
  const apdu = decodeApdu(apduBytes);
  if (!apdu.ok) return apdu;
  const { cls, instr, data } = apdu.value;
  const control = hex2(cls) + hex2(instr);
  const description: ZvtDescription = { framing, command: commandName(apdu.value), controlField: control, length: data.length };
  if (cls === 0x84 || cls === 0x80) return { ok: true, value: { ...description, ...(cls === 0x84 ? { prefix: { name: 'error code', value: hex2(instr), text: resultText(instr) } } : {}) } };
  let offset = 0;
  const prefix = PREFIX[control];
  if (prefix && data.length > 0) {
    const byte = data[0]!;
    description.prefix = { name: prefix, value: hex2(byte), ...(control === '061E' ? { text: resultText(byte) } : {}) };
    offset = 1;
  }
  if (control === '06D1') {
    description.fields = [{ tag: '--', name: 'text', value: Buffer.from(data.subarray(1)).toString('hex').toUpperCase(), text: Buffer.from(data.subarray(1)).toString('latin1') }];
    return { ok: true, value: description };
  }
  if (control === '060F' && isStatusCompletion(data)) {
    const status = readStatusCompletion(data);
    if (!status) return failure('TRUNCATED', data.length, 'a status Completion needs its software version and status byte');
    description.softwareVersion = status.softwareVersion;
    description.terminalStatus = hex2(status.terminalStatus);
    offset = data.length - status.rest.length;
  }
  const fields = decodeFields(data.subarray(offset), offset);
  if (!fields.ok) return fields;
  return { ok: true, value: { ...description, fields: withCurrency(fields.value.fields), ...(fields.value.unparsed ? { unparsed: fields.value.unparsed } : {}) } };
}

const ALPHA_BY_NUMERIC = Object.fromEntries(Object.entries(CURRENCY_NUMERIC).map(([alpha, numeric]) => [numeric, alpha]));

/** An amount reads "10.00 EUR" when the message names its currency (BMP 49). */
function withCurrency(fields: DecodedFields['fields']): DecodedFields['fields'] {
  const numeric = fields.find((f) => f.tag === '49')?.value.replace(/^0/, '');
  const alpha = numeric ? ALPHA_BY_NUMERIC[numeric] : undefined;
  if (!alpha) return fields;
  return fields.map((f) => (f.tag === '04' ? { ...f, text: `${f.text} ${alpha}` } : f));
}
