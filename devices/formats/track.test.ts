import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildTrack1, buildTrack2, isExpired, parseSwipe, parseTrack2, serviceCodeRequiresChip, trackLrc } from './track.js';

describe('tracks', () => {
  it('parses the DOMAIN.md public sample swipe (tracks 1 and 2, no LRC)', () => {
    const sample = '%B5350290149345177^FATEHI/SUALEH^16042010000000000000000?;5350290149345177=16042010000056700100?';
    const parsed = parseSwipe(sample);
    expect(parsed.ok && parsed.value.track2).toMatchObject({ pan: '5350290149345177', expiry: '1604', serviceCode: '201', lrc: 'absent' });
    expect(parsed.ok && parsed.value.track1?.name).toBe('FATEHI/SUALEH');
  });

  it('computes the LRC as the XOR of the track characters in their bit encoding', () => {
    // ;1=0? in 4-bit codes: B,1,D,0,F → XOR = B^1^D^0^F = 8 → '8'
    expect(trackLrc(2, ';1=0?')).toBe('8');
    const t2 = buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' });
    expect(parseTrack2(t2)).toMatchObject({ ok: true, value: { lrc: 'checked' } });
  });

  it('refuses a bad LRC, a Luhn failure, a bad month and garbage with offsets', () => {
    const t2 = buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' }, false);
    const wrongLrc = String.fromCharCode(((trackLrc(2, t2).charCodeAt(0) - 0x30 + 1) & 0xf) + 0x30);
    expect(parseSwipe(t2 + wrongLrc)).toMatchObject({ ok: false, error: { code: 'LRC_MISMATCH', offset: t2.length } });
    expect(parseSwipe(';4111111111111112=3012101?')).toMatchObject({ ok: false, error: { code: 'LUHN', offset: 1 } });
    expect(parseSwipe(';4111111111111111=3013101?')).toMatchObject({ ok: false, error: { code: 'BAD_EXPIRY' } });
    expect(parseSwipe('\u0000garbled')).toMatchObject({ ok: false, error: { code: 'UNREADABLE' } });
    expect(parseSwipe(';4111111111111111=3012')).toMatchObject({ ok: false, error: { code: 'TRUNCATED' } });
  });

  it('round-trips built swipes and, with the LRC required, detects any single-character corruption (property)', () => {
    const pans = ['4111111111111111', '5555555555554444', '378282246310005'];
    fc.assert(
      fc.property(fc.constantFrom(...pans), fc.integer({ min: 24, max: 39 }), fc.integer({ min: 1, max: 12 }), fc.nat(), fc.nat(), (pan, yy, mm, pos, delta) => {
        const f = { pan, name: 'TEST/POSHIL', expiry: `${yy}${String(mm).padStart(2, '0')}`, serviceCode: '101', discretionary: '000' };
        const swipe = buildTrack1(f) + buildTrack2(f);
        const parsed = parseSwipe(swipe);
        expect(parsed.ok && parsed.value.track2).toMatchObject({ pan, expiry: f.expiry, lrc: 'checked' });
        const t2 = buildTrack2(f);
        const i = 1 + (pos % (t2.length - 1));
        const original = t2.charCodeAt(i) - 0x30;
        const changed = String.fromCharCode(((original + 1 + (delta % 15)) & 0xf) + 0x30);
        const corrupted = t2.slice(0, i) + changed + t2.slice(i + 1);
        expect(parseTrack2(corrupted, 0, { requireLrc: true }).ok).toBe(false);
      }),
    );
  });

  it('knows expiry and chip service codes', () => {
    const now = new Date('2026-11-24T00:00:00Z');
    expect(isExpired('2611', now)).toBe(false);
    expect(isExpired('2610', now)).toBe(true);
    expect(serviceCodeRequiresChip('201')).toBe(true);
    expect(serviceCodeRequiresChip('101')).toBe(false);
  });
});
