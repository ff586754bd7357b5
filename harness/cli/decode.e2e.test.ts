import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReceiptEncoder } from '../../devices/formats/escpos-encode.js';
import { poshil, workspace } from './test-support/cli.js';

describe('poshil decode (black box)', () => {
  it('decodes tracks, QR, TLV and ESC/POS as JSON with card numbers masked', async () => {
    const track = await poshil(['decode', 'track', '%B4111111111111111^TEST/POSHIL^30121010000000000000?;4111111111111111=30121010000000000000?']);
    expect(track.exitCode).toBe(0);
    expect(JSON.parse(track.stdout)).toMatchObject({ track1: { pan: '411111******1111', name: 'TEST/POSHIL' }, track2: { expiry: '3012', serviceCode: '101' } });
    expect(track.stdout).not.toContain('4111111111111111');
    const qr = await poshil(['decode', 'qr', '00020101021126340013eu.poshil.pay0113MERCHANT-00015204541153039785802DE5913POSHIL BAKERY6006BERLIN6304928E']);
    expect(JSON.parse(qr.stdout)).toMatchObject({ merchantName: 'POSHIL BAKERY', crc: '928E' });
    const tlv = await poshil(['decode', 'tlv', '9F0206000000001000 5A084111111111111111']);
    expect(JSON.parse(tlv.stdout)[1]).toMatchObject({ tag: '5A', value: '411111******1111' });
    const dir = workspace();
    // A receipt that printed what it must not: decode shows it masked all the same.
    writeFileSync(join(dir, 'r.bin'), new ReceiptEncoder().initialise().bold(true).line('TOTAL EUR 1.00').bold(false).line('CARD 4539148803436467').line(';4539148803436467=30121010000000000000?').cut().encode());
    const receipt = await poshil(['decode', 'escpos', `@${join(dir, 'r.bin')}`]);
    expect(JSON.parse(receipt.stdout)).toMatchObject({ lines: [{ text: 'TOTAL EUR 1.00', bold: true }, { text: 'CARD 453914******6467' }, { text: ';453914******6467=********************?' }], cuts: [{ type: 'partial' }] });
    expect(receipt.stdout).not.toMatch(/4539148803436467|30121010000000000000/);
  });

  it('decodes a ZVT APDU', async () => {
    const zvt = await poshil(['decode', 'zvt', '06 01 07 04 00 00 00 00 10 00']);
    expect(JSON.parse(zvt.stdout)).toMatchObject({ command: 'Authorisation', fields: [{ name: 'amount', text: '10.00' }] });
    // A status enquiry's Completion: software version (LLLVAR), terminal status byte, then BMPs.
    const completion = await poshil(['decode', 'zvt', '06 0F 0C F0 F0 F5 41 42 43 44 45 00 49 09 78']);
    expect(JSON.parse(completion.stdout)).toMatchObject({ command: 'Completion', softwareVersion: 'ABCDE', terminalStatus: '00', fields: [{ tag: '49' }] });
  });

  it('names the reason and offset of what does not decode, with exit code 2', async () => {
    const result = await poshil(['decode', 'track', ';4111111111111112=3012101?']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('track does not decode: the PAN fails the Luhn check (at offset 1) [E_DECODE_LUHN]');
  });
});
