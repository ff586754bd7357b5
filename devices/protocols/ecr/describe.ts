/**
 * What `poshil decode ecr --protocol FILE HEX` prints: the frame (start, length, checksum) and
 * the message it carries with a named field table, from the description. A bare data part
 * (without STX) is decoded too. Card numbers are masked; a bad checksum is an error with its
 * offset, as is a data part no described message matches.
 */
import { maskPan } from '../../formats/pan.js';
import { failure, type Parsed } from '../../formats/result.js';
import type { EcrProtocol } from './description.js';
import { EcrFrameDecoder } from './frame.js';
import { decodeMessage, type DecodedField } from './message.js';

export interface EcrDescription {
  protocol: string;
  framing: 'frame' | 'data only';
  bytes: number;
  message: string;
  direction: string;
  fields: (Omit<DecodedField, 'hex'> & { hex: string })[];
  /** Bytes before the first frame, when the input had any. */
  skipped?: string;
}

export function decodeEcr(protocol: EcrProtocol, bytes: Uint8Array): Parsed<EcrDescription> {
  let data = bytes;
  let framing: EcrDescription['framing'] = 'data only';
  let skipped: string | undefined;
  if (bytes.includes(protocol.framing.start)) {
    const items = new EcrFrameDecoder(protocol.framing).push(bytes);
    const frame = items.find((i) => i.type === 'frame');
    const error = items.find((i) => i.type === 'error' && i.code !== 'STRAY_BYTES');
    const stray = items.find((i) => i.type === 'error' && i.code === 'STRAY_BYTES');
    if (!frame || frame.type !== 'frame') {
      return error?.type === 'error' ? failure(error.code, error.offset, `not a valid ${protocol.id} frame (${error.code})`) : failure('TRUNCATED', bytes.length, `no complete ${protocol.id} frame`);
    }
    if (stray?.type === 'error') skipped = Buffer.from(stray.raw).toString('hex').toUpperCase();
    data = frame.data;
    framing = 'frame';
  }
  const decoded = decodeMessage(protocol, data);
  if (!decoded.ok) return decoded;
  const fields = decoded.value.fields.map((f) => (f.source === 'maskedPan' && /^\d{13,19}$/.test(f.value.replace(/^0+/, '')) ? { ...f, value: maskPan(f.value.replace(/^0+/, '')), hex: '[masked]' } : f));
  return { ok: true, value: { protocol: protocol.id, framing, bytes: data.length, message: decoded.value.message, direction: decoded.value.direction, fields, ...(skipped ? { skipped } : {}) } };
}

/** The field table as people read it: offset, width, name, type, value. */
export function formatEcrTable(d: EcrDescription): string {
  const rows = d.fields.map((f) => [String(f.offset), String(f.width), f.name, f.type, JSON.stringify(f.value), f.source ?? '']);
  const header = ['offset', 'width', 'field', 'type', 'value', 'source'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    `${d.protocol} ${d.direction} ${d.message} (${d.bytes} data bytes${d.framing === 'frame' ? ', checksum correct' : ', no frame'})`,
    ...(d.skipped ? [`skipped before the frame: ${d.skipped}`] : []),
    line(header),
    ...rows.map(line),
  ].join('\n') + '\n';
}
