/**
 * The ZVT driver against a strict scripted terminal (any out-of-turn frame is a violation) over
 * a memory link, a real TCP socket and a real pty pair; and against raw peers for the line
 * level: refusals, NAK storms, silence, bad CRCs and frames that stall longer than T1.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { hex2, type Apdu } from '../protocols/zvt/apdu.js';
import { encodeApdu } from '../protocols/zvt/apdu.js';
import { fromBcd, readFields, toBcd } from '../protocols/zvt/bmp.js';
import type { ZvtForm } from '../protocols/zvt/link.js';
import { zvt, type Field } from '../protocols/zvt/messages.js';
import { encodeSerialFrame, SerialFrameDecoder } from '../protocols/zvt/serial-frame.js';
import { StrictTerminal, type Script } from '../protocols/zvt/test-support/strict-terminal.js';
import { createMemoryPair } from '../transports/memory.js';
import { createSocatPair } from '../transports/socat-pair.js';
import { SerialTransport } from '../transports/serial.js';
import { AcceptedSocketTransport, TcpTransport } from '../transports/tcp.js';
import type { Transport } from '../transports/transport.js';
import type { TerminalEvent } from './terminal.js';
import { ZvtTerminal } from './zvt-terminal.js';

const control = (a: Apdu) => hex2(a.cls) + hex2(a.instr);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EUR = { tag: 0x49, value: toBcd('0978', 2) };

/** A terminal's answers as a real one gives them; a sale waits for the test to present the card. */
function standardScript(terminal: () => StrictTerminal): (command: Apdu) => Script | undefined {
  return (command) => {
    switch (control(command)) {
      case '0600':
        return { answer: zvt.ack(), then: [zvt.completion([{ tag: 0x19, value: Uint8Array.of(0) }, { tag: 0x29, value: toBcd('12345678', 4) }, EUR])] };
      case '0501':
        return { answer: zvt.ack(), then: [zvt.statusCompletion('ACME T1 2.0.9', 0, [{ tag: 0x29, value: toBcd('12345678', 4) }])] };
      case '0601':
        return { answer: zvt.ack(), then: [zvt.intermediateStatus(0x0a)] };
      case '06B0':
        return terminal().master ? { answer: zvt.ack(), then: [zvt.abortFromTerminal(0x6c)] } : { answer: zvt.ack() };
      case '0630':
        return { answer: zvt.ack(), then: [zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(0) }, { tag: 0x87, value: readFields(command.data.subarray(3)).get(0x87)! }]), zvt.completion()] };
      case '0650':
        return { answer: zvt.ack(), then: [zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(0) }, { tag: 0x04, value: toBcd(1750, 6) }, EUR]), zvt.completion()] };
      case '0602':
        return { answer: zvt.ack() };
      default:
        return undefined;
    }
  };
}

function paymentResult(cents: number, result: number, receipt: number, trace: number): Uint8Array {
  const fields: Field[] = [{ tag: 0x27, value: Uint8Array.of(result) }, { tag: 0x04, value: toBcd(cents, 6) }, EUR, { tag: 0x0b, value: toBcd(trace, 3) }, { tag: 0x87, value: toBcd(receipt, 2) }];
  return zvt.statusInformation(fields);
}

function receipt(copy: string, total: string): Uint8Array[] {
  return [zvt.printLine(0, 'POSHIL BAKERY'), zvt.printLine(0, `TOTAL ${total}`), zvt.printLine(0xff, `${copy} COPY`)];
}

interface Rig {
  driver: ZvtTerminal;
  terminal: StrictTerminal;
  events: TerminalEvent[];
  notes: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The driver and a strict terminal on a memory link, a TCP socket on loopback, or a socat pty pair. */
async function rig(link: 'memory' | 'tcp' | 'pty'): Promise<Rig> {
  let ecrSide: Transport;
  let terminalSide: Transport;
  let form: ZvtForm = 'serial';
  if (link === 'memory') {
    [ecrSide, terminalSide] = createMemoryPair();
    await terminalSide.open();
  } else if (link === 'tcp') {
    form = 'tcp';
    let accepted!: (t: Transport) => void;
    const ready = new Promise<Transport>((resolve) => (accepted = resolve));
    const server: Server = createServer((socket) => accepted(new AcceptedSocketTransport(socket)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    ecrSide = new TcpTransport({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
    const opening = ecrSide.open();
    terminalSide = await ready;
    await opening;
  } else {
    const pair = await createSocatPair();
    cleanups.push(() => pair.stop());
    ecrSide = new SerialTransport({ path: pair.a, baudRate: 115200 });
    terminalSide = new SerialTransport({ path: pair.b, baudRate: 115200 });
    await terminalSide.open();
  }
  cleanups.push(() => terminalSide.close());
  let terminal!: StrictTerminal;
  terminal = new StrictTerminal(terminalSide, form, standardScript(() => terminal));
  const notes: string[] = [];
  const driver = new ZvtTerminal(ecrSide, form, { frame: () => undefined, discarded: () => undefined, note: (t) => notes.push(t) });
  cleanups.push(() => driver.close());
  const events: TerminalEvent[] = [];
  driver.onEvent((e) => events.push(e));
  await driver.open();
  return { driver, terminal, events, notes };
}

async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await wait(5);
  }
}

describe('ZvtTerminal against a strict terminal', () => {
  for (const link of ['memory', 'tcp', 'pty'] as const) {
    it(`registers, identifies, pays, voids by receipt number and closes the day over ${link}`, async () => {
      const { driver, terminal, events } = await rig(link);
      expect(await driver.identify({ timeoutMs: 3000 })).toMatchObject({ model: 'ACME T1', firmware: '2.0.9', serialNumber: '12345678', protocol: 'zvt' });
      const enquiry = terminal.commands.find((c) => control(c) === '0501')!;
      expect(Buffer.from(enquiry.data).toString('hex')).toBe('000000'); // the password
      expect(await driver.call('status', {}, { timeoutMs: 3000 })).toMatchObject({ ok: true, result: { state: 'idle', terminalStatus: '00', terminalId: '12345678' } });

      const sale = await driver.call('sale', { amount: 1250, currency: 'EUR' }, { timeoutMs: 3000 });
      expect(sale).toEqual({ ok: true, result: { txnId: 'ZVT-000001', state: 'awaiting_card' } });
      terminal.tell(paymentResult(1250, 0, 7, 123), ...receipt('CUSTOMER', 'EUR 12.50'), zvt.completion());
      await eventually(() => events.some((e) => e.name === 'status.changed' && (e.data as { txnId?: string }).txnId === 'ZVT-000001'));
      const completed = events.find((e) => e.name === 'transaction.completed')!;
      expect(completed.data).toMatchObject({ txnId: 'ZVT-000001', result: 'approved', amount: 1250, receiptNumber: 7, traceNumber: 123 });
      expect(events.find((e) => e.name === 'printer.output')!.data).toMatchObject({ txnId: 'ZVT-000001', copy: 'customer' });

      expect(await driver.call('void', { txnId: 'ZVT-000001' }, { timeoutMs: 3000 })).toMatchObject({ ok: true, result: { result: 'voided', receiptNumber: 7 } });
      expect(fromBcd(readFields(terminal.commands.at(-1)!.data.subarray(3)).get(0x87))).toBe('0007');
      expect(await driver.call('endOfDay', {}, { timeoutMs: 3000 })).toMatchObject({ ok: true, result: { totals: { amount: 1750, currency: 'EUR' } } });
      expect(await driver.call('logOff', {}, { timeoutMs: 3000 })).toMatchObject({ ok: true });
      await wait(20);
      expect(terminal.violations).toEqual([]);
    }, 20_000);
  }

  it('never gives a sale the receipt of the sale before it, and sends nothing until that exchange ended', async () => {
    const { driver, terminal, events, notes } = await rig('memory');
    await driver.call('sale', { amount: 1250, currency: 'EUR' }, { timeoutMs: 2000 });
    // This terminal prints the customer copy first; the case that waited for it moves on.
    terminal.tell(paymentResult(1250, 0, 1, 1), ...receipt('CUSTOMER', 'EUR 12.50'));
    await eventually(() => events.some((e) => e.name === 'printer.output'));
    const secondSale = driver.call('sale', { amount: 500, currency: 'EUR' }, { timeoutMs: 2000 });
    await wait(50);
    expect(terminal.commands.filter((c) => control(c) === '0601')).toHaveLength(1); // not sent yet
    terminal.tell(...receipt('MERCHANT', 'EUR 12.50'), zvt.completion());
    expect(await secondSale).toMatchObject({ ok: true, result: { txnId: 'ZVT-000002' } });
    terminal.tell(paymentResult(500, 0, 2, 2), ...receipt('MERCHANT', 'EUR 5.00'), ...receipt('CUSTOMER', 'EUR 5.00'), zvt.completion());
    await eventually(() => events.filter((e) => e.name === 'printer.output').length === 3);
    const receipts = events.filter((e) => e.name === 'printer.output').map((e) => e.data as { txnId: string; copy: string; lines: string[] });
    expect(receipts.map((r) => [r.txnId, r.copy, r.lines[1]])).toEqual([
      ['ZVT-000001', 'customer', 'TOTAL EUR 12.50'],
      ['ZVT-000002', 'merchant', 'TOTAL EUR 5.00'],
      ['ZVT-000002', 'customer', 'TOTAL EUR 5.00'],
    ]);
    expect(notes.some((n) => n.startsWith('printer.output of the Authorisation (06 01) of ZVT-000001 (12.50 EUR) arrived after the next command'))).toBe(true);
    expect(terminal.violations).toEqual([]);
  });

  it('refuses a new command, naming the open exchange, when the terminal does not end it in time', async () => {
    const { driver, terminal } = await rig('memory');
    await driver.call('sale', { amount: 1250, currency: 'EUR' }, { timeoutMs: 2000 });
    const reply = await driver.call('status', {}, { timeoutMs: 150 });
    expect(reply).toEqual({ ok: false, error: { code: 'ZVT_BUSY', message: expect.stringContaining('Authorisation (06 01) of ZVT-000001 (12.50 EUR): no Completion (06 0F) or Abort (06 1E) within 150 ms') } });
    expect(terminal.commands.map(control)).toEqual(['0600', '0601']);
    expect(terminal.violations).toEqual([]);
  });

  it('reports a decline once, from the status information; the Abort 06 1E ends the exchange', async () => {
    const { driver, terminal, events } = await rig('memory');
    await driver.call('sale', { amount: 1251, currency: 'EUR' }, { timeoutMs: 2000 });
    terminal.tell(paymentResult(1251, 0x51, 3, 3), zvt.abortFromTerminal(0x51));
    await eventually(() => events.some((e) => e.name === 'transaction.completed'));
    expect(await driver.call('status', {}, { timeoutMs: 2000 })).toMatchObject({ ok: true });
    expect(events.filter((e) => e.name.startsWith('transaction.')).map((e) => [e.name, (e.data as { result?: string; responseCode?: string }).responseCode])).toEqual([['transaction.completed', '51']]);
    expect(terminal.violations).toEqual([]);
  });

  it('aborts a sale waiting for a card with 06 B0 and hears the terminal end it with 06 1E', async () => {
    const { driver, terminal, events } = await rig('memory');
    await driver.call('sale', { amount: 1250, currency: 'EUR' }, { timeoutMs: 2000 });
    await eventually(() => events.some((e) => e.name === 'display.text'));
    expect(await driver.call('abort', {}, { timeoutMs: 2000 })).toEqual({ ok: true, result: { aborted: true, txnId: 'ZVT-000001', resultCode: '6C', reason: 'abort via timeout or abort key' } });
    expect(events.find((e) => e.name === 'transaction.failed')!.data).toMatchObject({ txnId: 'ZVT-000001', resultCode: '6C' });
    expect(await driver.call('abort', {}, { timeoutMs: 2000 })).toEqual({ ok: true, result: { aborted: false, state: 'idle' } });
    expect(terminal.commands.map(control)).toEqual(['0600', '0601', '06B0', '06B0']);
    expect(terminal.violations).toEqual([]);
  });
});

/**
 * The driver on a memory link whose far end ACKs every frame on the line and accepts the
 * registration; what it answers to later commands is up to the test (`answer`), and `refuse`
 * makes it NAK every frame instead.
 */
async function rawPair(timing = {}) {
  const [a, b] = createMemoryPair();
  await b.open();
  const notes: string[] = [];
  const driver = new ZvtTerminal(a, 'serial', { frame: () => undefined, discarded: () => undefined, note: (t) => notes.push(t) }, { timing });
  const decoder = new SerialFrameDecoder();
  const state = { refuse: false, answer: (_apdu: Uint8Array): Uint8Array[] => [], received: [] as number[] };
  b.onData((chunk) => {
    state.received.push(...chunk);
    for (const item of decoder.push(chunk)) {
      if (item.type !== 'frame') continue;
      void b.write(Uint8Array.of(state.refuse ? 0x15 : 0x06));
      if (state.refuse || item.apdu[0] === 0x80) continue;
      const replies = item.apdu[0] === 0x06 && item.apdu[1] === 0x00 ? [zvt.ack(), zvt.completion()] : state.answer(item.apdu);
      for (const reply of replies) void b.write(encodeSerialFrame(reply));
    }
  });
  await driver.open();
  await wait(5);
  return { driver, peer: b, notes, state };
}

describe('ZvtTerminal on the serial line', () => {
  it('turns a negative acknowledgement into a refusal with the result code in words', async () => {
    const { driver, state } = await rawPair();
    state.answer = () => [zvt.nack(0x6f)];
    expect(await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 2000 })).toEqual({ ok: false, error: { code: 'ZVT_6F', message: 'wrong currency' } });
    await driver.close();
  });

  it('gives the link up after the third refused attempt: the call fails, the link is lost, nothing more is sent', async () => {
    const { driver, notes, state } = await rawPair({ ackTimeoutMs: 100 });
    state.refuse = true;
    const lost: Error[] = [];
    driver.onLinkLost((e) => lost.push(e));
    await expect(driver.call('status', {}, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'E_ZVT_NO_ACK' });
    expect(notes.filter((n) => n.startsWith('NAK for frame'))).toEqual(['NAK for frame (attempt 1 of 3)', 'NAK for frame (attempt 2 of 3)', 'NAK for frame (attempt 3 of 3)']);
    expect(lost).toHaveLength(1);
    const before = state.received.length;
    await expect(driver.call('status', {}, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'E_ZVT_NO_ACK' });
    expect(state.received.length).toBe(before);
    await driver.close();
  });

  it('times out a terminal that acknowledges the frame but never answers', async () => {
    const { driver } = await rawPair();
    await expect(driver.call('status', {}, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'E_REPLY_TIMEOUT' });
    await driver.close();
  });

  it('refuses a frame that stalls longer than T1 with NAK, and takes its repeat', async () => {
    const { driver, peer, notes, state } = await rawPair({ interByteMs: 40 });
    state.answer = () => [zvt.ack()];
    const events: TerminalEvent[] = [];
    driver.onEvent((e) => events.push(e));
    await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 2000 });
    const frame = encodeSerialFrame(zvt.intermediateStatus(0x0a));
    await peer.write(frame.subarray(0, 4));
    await wait(150);
    expect(state.received).toContain(0x15);
    expect(notes.some((n) => n.startsWith('T1_TIMEOUT'))).toBe(true);
    await peer.write(frame);
    await eventually(() => events.some((e) => e.name === 'display.text'));
    await driver.close();
  });

  it('answers a frame with a bad CRC with NAK and keeps it as evidence', async () => {
    const { driver, peer, notes, state } = await rawPair();
    const frame = encodeSerialFrame(encodeApdu({ cls: 0x04, instr: 0xff, data: Uint8Array.of(0x0a) }));
    frame[frame.length - 1] = frame.at(-1)! ^ 0x01;
    await peer.write(frame);
    await wait(20);
    expect(state.received).toContain(0x15);
    expect(notes.some((n) => n.startsWith('CRC_MISMATCH'))).toBe(true);
    await driver.close();
  });

  it('turns a print text block (TLV text lines) into one receipt of the open sale', async () => {
    const { driver, peer, state } = await rawPair();
    state.answer = () => [zvt.ack()];
    await driver.call('sale', { amount: 100, currency: 'EUR' }, { timeoutMs: 2000 });
    const receipts: unknown[] = [];
    driver.onEvent((e) => e.name === 'printer.output' && receipts.push(e.data));
    const line = (text: string) => [0x07, text.length, ...Buffer.from(text, 'latin1')];
    const lines = [...line('TOTAL EUR 1.00'), ...line('CUSTOMER COPY')];
    const container = [0x25, lines.length, ...lines];
    await peer.write(encodeSerialFrame(encodeApdu({ cls: 0x06, instr: 0xd3, data: Uint8Array.from([0x06, container.length, ...container]) })));
    await wait(20);
    expect(receipts).toEqual([expect.objectContaining({ txnId: 'ZVT-000001', copy: 'customer', lines: ['TOTAL EUR 1.00', 'CUSTOMER COPY'] })]);
    await driver.close();
  });
});
