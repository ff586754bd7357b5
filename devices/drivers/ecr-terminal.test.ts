/**
 * The generic ECR driver against a strict scripted terminal on a memory link (Nexi description:
 * no sessions, LRC from 0x7F): strict turn-taking, responses tied to their request, bad
 * checksums NAKed and kept, garbage recorded, and a link that gives up after its attempts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEcrProtocol } from '../../harness/config/ecr-protocol.js';
import { packageRoot } from '../../harness/core/paths.js';
import type { WireTap } from '../framing/wire-tap.js';
import type { EcrProtocol } from '../protocols/ecr/description.js';
import { EcrFrameDecoder, encodeFrame } from '../protocols/ecr/frame.js';
import { decodeMessage, encodeMessage } from '../protocols/ecr/message.js';
import { createMemoryPair } from '../transports/memory.js';
import type { Transport } from '../transports/transport.js';
import { EcrTerminal, ecrFrames } from './ecr-terminal.js';
import type { TerminalEvent } from './terminal.js';

const nexi = loadEcrProtocol(join(packageRoot(), 'devices', 'protocols', 'nexi-traditional.ecr.yaml'));
const fast: EcrProtocol = { ...nexi, framing: { ...nexi.framing, ackTimeoutMs: 50 } };

interface Tap extends WireTap {
  log: string[];
}

function tap(): Tap {
  const log: string[] = [];
  return { log, frame: (dir, f) => log.push(`${dir} ${Buffer.from(f as Uint8Array).toString('hex')}`), discarded: (dir, b, why) => log.push(`discarded ${dir} ${why} ${Buffer.from(b).toString('hex')}`), note: (t) => log.push(`note ${t}`) };
}

/** A driver and the far end of its link: every request frame is recorded and acknowledged. */
async function setup(protocol = nexi, acknowledge = true) {
  const [a, b] = createMemoryPair();
  await b.open();
  const wire = tap();
  const driver = new EcrTerminal(a, protocol, wire);
  const events: TerminalEvent[] = [];
  driver.onEvent((e) => events.push(e));
  const requests: string[] = [];
  const decoder = new EcrFrameDecoder(protocol.framing);
  b.onData((chunk) => {
    for (const item of decoder.push(chunk)) {
      if (item.type !== 'frame') continue;
      const decoded = decodeMessage(protocol, item.data, 'request');
      requests.push(decoded.ok ? `${decoded.value.message}:${decoded.value.values['reference']}` : 'undecodable');
      if (acknowledge) void b.write(Uint8Array.of(protocol.framing.ack));
    }
  });
  await driver.open();
  return { driver, terminal: b, events, requests, wire };
}

function response(terminal: Transport, message: string, sources: Record<string, string>, corrupt = false): Promise<void> {
  const data = encodeMessage(nexi.messages[message]!, {}, sources);
  if (!data.ok) throw new Error(data.error.reason);
  const frame = encodeFrame(nexi.framing, data.value);
  if (corrupt) frame[frame.length - 1]! ^= 0xff;
  return terminal.write(frame);
}

const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('EcrTerminal', () => {
  it('answers a sale once the terminal acknowledged it, and turns the response into transaction.completed', async () => {
    const { driver, terminal, events } = await setup();
    const reply = await driver.call('sale', { amount: 1250, currency: 'EUR' }, { timeoutMs: 1000 });
    expect(reply).toEqual({ ok: true, result: { txnId: 'ECR-000001', state: 'awaiting_card' } });
    await response(terminal, 'paymentApproved', { reference: '000001', maskedPan: '411111******1111', approvalCode: 'A1B2C3', terminalId: '12345678' });
    await settle();
    expect(events.map((e) => e.name)).toEqual(['transaction.completed']);
    expect(events[0]!.data).toMatchObject({ txnId: 'ECR-000001', result: 'approved', maskedPan: '411111******1111', approvalCode: 'A1B2C3', resultCode: '00' });
    await driver.close();
  });

  it('sends no new request while an exchange is open, and says so after the time-out', async () => {
    const { driver, terminal, requests, events } = await setup();
    await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 1000 });
    const second = driver.call('sale', { amount: 200, currency: 'EUR' }, { timeoutMs: 150 });
    await expect(second).rejects.toMatchObject({ code: 'E_REPLY_TIMEOUT', message: expect.stringMatching(/the sale exchange ECR-000001 is still open/) });
    expect(requests).toHaveLength(1);
    // Once the terminal ends the first exchange, the next request goes out.
    const third = driver.call('sale', { amount: 300, currency: 'EUR' }, { timeoutMs: 1000 });
    await settle();
    expect(requests).toHaveLength(1);
    await response(terminal, 'paymentDeclined', { text: 'DECLINED' });
    await expect(third).resolves.toMatchObject({ ok: true });
    expect(requests).toHaveLength(2);
    expect(events.map((e) => [e.name, (e.data as { result: string }).result])).toEqual([['transaction.completed', 'declined']]);
    await driver.close();
  });

  it('a response to no open request is evidence, never an event', async () => {
    const { driver, terminal, events, wire } = await setup();
    await response(terminal, 'paymentApproved', { approvalCode: 'ZZZZZZ' });
    await settle();
    expect(events).toEqual([]);
    expect(wire.log.some((l) => /note response paymentApproved to no open request/.test(l))).toBe(true);
    await driver.close();
  });

  it('NAKs a frame with a bad checksum, keeps it in the transcript, and takes the repeat', async () => {
    const { driver, terminal, events, wire } = await setup();
    await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 1000 });
    const sent: number[] = [];
    terminal.onData((chunk) => sent.push(...chunk));
    await response(terminal, 'paymentDeclined', { text: 'NO' }, true);
    await settle();
    expect(sent).toContain(0x15);
    expect(wire.log.some((l) => l.startsWith('discarded rx BAD_CHECKSUM 02'))).toBe(true);
    expect(events).toEqual([]);
    await response(terminal, 'paymentDeclined', { text: 'NO' });
    await settle();
    expect(sent.at(-1)).toBe(0x06);
    expect(events).toHaveLength(1);
    await driver.close();
  });

  it('records garbage between frames and goes on', async () => {
    const { driver, terminal, events, wire } = await setup();
    await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 1000 });
    await terminal.write(Uint8Array.from([0x41, 0x42, 0xff]));
    await response(terminal, 'paymentDeclined', { text: 'NO' });
    await settle();
    expect(wire.log).toContain('discarded rx STRAY_BYTES 4142ff');
    expect(events).toHaveLength(1);
    await driver.close();
  });

  it('repeats an unacknowledged request, then fails the call with E_ECR_NO_ACK and closes the exchange', async () => {
    const { driver, requests } = await setup(fast, false);
    await expect(driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_ECR_NO_ACK' });
    expect(requests).toHaveLength(3);
    // The failed exchange does not block the next request.
    await expect(driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_ECR_NO_ACK' });
    expect(requests).toHaveLength(6);
    await driver.close();
  });

  it('Concert sessions: ENQ until answered, then the frame, then EOT — and EOT after the last failed ENQ', async () => {
    const concert = loadEcrProtocol(join(packageRoot(), 'devices', 'protocols', 'concert-v2.ecr.yaml'));
    const [a, b] = createMemoryPair();
    await b.open();
    const driver = new EcrTerminal(a, { ...concert, framing: { ...concert.framing, ackTimeoutMs: 40 } });
    const seen: number[] = [];
    b.onData((chunk) => seen.push(...chunk));
    await driver.open();
    await expect(driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'E_ECR_NO_ACK', message: expect.stringMatching(/ENQ after 3 attempts/) });
    expect(seen).toEqual([0x05, 0x05, 0x05, 0x04]);
    // The terminal's own session: the driver answers ENQ and the frame with ACK, and takes the response.
    const events: TerminalEvent[] = [];
    driver.onEvent((e) => events.push(e));
    seen.length = 0;
    const decoder = new EcrFrameDecoder(concert.framing);
    b.onData((chunk) => {
      for (const item of decoder.push(chunk)) {
        if ((item.type === 'control' && item.byte === 'enq') || item.type === 'frame') void b.write(Uint8Array.of(0x06));
      }
    });
    await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 1000 });
    const data = encodeMessage(concert.messages['paymentResult']!, { status: '7' }, { amount: '100', currency: '978', reference: '000002' });
    if (!data.ok) throw new Error(data.error.reason);
    seen.length = 0;
    await b.write(Uint8Array.of(0x05));
    await settle();
    await b.write(encodeFrame(concert.framing, data.value));
    await settle();
    await b.write(Uint8Array.of(0x04));
    await settle();
    expect(seen).toEqual([0x06, 0x06]);
    expect(events.map((e) => [e.name, (e.data as { result: string }).result])).toEqual([['transaction.completed', 'declined']]);
    await driver.close();
  });

  it('a receipt inside the sale’s exchange is its printer.output; one outside any exchange is not counted', async () => {
    const template = loadEcrProtocol(join(packageRoot(), 'devices', 'protocols', 'template.ecr.yaml'));
    const { driver, terminal, events, wire } = await setup(template);
    const send = async (message: string, sources: Record<string, string>, values: Record<string, string> = {}) => {
      const data = encodeMessage(template.messages[message]!, values, sources);
      if (!data.ok) throw new Error(data.error.reason);
      await terminal.write(encodeFrame(template.framing, data.value));
      await settle();
    };
    await send('receipt', { receipt: 'OLD SALE|CUSTOMER COPY' });
    expect(events).toEqual([]);
    expect(wire.log.some((l) => /receipt \(printer\.output\) outside any exchange: not counted/.test(l))).toBe(true);
    await driver.call('sale', { amount: 500, currency: 'EUR' }, { timeoutMs: 1000 });
    await send('receipt', { receipt: 'TOTAL EUR 5.00|CUSTOMER COPY' });
    await send('result', { reference: '000001', amount: '500', currency: '978', approvalCode: 'ABC123' }, { responseCode: '00' });
    expect(events.map((e) => e.name)).toEqual(['printer.output', 'transaction.completed']);
    expect(events[0]!.data).toMatchObject({ copy: 'customer', txnId: 'ECR-000001', lines: ['TOTAL EUR 5.00', 'CUSTOMER COPY'] });
    expect(events[1]!.data).toMatchObject({ txnId: 'ECR-000001', result: 'approved', responseCode: '00', approvalCode: 'ABC123' });
    await driver.close();
  });

  it('reports a full card number masked, and the transcript masker hides it in the frame', async () => {
    const { driver, terminal, events, wire } = await setup();
    await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 1000 });
    await response(terminal, 'paymentApproved', { maskedPan: '4111111111111111', approvalCode: 'A1B2C3' });
    await settle();
    expect(events[0]!.data).toMatchObject({ maskedPan: '411111******1111' });
    // The wire tap sees the bytes as they came; the transcript masks them by the description.
    const pan = Buffer.from('4111111111111111', 'latin1').toString('hex');
    const received = wire.log.find((l) => l.startsWith('rx ') && l.includes(pan))!;
    const masked = ecrFrames(nexi).bytes(Uint8Array.from(Buffer.from(received.slice(3), 'hex')));
    expect(Buffer.from(masked.bytes).toString('hex')).not.toContain(pan);
    expect(Buffer.from(masked.bytes).toString('hex')).toContain(Buffer.from('411111******1111', 'latin1').toString('hex'));
    await driver.close();
  });

  it('refuses amounts the layout cannot hold, without sending', async () => {
    const { driver, requests } = await setup();
    const reply = await driver.call('sale', { amount: 1_000_000_000, currency: 'EUR' }, { timeoutMs: 500 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_ARGS' } });
    expect(requests).toEqual([]);
    await driver.close();
  });
});
