import { describe, expect, it } from 'vitest';
import { scanForCardData } from './card-data-scan.js';

const PAN = '4111111111111111';

describe('scanForCardData (the guard itself)', () => {
  it('finds a card number in every encoding evidence could carry it', () => {
    const forms = {
      plain: `{"note":"card ${PAN}"}`,
      hexLower: Buffer.from(`CARD ${PAN}\n`).toString('hex'),
      hexUpper: Buffer.from(`CARD ${PAN}\n`).toString('hex').toUpperCase(),
      hexOdd: `a${Buffer.from(`CARD ${PAN}\n`).toString('hex')}`,
      bcdInHex: `22f0f8${PAN}27`,
      base64: Buffer.from(`receipt CARD ${PAN} end`).toString('base64'),
      utf16: Buffer.from(`card ${PAN}`, 'utf16le').toString('latin1'),
      utf16Hex: Buffer.from(`card ${PAN}`, 'utf16le').toString('hex'),
      track: ';5555555555554444=31061010000012300000?',
    };
    for (const [form, text] of Object.entries(forms)) expect(scanForCardData(Buffer.from(text, 'latin1'), [PAN]), form).not.toEqual([]);
    expect(scanForCardData(Buffer.from('unknown 5555 5555555554444x 378282246310005.'), [])).toHaveLength(1);
  });

  it('finds nothing in masked evidence, hashes and timestamps', () => {
    const clean = [
      '{"escpos":"' + Buffer.from('CARD 411111******1111').toString('hex') + '"}',
      'sha256 ed4d8c271baa24d3a32b4334f37e450a8e4f11b6d69c41160091daddebdadae8 5d41402abc4b2a76b9719d911017c592',
      '"ms":1764092400123 "at":"2026-11-25T17:43:07Z" TXN-000123 411111******1111',
      ';411111******1111=********************?',
    ].join('\n');
    expect(scanForCardData(Buffer.from(clean), [PAN])).toEqual([]);
  });
});
