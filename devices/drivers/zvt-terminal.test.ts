/** The ZVT driver against a scripted terminal on a memory link: refusals, silence, bad frames. */
import { describe, expect, it } from 'vitest';
import { encodeApdu } from '../protocols/zvt/apdu.js';
import { encodeSerialFrame, SerialFrameDecoder } from '../protocols/zvt/serial-frame.js';
import { createMemoryPair } from '../transports/memory.js';
import type { Transport } from '../transports/transport.js';
import { ZvtTerminal } from './zvt-terminal.js';

/** A driver on a memory link whose far end accepts the registration, then is up to the test. */
async function pair(): Promise<{ driver: ZvtTerminal; peer: Transport; notes: string[] }> {
  const [a, b] = createMemoryPair();
  await b.open();
  const notes: string[] = [];
  const driver = new ZvtTerminal(a, 'serial', { frame: () => undefined, discarded: () => undefined, note: (t) => notes.push(t) });
  const registration = new SerialFrameDecoder();
  const off = b.onData((chunk) => {
    if (registration.push(chunk).some((i) => i.type === 'frame')) {
      off();
      void b.write(Uint8Array.of(0x06));
      void b.write(encodeSerialFrame(encodeApdu({ cls: 0x80, instr: 0x00, data: new Uint8Array() })));
    }
  });
  await driver.open();
  await new Promise((r) => setTimeout(r, 5));
  return { driver, peer: b, notes };
}

describe('ZvtTerminal', () => {
  it('turns a negative acknowledgement into a refusal with the result code in words', async () => {
    const { driver, peer } = await pair();
    const decoder = new SerialFrameDecoder();
    peer.onData((chunk) => {
      for (const item of decoder.push(chunk)) {
        if (item.type !== 'frame') continue;
        void peer.write(Uint8Array.of(0x06));
        void peer.write(encodeSerialFrame(encodeApdu({ cls: 0x84, instr: 0x6f, data: new Uint8Array() })));
      }
    });
    const reply = await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 2000 });
    expect(reply).toEqual({ ok: false, error: { code: 'ZVT_6F', message: 'wrong currency' } });
    await driver.close();
  });

  it('gives up with E_ZVT_NO_ACK after a NAK storm, noting every repeat', async () => {
    const { driver, peer, notes } = await pair();
    peer.onData(() => void peer.write(Uint8Array.of(0x15)));
    await expect(driver.call('status', {}, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'E_ZVT_NO_ACK' });
    expect(notes.filter((n) => n.startsWith('NAK for frame'))).toHaveLength(3);
    await driver.close();
  });

  it('times out a terminal that acknowledges the frame but never answers', async () => {
    const { driver, peer } = await pair();
    peer.onData(() => void peer.write(Uint8Array.of(0x06)));
    await expect(driver.call('status', {}, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'E_REPLY_TIMEOUT' });
    await driver.close();
  });

  it('turns a print text block (TLV text lines) into one receipt', async () => {
    const { driver, peer } = await pair();
    const receipts: unknown[] = [];
    driver.onEvent((e) => e.name === 'printer.output' && receipts.push(e.data));
    const line = (text: string) => [0x07, text.length, ...Buffer.from(text, 'latin1')];
    const lines = [...line('TOTAL EUR 1.00'), ...line('CUSTOMER COPY')];
    const container = [0x25, lines.length, ...lines];
    await peer.write(encodeSerialFrame(encodeApdu({ cls: 0x06, instr: 0xd3, data: Uint8Array.from([0x06, container.length, ...container]) })));
    await new Promise((r) => setTimeout(r, 20));
    expect(receipts).toEqual([expect.objectContaining({ copy: 'customer', lines: ['TOTAL EUR 1.00', 'CUSTOMER COPY'] })]);
    await driver.close();
  });

  it('answers a frame with a bad CRC with NAK and keeps it as evidence', async () => {
    const { driver, peer, notes } = await pair();
    const sent: number[] = [];
    peer.onData((chunk) => sent.push(...chunk));
    const frame = encodeSerialFrame(encodeApdu({ cls: 0x04, instr: 0xff, data: Uint8Array.of(0x0a) }));
    frame[frame.length - 1] = frame.at(-1)! ^ 0x01;
    await peer.write(frame);
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toContain(0x15);
    expect(notes.some((n) => n.startsWith('CRC_MISMATCH'))).toBe(true);
    await driver.close();
  });
});
