import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc16ccitt } from 'crc';
import QRCode from 'qrcode';
import jsqrModule from 'jsqr';
import { buildEmvQr, emvQrCrc, parseEmvQr } from './emv-qr.js';

// jsqr is CommonJS with an ES-style default export; depending on the loader it arrives wrapped.
const jsQR = ((jsqrModule as unknown as { default?: unknown }).default ?? jsqrModule) as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

const SPEC_EXAMPLE =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';

describe('EMV merchant QR', () => {
  it('parses the specification example and checks its CRC A13A over UTF-8', () => {
    const parsed = parseEmvQr(SPEC_EXAMPLE);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({ crc: 'A13A', merchantName: 'BEST TRANSPORT', currency: '156', amount: '23.72', dynamic: true });
    const language = parsed.value.objects.find((o) => o.id === '64');
    expect(language?.children?.find((c) => c.id === '01')?.value).toBe('最佳运输');
  });

  it('agrees with the crc package on CRC-16/CCITT-FALSE', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(emvQrCrc(text)).toBe(crc16ccitt(Buffer.from(text, 'utf8')).toString(16).toUpperCase().padStart(4, '0'));
      }),
    );
  });

  it('round-trips built payloads and detects any single-character change (property)', () => {
    const arbitrary = fc.record({ name: fc.stringMatching(/^[A-Z ]{1,25}$/), amount: fc.stringMatching(/^[1-9]\d{0,4}\.\d\d$/), city: fc.stringMatching(/^[A-Z]{1,15}$/) });
    fc.assert(
      fc.property(arbitrary, fc.nat(), fc.integer({ min: 1, max: 94 }), ({ name, amount, city }, pos, shift) => {
        const payload = buildEmvQr([
          { id: '00', value: '01' },
          { id: '01', value: '12' },
          { id: '26', value: [{ id: '00', value: 'eu.poshil.pay' }] },
          { id: '53', value: '978' },
          { id: '54', value: amount },
          { id: '59', value: name },
          { id: '60', value: city },
        ]);
        expect(parseEmvQr(payload)).toMatchObject({ ok: true, value: { merchantName: name, amount, merchantCity: city } });
        const i = pos % payload.length;
        const changed = String.fromCharCode(((payload.charCodeAt(i) - 32 + shift) % 95) + 32);
        expect(parseEmvQr(payload.slice(0, i) + changed + payload.slice(i + 1)).ok).toBe(false);
      }),
    );
  });

  it('refuses a wrong CRC and a truncated payload', () => {
    expect(parseEmvQr(SPEC_EXAMPLE.slice(0, -1) + 'B')).toMatchObject({ ok: false, error: { code: 'CRC_MISMATCH' } });
    expect(parseEmvQr(SPEC_EXAMPLE.slice(0, 60))).toMatchObject({ ok: false });
  });

  it('survives a round trip through a QR image (qrcode → jsqr)', () => {
    const payload = buildEmvQr([{ id: '00', value: '01' }, { id: '01', value: '11' }, { id: '53', value: '978' }, { id: '59', value: 'POSHIL BAKERY' }, { id: '60', value: 'BERLIN' }]);
    const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
    const scale = 4;
    const size = (qr.modules.size + 8) * scale;
    const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
    for (let y = 0; y < qr.modules.size; y++)
      for (let x = 0; x < qr.modules.size; x++)
        if (qr.modules.get(x, y))
          for (let dy = 0; dy < scale; dy++)
            for (let dx = 0; dx < scale; dx++) {
              const p = (((y + 4) * scale + dy) * size + (x + 4) * scale + dx) * 4;
              pixels[p] = pixels[p + 1] = pixels[p + 2] = 0;
            }
    const decoded = jsQR(pixels, size, size);
    expect(decoded?.data).toBe(payload);
    expect(parseEmvQr(decoded!.data).ok).toBe(true);
  });
});
