import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEcrProtocol } from '../../../harness/config/ecr-protocol.js';
import { packageRoot } from '../../../harness/core/paths.js';
import { maskEcrFrame } from './card-data.js';
import { encodeFrame } from './frame.js';
import { encodeMessage } from './message.js';

const nexi = loadEcrProtocol(join(packageRoot(), 'devices', 'protocols', 'nexi-traditional.ecr.yaml'));

describe('maskEcrFrame', () => {
  it('masks a full card number in the PAN field, zero padding and all, and keeps the rest of the frame', () => {
    const data = encodeMessage(nexi.messages['paymentApproved']!, { transactionType: 'VIS', hostDateTime: '3291743' }, { terminalId: '12345678', maskedPan: '4111111111111111', approvalCode: 'A1B2C3' });
    expect(data.ok).toBe(true);
    if (!data.ok) return;
    const frame = encodeFrame(nexi.framing, data.value);
    const masked = maskEcrFrame(nexi, frame);
    const text = Buffer.from(masked.bytes).toString('latin1');
    expect(masked.unparsed).toBeUndefined();
    expect(masked.bytes).toHaveLength(frame.length);
    expect(text).toContain('000411111******1111'.slice(1));
    expect(text).not.toContain('4111111111111111');
    expect(text).toContain('A1B2C3');
    expect(masked.spans).toEqual([expect.objectContaining({ kind: 'pan', where: `${nexi.id} field pan`, length: 6 })]);
  });

  it('leaves control bytes alone and masks what it cannot parse by the best guess', () => {
    expect(maskEcrFrame(nexi, Uint8Array.of(0x06)).spans).toEqual([]);
    const garbage = maskEcrFrame(nexi, Uint8Array.from(Buffer.from('\u0002junk 5555555555554444\u0003x')));
    expect(garbage.unparsed).toBe(`not a ${nexi.id} message`);
    expect(Buffer.from(garbage.bytes).toString('latin1')).toContain('555555******4444');
  });
});
