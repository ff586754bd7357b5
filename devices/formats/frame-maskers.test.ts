import { describe, expect, it } from 'vitest';
import { ndjsonFrames } from './frame-maskers.js';

describe('ndjsonFrames', () => {
  it('masks a line that is not UTF-8 by the JSON rules too: a field named for a card number', () => {
    const line = Buffer.concat([Buffer.from('{"pan":"4111111111111112","cardNumber":"5500005555555558","note":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    const masked = Buffer.from(ndjsonFrames.bytes(line).bytes).toString('latin1');
    expect(masked).toHaveLength(line.length);
    expect(masked).not.toContain('4111111111111112');
    expect(masked).not.toContain('5500005555555558');
    expect(masked.startsWith('{"pan":"411111')).toBe(true);
  });
});
