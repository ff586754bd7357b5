import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc16kermit } from 'crc';
import { decodeApdu, encodeApdu } from './apdu.js';
import { decodeFields, encodeFields, toBcd } from './bmp.js';
import { decodeZvt } from './describe.js';
import { readStatusCompletion, zvt } from './messages.js';
import { encodeSerialFrame, SerialFrameDecoder, TcpApduSplitter, type SerialItem } from './serial-frame.js';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ZVT APDUs and fields', () => {
  it('decodes the DOMAIN.md authorisation: amount 10.00 as BCD cents', () => {
    const apdu = bytes('06 01 07 04 00 00 00 00 10 00');
    const decoded = decodeZvt(apdu);
    expect(decoded).toMatchObject({ ok: true, value: { command: 'Authorisation', controlField: '0601', length: 7, fields: [{ tag: '04', name: 'amount', value: '000000001000', text: '10.00' }] } });
    expect(hexOf(encodeApdu({ cls: 0x06, instr: 0x01, data: encodeFields([{ tag: 0x04, value: toBcd(1000, 6) }]) }))).toBe(hexOf(apdu));
  });

  it('knows the positive acknowledgement 80 00 00 and extended lengths', () => {
    expect(decodeZvt(bytes('800000'))).toMatchObject({ ok: true, value: { command: 'Positive acknowledgement', length: 0 } });
    const long = encodeApdu({ cls: 0x06, instr: 0xd3, data: new Uint8Array(300) });
    expect(hexOf(long.subarray(0, 5))).toBe('06d3ff2c01');
    expect(decodeApdu(long)).toMatchObject({ ok: true, value: { data: expect.any(Uint8Array) } });
    expect(decodeApdu(long.subarray(0, 100))).toMatchObject({ ok: false, error: { code: 'TRUNCATED' } });
  });

  it('shows an amount with its currency as 12.50 EUR', () => {
    const info = zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(0) }, { tag: 0x04, value: toBcd(1250, 6) }, { tag: 0x49, value: toBcd('0978', 2) }]);
    expect(decodeZvt(info)).toMatchObject({ ok: true, value: { command: 'Status information', fields: [{ tag: '27' }, { tag: '04', text: '12.50 EUR' }, { tag: '49' }] } });
  });

  it('decodes both forms of the Completion: BMPs after registration, software version and status byte after a status enquiry', () => {
    const registered = zvt.completion([{ tag: 0x19, value: Uint8Array.of(0) }, { tag: 0x29, value: toBcd('12345678', 4) }]);
    expect(decodeZvt(registered)).toMatchObject({ ok: true, value: { command: 'Completion', fields: [{ tag: '19' }, { tag: '29', text: '12345678' }] } });
    const status = zvt.statusCompletion('ACME T1 2.0.9', 0x00, [{ tag: 0x29, value: toBcd('12345678', 4) }]);
    expect(hexOf(status.subarray(0, 6))).toBe('060f' + '16' + 'f0f1f3'); // 22 bytes: LLL 013, 13 of text, status byte, BMP 29 (5)
    expect(decodeZvt(status)).toMatchObject({ ok: true, value: { command: 'Completion', softwareVersion: 'ACME T1 2.0.9', terminalStatus: '00', fields: [{ tag: '29', text: '12345678' }] } });
    expect(readStatusCompletion(status.subarray(3))).toMatchObject({ softwareVersion: 'ACME T1 2.0.9', terminalStatus: 0 });
    expect(decodeZvt(bytes('06 B0 00'))).toMatchObject({ ok: true, value: { command: 'Abort request' } });
  });

  it('round-trips any status Completion: software version, status byte and terminal id (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }).map((t) => t.replace(/[^\x20-\x7e]/g, '?')), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 99_999_999 }), (version, status, tid) => {
        const apdu = zvt.statusCompletion(version, status, [{ tag: 0x29, value: toBcd(tid, 4) }]);
        const decoded = decodeZvt(apdu);
        expect(decoded).toMatchObject({ ok: true, value: { command: 'Completion', softwareVersion: version, terminalStatus: status.toString(16).toUpperCase().padStart(2, '0'), fields: [{ tag: '29', text: String(tid) }] } });
        const framed = decodeZvt(encodeSerialFrame(apdu));
        expect(framed.ok && framed.value.softwareVersion).toBe(version);
      }),
    );
  });

  it('masks a PAN and keeps unknown BMPs with their offset', () => {
    const data = Uint8Array.from([...encodeFields([{ tag: 0x22, value: bytes('4111111111111111') }]), 0x99, 0x01, 0x02]);
    const decoded = decodeFields(data);
    expect(decoded).toMatchObject({ ok: true, value: { fields: [{ tag: '22', value: '411111******1111' }], unparsed: { offset: 11, hex: '990102' } } });
    expect(decodeFields(bytes('22 F1'))).toMatchObject({ ok: false, error: { code: 'BAD_LENGTH' } });
  });
});

describe('ZVT serial framing', () => {
  it('frames an APDU with DLE STX … DLE ETX and CRC-16/KERMIT over APDU + ETX', () => {
    const crc = crc16kermit(Buffer.from('80000003', 'hex'));
    expect(hexOf(encodeSerialFrame(bytes('800000')))).toBe(`1002800000 1003 ${(crc & 0xff).toString(16).padStart(2, '0')}${(crc >> 8).toString(16).padStart(2, '0')}`.replace(/ /g, ''));
  });

  it('doubles DLE bytes inside the APDU and undoes it', () => {
    const apdu = bytes('06 01 03 10 10 02');
    const frame = encodeSerialFrame(apdu);
    expect(hexOf(frame.subarray(2, 10))).toBe('060103' + '1010' + '1010' + '02');
    expect(new SerialFrameDecoder().push(frame)).toEqual([{ type: 'frame', apdu, raw: frame }]);
  });

  it('gives the same items wherever a stream of frames, ACKs and NAKs is split', () => {
    const stream = Uint8Array.from([...encodeSerialFrame(bytes('0601070400000000100010')), 0x06, ...encodeSerialFrame(bytes('800000')), 0x15]);
    const whole = new SerialFrameDecoder().push(stream);
    expect(whole.map((i) => i.type)).toEqual(['frame', 'ack', 'frame', 'nak']);
    for (let split = 0; split <= stream.length; split++) {
      const decoder = new SerialFrameDecoder();
      expect([...decoder.push(stream.subarray(0, split)), ...decoder.push(stream.subarray(split))], `split at ${split}`).toEqual(whole);
    }
  });

  it('round-trips random APDUs through serial frames and the TCP splitter (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }), fc.nat(), (datas, cut) => {
        const apdus = datas.map((data) => encodeApdu({ cls: 0x06, instr: 0x01, data }));
        const serial = Uint8Array.from(apdus.flatMap((a) => [...encodeSerialFrame(a)]));
        const at = cut % (serial.length + 1);
        const decoder = new SerialFrameDecoder();
        const items: SerialItem[] = [...decoder.push(serial.subarray(0, at)), ...decoder.push(serial.subarray(at))];
        expect(items.map((i) => (i.type === 'frame' ? hexOf(i.apdu) : i.type))).toEqual(apdus.map(hexOf));
        const bare = Uint8Array.from(apdus.flatMap((a) => [...a]));
        const splitter = new TcpApduSplitter();
        const tcpAt = cut % (bare.length + 1);
        expect([...splitter.push(bare.subarray(0, tcpAt)), ...splitter.push(bare.subarray(tcpAt))].map(hexOf)).toEqual(apdus.map(hexOf));
      }),
    );
  });

  it('reports a bad CRC and stray bytes as typed errors and goes on', () => {
    const good = encodeSerialFrame(bytes('800000'));
    const bad = good.slice();
    bad[bad.length - 1] = bad.at(-1)! ^ 0xff;
    const items = new SerialFrameDecoder().push(Uint8Array.from([0x41, 0x42, ...bad, ...good]));
    expect(items.map((i) => (i.type === 'error' ? i.code : i.type))).toEqual(['STRAY_BYTES', 'CRC_MISMATCH', 'frame']);
    expect(decodeZvt(bad)).toMatchObject({ ok: false, error: { code: 'CRC_MISMATCH' } });
  });

  it('ends a frame whose bytes stop for longer than T1, wherever the gap falls, and reads the next one', () => {
    const frame = encodeSerialFrame(bytes('04FF010A'));
    for (let cut = 1; cut < frame.length; cut++) {
      const decoder = new SerialFrameDecoder(100);
      expect(decoder.push(frame.subarray(0, cut), 0)).toEqual([]);
      const items = decoder.push(frame, 150);
      expect(items.map((i) => (i.type === 'error' ? i.code : i.type)), `gap after byte ${cut}`).toEqual(['T1_TIMEOUT', 'frame']);
      const again = new SerialFrameDecoder(100);
      again.push(frame.subarray(0, cut), 0);
      expect(again.push(frame.subarray(cut), 90).map((i) => i.type), `no gap after byte ${cut}`).toEqual(['frame']);
    }
  });

  it('decodes a serial frame around an abort with its result code in words', () => {
    expect(decodeZvt(encodeSerialFrame(bytes('061E016C')))).toMatchObject({ ok: true, value: { framing: 'serial', command: 'Abort', prefix: { name: 'result code', value: '6C', text: 'abort via timeout or abort key' } } });
  });
});
