/**
 * Loads an ECR protocol description (`*.ecr.yaml`): parse → validate against
 * ecr-protocol.schema.json → check what a schema cannot (fields that overlap, a layout longer
 * than the length field can announce, a constant that does not fit its field, a verb mapped to
 * no message) → a frozen EcrProtocol. Every problem is an InputError naming the file, the JSON
 * pointer and the line.
 */
import { InputError } from '../core/errors.js';
import { loadDocument, type LoadedDocument } from './document.js';
import { validateDocument } from './validate.js';
import type { EcrProtocol, Field, FieldSource, FramePart, Framing, IntermediateEvent, Message, VerbMapping } from '../../devices/protocols/ecr/description.js';

type Byte = number | string;
interface RawField {
  name: string;
  width: number;
  offset?: number;
  type: Field['type'];
  pad?: string;
  align?: 'left' | 'right';
  value?: string;
  source?: FieldSource;
  description?: string;
}
interface RawProtocol {
  protocol: string;
  title: string;
  specification: string;
  capabilities?: string[];
  framing: {
    start: Byte;
    end: Byte;
    length: { encoding: Framing['length']['encoding']; bytes?: number; counts?: FramePart[] };
    checksum: { type: Framing['checksum']['type']; over?: FramePart[]; init?: Byte };
    ack: Byte;
    nak: Byte;
    session?: { enq: Byte; eot: Byte };
    timeouts?: { ack?: number; interByte?: number };
    attempts?: number;
  };
  messages: Record<string, { direction: Message['direction']; layout?: Message['layout']; separator?: Byte; description?: string; fields: RawField[] }>;
  verbs: Record<string, { request: string; values?: Record<string, string>; reply: 'ack' | 'response'; responses: string[]; transaction?: boolean; interrupts?: boolean }>;
  events?: IntermediateEvent[];
  outcomes: { field: string; approved: string[]; declined: string[]; failed?: Record<string, string> };
  methods?: Record<string, string>;
  receiptLineSeparator?: string;
}

const byte = (b: Byte): number => (typeof b === 'number' ? b : parseInt(b, 16));

export function loadEcrProtocol(path: string): EcrProtocol {
  const doc = loadDocument(path, 'ECR protocol description');
  validateDocument('ecr-protocol', doc, 'ECR protocol description');
  return checkEcrProtocol(doc);
}

function invalid(doc: LoadedDocument, pointer: string, message: string, hint?: string): InputError {
  const pos = doc.lineOf(pointer);
  return new InputError('E_ECR_DESCRIPTION', `ECR protocol description ${doc.shown} is invalid: ${pointer} ${message}`, {
    file: doc.shown,
    pointer,
    ...(pos ? { line: pos.line, column: pos.column } : {}),
    hint: hint ?? 'docs/ecr-protocols.md explains each part of a description',
  });
}

/** Semantic checks on a schema-valid document. */
export function checkEcrProtocol(doc: LoadedDocument): EcrProtocol {
  const raw = doc.value as RawProtocol;
  const f = raw.framing;
  const framing: Framing = {
    start: byte(f.start),
    end: byte(f.end),
    length: { encoding: f.length.encoding, bytes: f.length.encoding === 'none' ? 0 : (f.length.bytes ?? 2), counts: f.length.counts ?? ['data'] },
    checksum: { type: f.checksum.type, over: f.checksum.over ?? ['length', 'data', 'end'], init: f.checksum.init === undefined ? 0 : byte(f.checksum.init) },
    ack: byte(f.ack),
    nak: byte(f.nak),
    ...(f.session ? { session: { enq: byte(f.session.enq), eot: byte(f.session.eot) } } : {}),
    ackTimeoutMs: f.timeouts?.ack ?? 2000,
    attempts: f.attempts ?? 3,
    interByteTimeoutMs: f.timeouts?.interByte ?? 500,
  };
  const controls = [framing.start, framing.end, framing.ack, framing.nak, ...(framing.session ? [framing.session.enq, framing.session.eot] : [])];
  if (new Set(controls).size !== controls.length) throw invalid(doc, '/framing', 'uses one byte for two roles (start, end, ACK, NAK, ENQ, EOT must differ)');

  const room = roomFor(framing);
  const messages: Record<string, Message> = {};
  for (const [name, m] of Object.entries(raw.messages)) {
    const at = `/messages/${name}`;
    const layout = m.layout ?? 'fixed';
    const fields: Field[] = [];
    let end = 0;
    const names = new Set<string>();
    for (const [i, rf] of m.fields.entries()) {
      const fieldAt = `${at}/fields/${i}`;
      if (names.has(rf.name)) throw invalid(doc, `${fieldAt}/name`, `repeats the field name "${rf.name}"`);
      names.add(rf.name);
      if (rf.offset !== undefined && layout === 'delimited') throw invalid(doc, `${fieldAt}/offset`, 'gives an offset in a delimited layout, where fields have none');
      const offset = rf.offset ?? end;
      if (offset < end) {
        const previous = fields[fields.length - 1]!;
        throw invalid(doc, `${fieldAt}/offset`, `overlaps field "${previous.name}" (bytes ${previous.offset}-${previous.offset + previous.width - 1}): "${rf.name}" starts at ${offset}`, 'fields of a fixed layout may not share bytes; check the offsets and widths against the specification');
      }
      const numeric = rf.type !== 'ascii';
      const field: Field = {
        name: rf.name,
        width: rf.width,
        type: rf.type,
        pad: rf.pad ?? (numeric ? '0' : ' '),
        align: rf.align ?? (numeric ? 'right' : 'left'),
        offset: layout === 'fixed' ? offset : 0,
        ...(rf.value !== undefined ? { value: rf.value } : {}),
        ...(rf.source ? { source: rf.source } : {}),
        ...(rf.description ? { description: rf.description } : {}),
      };
      // Without a length (or between separators) the end byte is found by looking for it: binary data could contain it.
      if ((framing.length.encoding === 'none' || layout === 'delimited') && numeric && rf.type !== 'numeric') {
        throw invalid(doc, `${fieldAt}/type`, `is ${rf.type}, but ${layout === 'delimited' ? 'a delimited layout' : 'a frame without a length field'} can only carry text: its bytes could contain the ${layout === 'delimited' ? 'separator' : 'end byte'}`, 'use numeric or ascii, or give the frame a length field');
      }
      if (rf.value !== undefined && !fits(field, rf.value)) throw invalid(doc, `${fieldAt}/value`, `"${rf.value}" does not fit a ${rf.type} field of width ${rf.width}`);
      fields.push(field);
      end = offset + rf.width;
    }
    const separator = m.separator === undefined ? 0x1c : byte(m.separator);
    const size = layout === 'fixed' ? end : fields.reduce((n, x) => n + x.width, 0) + fields.length - 1;
    if (size > room) {
      throw invalid(doc, at, `is ${size} bytes long, more than the ${framing.length.encoding} length field of ${framing.length.bytes} bytes can announce (${room} bytes of data)`, 'shorten the layout or widen framing.length.bytes');
    }
    if (layout === 'delimited' && fields.some((x) => x.value !== undefined && Buffer.from(x.value, 'latin1').includes(separator))) throw invalid(doc, at, 'has a constant that contains its separator');
    messages[name] = { name, direction: m.direction, layout, ...(layout === 'delimited' ? { separator } : {}), fields, size, ...(m.description ? { description: m.description } : {}) };
  }

  const verbs: Record<string, VerbMapping> = {};
  for (const [verb, v] of Object.entries(raw.verbs)) {
    const at = `/verbs/${verb}`;
    const request = messages[v.request];
    if (!request) throw invalid(doc, `${at}/request`, `names no message: "${v.request}" is not under /messages`, `described messages: ${Object.keys(messages).join(', ')}`);
    if (request.direction !== 'request') throw invalid(doc, `${at}/request`, `names "${v.request}", a response; a verb sends a request`);
    for (const key of Object.keys(v.values ?? {})) {
      const field = request.fields.find((x) => x.name === key);
      if (!field) throw invalid(doc, `${at}/values/${key}`, `names no field of message "${v.request}"`);
      if (!fits(field, v.values![key]!)) throw invalid(doc, `${at}/values/${key}`, `"${v.values![key]}" does not fit field "${key}"`);
    }
    for (const [i, name] of v.responses.entries()) {
      const response = messages[name];
      if (!response) throw invalid(doc, `${at}/responses/${i}`, `names no message: "${name}" is not under /messages`);
      if (response.direction !== 'response') throw invalid(doc, `${at}/responses/${i}`, `names "${name}", a request; the terminal answers with a response`);
      if (v.transaction && !response.fields.some((x) => x.name === raw.outcomes.field)) throw invalid(doc, `${at}/responses/${i}`, `"${name}" ends a transaction but has no field "${raw.outcomes.field}" (outcomes.field)`);
    }
    verbs[verb] = { verb, request: v.request, values: v.values ?? {}, reply: v.reply, responses: v.responses, transaction: v.transaction ?? false, interrupts: v.interrupts ?? false };
  }
  // The simulator tells verbs apart by request message and values: two verbs alike are ambiguous.
  const seen = new Map<string, string>();
  for (const v of Object.values(verbs)) {
    const key = `${v.request}:${JSON.stringify(Object.entries(v.values).sort())}`;
    if (seen.has(key)) throw invalid(doc, `/verbs/${v.verb}`, `sends the same request as verb "${seen.get(key)}"; give it a distinguishing value`);
    seen.set(key, v.verb);
  }
  const events = raw.events ?? [];
  for (const [i, e] of events.entries()) {
    const m = messages[e.message];
    if (!m || m.direction !== 'response') throw invalid(doc, `/events/${i}/message`, `names no response message: "${e.message}"`);
  }
  return Object.freeze({
    id: raw.protocol,
    title: raw.title,
    specification: raw.specification,
    capabilities: raw.capabilities ?? [],
    framing,
    messages,
    verbs,
    events,
    outcomes: { field: raw.outcomes.field, approved: raw.outcomes.approved, declined: raw.outcomes.declined, failed: raw.outcomes.failed ?? {} },
    methods: raw.methods ?? {},
    receiptLineSeparator: raw.receiptLineSeparator ?? '|',
    file: doc.shown,
    sha256: doc.sha256,
  });
}

/** Data bytes the length field can announce (unbounded without one). */
function roomFor(framing: Framing): number {
  const { encoding, bytes, counts } = framing.length;
  if (encoding === 'none') return 65_535;
  const max = encoding === 'bcd' ? 10 ** (2 * bytes) - 1 : encoding === 'ascii' ? 10 ** bytes - 1 : 256 ** bytes - 1;
  const others = counts.reduce((n, p) => n + (p === 'data' ? 0 : p === 'length' ? bytes : 1), 0);
  return Math.min(max - others, 65_535);
}

function fits(field: Pick<Field, 'type' | 'width'>, value: string): boolean {
  if (field.type === 'bcd') return /^\d*$/.test(value) && value.length <= 2 * field.width;
  if (field.type === 'hex') return /^[0-9A-Fa-f]*$/.test(value) && value.length <= 2 * field.width;
  if (field.type === 'numeric') return /^\d*$/.test(value) && value.length <= field.width;
  return Buffer.byteLength(value, 'latin1') <= field.width;
}
