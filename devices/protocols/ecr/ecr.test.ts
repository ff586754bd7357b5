import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRC } from 'crc-full';
import { crc16kermit } from 'crc';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEcrProtocol } from '../../../harness/config/ecr-protocol.js';
import { packageRoot } from '../../../harness/core/paths.js';
import { checksum, lrc } from './checksum.js';
import type { EcrProtocol, Field, Framing, Message } from './description.js';
import { decodeEcr } from './describe.js';
import { EcrFrameDecoder, encodeFrame, type FrameItem } from './frame.js';
import { decodeMessage, encodeMessage } from './message.js';

const shipped = ['concert-v2', 'nexi-traditional', 'template'].map((name) => loadEcrProtocol(join(packageRoot(), 'devices', 'protocols', `${name}.ecr.yaml`)));

/** Forms no shipped description uses: separator-delimited fields, binary and ASCII lengths, CRCs, BCD and hex fields. */
const dir = mkdtempSync(join(tmpdir(), 'poshil-ecr-forms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function synthetic(name: string, framing: string, layout: string, binary = true): EcrProtocol {
  const path = join(dir, `${name}.ecr.yaml`);
  writeFileSync(path, `protocol: ${name}
title: ${name}
specification: a test of the ${name} form
framing: ${framing}
messages:
  ask:
    direction: request
    ${layout}
    fields:
      - { name: code, width: 2, type: ascii, value: "T0" }
      - { name: amount, width: 12, type: numeric, source: amount }
      - { name: ref, width: 16, type: ascii, source: reference }
${binary ? '      - { name: stamp, width: 3, type: bcd }\n      - { name: flags, width: 2, type: hex }\n' : ''}  answer:
    direction: response
    ${layout}
    fields:
      - { name: code, width: 2, type: ascii, value: "T1" }
      - { name: result, width: 2, type: ascii }
      - { name: text, width: 30, type: ascii, source: text }
verbs:
  sale: { request: ask, reply: ack, responses: [answer], transaction: true }
outcomes: { field: result, approved: ["00"], declined: ["05"] }
`);
  return loadEcrProtocol(path);
}
const DESCRIPTIONS = [
  ...shipped,
  synthetic('delimited-lrc', '{ start: "02", end: "03", length: { encoding: none }, checksum: { type: lrc, over: [data, end] }, ack: "06", nak: "15" }', 'layout: delimited\n    separator: "1C"', false),
  synthetic('binary-crc', '{ start: "02", end: "03", length: { encoding: binary-le, bytes: 2, counts: [data, end] }, checksum: { type: crc16-kermit, over: [start, length, data, end] }, ack: "06", nak: "15" }', 'layout: fixed'),
  synthetic('ascii-ccitt', '{ start: "02", end: "03", length: { encoding: ascii, bytes: 4 }, checksum: { type: crc16-ccitt-false }, ack: "06", nak: "15" }', 'layout: fixed'),
];
const byId = (id: string) => DESCRIPTIONS.find((d) => d.id === id)!;

/** A value a field can carry: digits, printable ASCII (no pad at the padded end), or bytes. */
function fieldValue(field: Field): fc.Arbitrary<string> {
  if (field.value !== undefined) return fc.constant(field.value);
  if (field.type === 'numeric') return fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: field.width, maxLength: field.width });
  if (field.type === 'bcd') return fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 2 * field.width, maxLength: 2 * field.width });
  if (field.type === 'hex') return fc.uint8Array({ minLength: field.width, maxLength: field.width }).map((b) => Buffer.from(b).toString('hex').toUpperCase());
  const printable = fc.integer({ min: 0x21, max: 0x7e }).filter((c) => String.fromCharCode(c) !== field.pad).map((c) => String.fromCharCode(c));
  // Text ends (or, right aligned, starts) with a character other than the pad, so padding comes off cleanly.
  return fc.string({ unit: printable, minLength: 1, maxLength: Math.min(field.width, 40) });
}

function messageValues(message: Message): fc.Arbitrary<Record<string, string>> {
  return fc.record(Object.fromEntries(message.fields.map((f) => [f.name, fieldValue(f)])));
}

/** Feeds bytes one at a time: the hardest split there is. */
function byteByByte(framing: Framing, bytes: Uint8Array): FrameItem[] {
  const decoder = new EcrFrameDecoder(framing);
  return [...bytes].flatMap((b) => decoder.push(Uint8Array.of(b)));
}

const messages = DESCRIPTIONS.flatMap((d) => Object.values(d.messages).map((m) => [d, m] as [EcrProtocol, Message]));

describe('every described message round-trips: encode → frame → split at every byte → decode', () => {
  it.each(messages.map(([d, m]) => [`${d.id}/${m.name}`, d, m] as const))('%s', (_name, description, message) => {
    fc.assert(
      fc.property(messageValues(message), fc.array(fc.nat(), { maxLength: 6 }), (values, cuts) => {
        const data = encodeMessage(message, values, {});
        expect(data.ok).toBe(true);
        if (!data.ok) return;
        const frame = encodeFrame(description.framing, data.value);
        // Split at every byte, and at random points.
        for (const items of [byteByByte(description.framing, frame), chunks(description.framing, frame, cuts)]) {
          expect(items).toHaveLength(1);
          const item = items[0]!;
          expect(item.type).toBe('frame');
          if (item.type !== 'frame') return;
          expect(Buffer.from(item.raw)).toEqual(Buffer.from(frame));
          const decoded = decodeMessage(description, item.data, message.direction);
          expect(decoded.ok && decoded.value.message).toBe(message.name);
          if (!decoded.ok) return;
          for (const field of message.fields) expect(decoded.value.byName[field.name]).toBe(values[field.name]);
        }
      }),
      { numRuns: 60 },
    );
  });
});

function chunks(framing: Framing, bytes: Uint8Array, cuts: number[]): FrameItem[] {
  const decoder = new EcrFrameDecoder(framing);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const items: FrameItem[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    items.push(...decoder.push(bytes.subarray(start, p)));
    start = p;
  }
  return items;
}

describe('the framer', () => {
  it.each(DESCRIPTIONS.map((d) => [d.id, d] as const))('%s: skips garbage between frames and reports exactly its bytes', (_id, d) => {
    const controls = new Set([d.framing.start, d.framing.end, d.framing.ack, d.framing.nak, d.framing.session?.enq, d.framing.session?.eot]);
    const message = Object.values(d.messages)[0]!;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 30 }).map((g) => g.filter((b) => !controls.has(b))).filter((g) => g.length > 0), (garbage) => {
        const data = encodeMessage(message, {}, {});
        if (!data.ok) throw new Error(data.error.reason);
        const frame = encodeFrame(d.framing, data.value);
        const items = byteByByte(d.framing, Uint8Array.from([...frame, ...garbage, ...frame]));
        expect(items.map((i) => i.type)).toEqual(['frame', 'error', 'frame']);
        const stray = items[1]!;
        expect(stray.type === 'error' && stray.code).toBe('STRAY_BYTES');
        expect(stray.type === 'error' && Buffer.from(stray.raw)).toEqual(Buffer.from(garbage));
      }),
      { numRuns: 100 },
    );
  });

  it.each(DESCRIPTIONS.map((d) => [d.id, d] as const))('%s: a bad checksum is reported with the frame and its data, and the next frame still decodes', (_id, d) => {
    const data = encodeMessage(Object.values(d.messages)[0]!, {}, {});
    if (!data.ok) throw new Error(data.error.reason);
    const good = encodeFrame(d.framing, data.value);
    const bad = Uint8Array.from(good);
    bad[bad.length - 1]! ^= 0x01;
    const items = byteByByte(d.framing, Uint8Array.from([...bad, ...good]));
    expect(items.map((i) => (i.type === 'error' ? i.code : i.type))).toEqual(['BAD_CHECKSUM', 'frame']);
    const error = items[0]!;
    expect(error.type === 'error' && Buffer.from(error.raw)).toEqual(Buffer.from(bad));
    expect(error.type === 'error' && error.data && Buffer.from(error.data)).toEqual(Buffer.from(data.value));
  });

  it('reports a length a BCD length field cannot hold, and goes on', () => {
    const d = byId('template-example');
    const data = encodeMessage(d.messages['display']!, {}, { text: 'PLEASE WAIT' });
    if (!data.ok) throw new Error(data.error.reason);
    const items = byteByByte(d.framing, Uint8Array.from([0x02, 0x9a, 0x00, ...encodeFrame(d.framing, data.value)]));
    expect(items.map((i) => (i.type === 'error' ? i.code : i.type))).toEqual(['BAD_LENGTH', 'frame']);
  });

  it('a frame cut off by the next start byte is reported as truncated (no length field)', () => {
    const d = byId('concert-v2');
    const data = encodeMessage(d.messages['paymentResult']!, { status: '0' }, { amount: '1250', currency: '978' });
    if (!data.ok) throw new Error(data.error.reason);
    const frame = encodeFrame(d.framing, data.value);
    const items = byteByByte(d.framing, Uint8Array.from([...frame.subarray(0, 10), ...frame]));
    expect(items.map((i) => (i.type === 'error' ? i.code : i.type))).toEqual(['TRUNCATED', 'frame']);
  });

  it('answers the single control bytes as such, ENQ and EOT where the protocol has sessions', () => {
    const d = byId('concert-v2');
    const items = byteByByte(d.framing, Uint8Array.of(0x05, 0x06, 0x15, 0x04));
    expect(items).toEqual([
      { type: 'control', byte: 'enq' },
      { type: 'control', byte: 'ack' },
      { type: 'control', byte: 'nak' },
      { type: 'control', byte: 'eot' },
    ]);
  });
});

// An LRC (XOR of all bytes from `init`) is the CRC-8 with polynomial x^8 + 1 (0x01): x^8 ≡ 1.
const lrcReference = (init: number) => new CRC('LRC', 8, 0x01, init, 0x00, false, false);

describe('checksums against an independent implementation', () => {
  const ccittFalse = new CRC('CRC16_CCITT_FALSE', 16, 0x1021, 0xffff, 0x0000, false, false);

  it('LRC, plain and from 0x7F, equals crc-full CRC-8/poly 0x01', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0x00, 0x7f), (bytes, init) => {
        expect(lrc(bytes, init)).toBe(lrcReference(init).compute(Array.from(bytes)));
      }),
    );
  });

  it('CRC-16/KERMIT (crc package) and CRC-16/CCITT-FALSE (crc-full), low byte first', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const kermit = crc16kermit(Buffer.from(bytes));
        expect(Array.from(checksum('crc16-kermit', bytes))).toEqual([kermit & 0xff, kermit >> 8]);
        const ccitt = ccittFalse.compute(Array.from(bytes));
        expect(Array.from(checksum('crc16-ccitt-false', bytes))).toEqual([ccitt & 0xff, ccitt >> 8]);
      }),
    );
  });
});

describe('frames against the public documents', () => {
  it('Concert E+: a 34-character request and a 25-character response, LRC over the data and ETX', () => {
    const d = byId('concert-v2');
    const request = encodeMessage(d.messages['payment']!, d.verbs['sale']!.values, { amount: '1250', currency: '978' });
    if (!request.ok) throw new Error(request.error.reason);
    // The E+ layout: POS 01, amount 00001250, answer flag 0, mode 1 (card), type 0 (debit),
    // currency 978, 10 characters private data, A010, B010 — 34 characters, as the spec requires.
    const text = '01' + '00001250' + '0' + '1' + '0' + '978' + ' '.repeat(10) + 'A010' + 'B010';
    expect(text).toHaveLength(34);
    expect(Buffer.from(request.value).toString('latin1')).toBe(text);
    const frame = encodeFrame(d.framing, request.value);
    const withEtx = [...Buffer.from(text, 'latin1'), 0x03];
    expect(Array.from(frame)).toEqual([0x02, ...withEtx, lrcReference(0).compute(withEtx)]);
    // The response without REP is 28 bytes on the wire: STX, 2+1+8+1+3+10 characters, ETX, LRC.
    expect(d.messages['paymentResult']!.size).toBe(25);
    const response = encodeMessage(d.messages['paymentResult']!, { status: '0' }, { amount: '1250', currency: '978' });
    expect(response.ok && encodeFrame(d.framing, response.value).length).toBe(28);
  });

  it('Nexi: the payment request is 167 characters with the amount at position 24; the response 47', () => {
    const d = byId('nexi-traditional');
    const payment = d.messages['payment']!;
    expect(payment.size).toBe(167);
    expect(payment.fields.find((f) => f.name === 'amount')).toMatchObject({ offset: 23, width: 8 });
    expect(payment.fields.find((f) => f.name === 'receiptText')).toMatchObject({ offset: 31, width: 128 });
    expect(d.messages['paymentApproved']!.size).toBe(47);
    expect(d.messages['paymentDeclined']!.size).toBe(47);
    const request = encodeMessage(payment, {}, { amount: '650' });
    if (!request.ok) throw new Error(request.error.reason);
    const text = Buffer.from(request.value).toString('latin1');
    expect(text.slice(0, 10)).toBe('000000000P');
    expect(text.slice(23, 31)).toBe('00000650');
    const frame = encodeFrame(d.framing, request.value);
    expect(frame[frame.length - 1]).toBe(lrcReference(0x7f).compute([0x02, ...request.value, 0x03]));
  });
});

describe('poshil decode ecr', () => {
  it('names every field, skips leading garbage and masks a full card number', () => {
    const d = byId('nexi-traditional');
    const data = encodeMessage(d.messages['paymentApproved']!, {}, { maskedPan: '4111111111111111', approvalCode: 'A1B2C3' });
    if (!data.ok) throw new Error(data.error.reason);
    const decoded = decodeEcr(d, Uint8Array.from([0xff, 0x00, ...encodeFrame(d.framing, data.value)]));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value.message).toBe('paymentApproved');
    expect(decoded.value.skipped).toBe('FF00');
    expect(decoded.value.fields.find((f) => f.name === 'pan')).toMatchObject({ value: '411111******1111', hex: '[masked]' });
    expect(JSON.stringify(decoded.value)).not.toContain('4111111111111111');
  });

  it('fails with the offset on a bad checksum', () => {
    const d = byId('concert-v2');
    const decoded = decodeEcr(d, Uint8Array.of(0x02, 0x30, 0x03, 0x00));
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.error.code).toBe('BAD_CHECKSUM');
  });
});
