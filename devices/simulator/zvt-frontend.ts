/**
 * The simulated terminal speaking ZVT as a payment terminal (PT) does: it acknowledges the ECR's
 * commands, then reports as master — intermediate status while it waits for the card, status
 * information with the result, the receipt as print lines, and completion or abort.
 */
import { CURRENCY_NUMERIC } from '../formats/emv-qr.js';
import { decodeApdu, hex2 } from '../protocols/zvt/apdu.js';
import { fromBcd, readFields, toBcd } from '../protocols/zvt/bmp.js';
import { ZvtLink, type ZvtForm } from '../protocols/zvt/link.js';
import { zvt } from '../protocols/zvt/messages.js';
import type { Transport } from '../transports/transport.js';
import type { SimulatedTerminal } from './terminal.js';

const ALPHA_BY_NUMERIC = Object.fromEntries(Object.entries(CURRENCY_NUMERIC).map(([alpha, numeric]) => [numeric, alpha]));
const LAST_LINE = 0xff;

/** ZVT result codes for the simulator's own refusal and failure reasons. */
const RESULT_FOR: Readonly<Record<string, number>> = {
  BUSY: 0x83,
  BAD_ARGS: 0x83,
  CURRENCY_NOT_SUPPORTED: 0x6f,
  CARD_TIMEOUT: 0x6c,
  ABORTED: 0x6c,
  HOST_TIMEOUT: 0xa0,
  REBOOT: 0xff,
  POWER_LOST: 0xff,
};

export class ZvtSession {
  private readonly link: ZvtLink;
  private readonly off: () => void;

  constructor(
    transport: Transport,
    form: ZvtForm,
    private readonly terminal: SimulatedTerminal,
    private readonly identity: { model: string; terminalId: string },
  ) {
    this.link = new ZvtLink(transport, form);
    this.link.onApdu((apdu) => void this.receive(apdu));
    this.off = terminal.onEvent((event, data) => this.forward(event, data as Record<string, unknown>));
    transport.onClose(() => this.off());
  }

  private send(apdu: Uint8Array): void {
    this.link.send(apdu).catch(() => undefined);
  }

  private async receive(bytes: Uint8Array): Promise<void> {
    const decoded = decodeApdu(bytes);
    if (!decoded.ok) return this.send(zvt.nack(0x83));
    const { cls, instr, data } = decoded.value;
    const control = hex2(cls) + hex2(instr);
    if (cls === 0x80 || cls === 0x84) return; // the ECR acknowledging our messages
    const fields = () => readFields(data);
    const money = (f: Map<number, Uint8Array>) => ({ amount: Number(fromBcd(f.get(0x04)) ?? '0'), currency: ALPHA_BY_NUMERIC[(fromBcd(f.get(0x49)) ?? '0978').replace(/^0/, '')] ?? 'EUR' });
    switch (control) {
      case '0600':
        this.send(zvt.ack());
        return this.send(zvt.completion());
      case '0501':
        this.send(zvt.ack());
        this.send(zvt.statusInformation([
          { tag: 0x27, value: Uint8Array.of(0) },
          { tag: 0x29, value: toBcd(this.identity.terminalId, 4) },
          { tag: 0x3c, value: Uint8Array.from(Buffer.from(`${this.identity.model} SW ${this.terminal.firmware}`, 'latin1')) },
        ]));
        return this.send(zvt.completion());
      case '0601': {
        const reply = await this.terminal.handle('sale', money(fields()));
        if (!reply.ok) return this.send(zvt.nack(RESULT_FOR[reply.error.code] ?? 0x83));
        this.send(zvt.ack());
        return this.send(zvt.intermediateStatus(0x0a));
      }
      case '0631': {
        const f = readFields(data.subarray(3));
        const reply = await this.terminal.handle('refund', money(f));
        if (!reply.ok) return this.send(zvt.nack(RESULT_FOR[reply.error.code] ?? 0x83));
        this.send(zvt.ack());
        this.send(zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(0) }, ...moneyFields(money(f).amount, money(f).currency)]));
        return this.send(zvt.completion());
      }
      case '061E':
        await this.terminal.handle('abort', {});
        return this.send(zvt.ack());
      case '0650': {
        const reply = await this.terminal.handle('endOfDay', {});
        this.send(zvt.ack());
        this.send(zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(reply.ok ? 0 : 0x77) }]));
        return this.send(zvt.completion());
      }
      case '0670':
        this.send(zvt.ack());
        return this.send(zvt.completion());
      default:
        return this.send(zvt.nack(0x83));
    }
  }

  /** What the ECR hears of the terminal's events. */
  private forward(event: string, data: Record<string, unknown>): void {
    switch (event) {
      case 'card.rejected':
      case 'qr.rejected':
        return this.send(zvt.intermediateStatus(0x10));
      case 'host.request':
        return this.send(zvt.intermediateStatus(0x0e));
      case 'transaction.completed': {
        const approved = data['result'] === 'approved';
        const pan = typeof data['maskedPan'] === 'string' ? data['maskedPan'] : undefined;
        const approval = typeof data['approvalCode'] === 'string' ? data['approvalCode'] : undefined;
        this.send(zvt.statusInformation([
          // ZVT result codes 01-63 carry the host's own decline code, so "51" travels as 0x51.
          { tag: 0x27, value: Uint8Array.of(approved ? 0x00 : parseInt(String(data['responseCode'] ?? '05'), 16) || 0x05) },
          ...moneyFields(Number(data['amount']), String(data['currency'])),
          ...(pan ? [{ tag: 0x22, value: maskedPanBcd(pan) }] : []),
          ...(approval ? [{ tag: 0x3b, value: Uint8Array.from(Buffer.from(approval.padEnd(8), 'latin1')) }] : []),
          { tag: 0x8a, value: Uint8Array.of(data['method'] === 'qr' ? 0x51 : 0x05) },
        ]));
        return;
      }
      case 'printer.output': {
        const lines = Array.isArray(data['lines']) ? data['lines'].map(String) : [];
        lines.forEach((line, i) => this.send(zvt.printLine(i === lines.length - 1 ? LAST_LINE : 0x00, line)));
        if (data['copy'] === 'customer') this.send(zvt.completion());
        return;
      }
      case 'transaction.failed':
        return this.send(zvt.abortFromTerminal(RESULT_FOR[String(data['reason'])] ?? 0x6c));
    }
  }
}

function moneyFields(amount: number, currency: string): { tag: number; value: Uint8Array }[] {
  return [
    { tag: 0x04, value: toBcd(amount, 6) },
    { tag: 0x49, value: toBcd(CURRENCY_NUMERIC[currency] ?? '978', 2) },
  ];
}

/** A masked PAN as ZVT sends it: BCD digits, masked digits as E, padded with F. */
function maskedPanBcd(masked: string): Uint8Array {
  let nibbles = masked.replace(/\*/g, 'E');
  if (nibbles.length % 2) nibbles += 'F';
  return Uint8Array.from(Buffer.from(nibbles, 'hex'));
}
