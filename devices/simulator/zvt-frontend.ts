/**
 * The simulated terminal speaking ZVT as a payment terminal (PT) does. It answers the ECR's
 * command (80 00 00, or 84 with a result code), then, as master, sends intermediate status,
 * status information with the result, the receipt as print lines, and ends the exchange with
 * Completion 06 0F or Abort 06 1E. ZVT is one message, one answer: each master message waits
 * for the ECR's 80 00 00 before the next one goes out (`MasterQueue`).
 */
import { CURRENCY_NUMERIC } from '../formats/emv-qr.js';
import { formatAmount } from '../formats/money.js';
import { decodeApdu, hex2 } from '../protocols/zvt/apdu.js';
import { fromBcd, readFields, toBcd } from '../protocols/zvt/bmp.js';
import { ZvtLink, type ZvtForm } from '../protocols/zvt/link.js';
import { zvt, type Field } from '../protocols/zvt/messages.js';
import { ACK, DLE, NAK } from '../protocols/zvt/serial-frame.js';
import type { Transport } from '../transports/transport.js';
import type { RefusedFaults } from './faults.js';
import type { SimulatedTerminal } from './terminal.js';
import { MasterQueue } from './zvt-master-queue.js';

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
  REBOOTING: 0x9c,
  NO_TRANSACTION: 0xb5,
  NOT_VOIDABLE: 0xb4,
};

/**
 * Over TCP the ZVT link is bare APDUs: after stray bytes an ECR reads their first bytes as a
 * length and loses the exchange for good, and TCP delivers bytes intact, so no real ZVT link
 * garbles there. The serial framing is where line noise happens and is survived.
 */
export function zvtRefusedFaults(form: ZvtForm): RefusedFaults {
  if (form === 'serial') return {};
  return {
    garble: {
      reason: 'does not apply to ZVT over TCP: bare APDUs leave an ECR nothing to find the next one by after stray bytes, and TCP does not garble bytes',
      hint: 'for noise on a ZVT link start the simulator with --pty or --serial: the serial framing carries it between frames',
    },
  };
}

/**
 * The fault's noise as an ECR can only take it, stray bytes: a DLE, ACK or NAK in it would begin
 * a frame or answer one (a forged ACK is another fault, which no ECR could tell from a real one).
 */
function lineNoise(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => (b === DLE || b === ACK || b === NAK ? b ^ 0x80 : b));
}

/** Commands an ECR may send while the terminal is master in an exchange: only the abort request. */
const DURING_EXCHANGE = new Set(['06B0']);

export class ZvtSession {
  private readonly link: ZvtLink;
  private readonly master: MasterQueue;
  private readonly off: () => void;
  /** The sale whose exchange is open (the ECR waits for its Completion or Abort). */
  private sale: { txnId: string; approved?: boolean; resultCode?: number } | undefined;
  private exchangeOpen = false;
  private receiptNumber = 0;
  private trace = 0;
  private readonly receipts = new Map<number, { txnId: string; amount: number; currency: string }>();
  private readonly password: string;
  /**
   * The one currency the terminal takes, as registration sets it (06 00 carries the ECR's
   * currency code after the config byte): a ZVT terminal books in its own currency, and its
   * end-of-day total is one amount in it.
   */
  private currency = 'EUR';

  constructor(
    transport: Transport,
    form: ZvtForm,
    private readonly terminal: SimulatedTerminal,
    private readonly identity: { model: string; terminalId: string; password?: string },
  ) {
    this.password = identity.password ?? '000000';
    this.link = new ZvtLink(transport, form);
    this.master = new MasterQueue(
      (apdu) => this.link.send(apdu),
      () => {
        this.exchangeOpen = false;
        this.sale = undefined;
      },
    );
    this.link.onApdu((apdu) => void this.receive(apdu));
    this.link.onFailure(() => this.master.drop());
    this.off = terminal.onEvent((event, data) => this.forward(event, data as Record<string, unknown>));
    // The garble fault on a serial line (over TCP the simulator refuses it: zvtRefusedFaults).
    const offRaw = form === 'serial' ? terminal.onRaw((bytes) => void this.link.sendRaw(lineNoise(bytes)).catch(() => undefined)) : () => undefined;
    transport.onClose(() => {
      this.off();
      offRaw();
      this.master.drop();
    });
  }

  /** A reply to the ECR's command (not a master message: it answers, it waits for nothing). */
  private reply(apdu: Uint8Array): void {
    this.link.send(apdu).catch(() => undefined);
  }

  private tell(apdu: Uint8Array): void {
    this.master.push(apdu);
  }

  /** The last master message of an exchange; the ECR may send its next command after acknowledging it. */
  private end(apdu: Uint8Array): void {
    this.master.push(apdu, () => (this.exchangeOpen = false));
    this.sale = undefined;
  }

  private async receive(bytes: Uint8Array): Promise<void> {
    const decoded = decodeApdu(bytes);
    if (!decoded.ok) return this.reply(zvt.nack(0x83));
    const { cls, instr, data } = decoded.value;
    if (cls === 0x80 || cls === 0x84) {
      this.master.acknowledged(); // the ECR answering our last master message; out of turn it changes nothing
      return;
    }
    const control = hex2(cls) + hex2(instr);
    // Strict turn-taking: while we are master the ECR only answers, except for an abort request.
    if ((this.exchangeOpen || this.master.waiting) && !DURING_EXCHANGE.has(control)) return this.reply(zvt.nack(0x83));
    if (control !== '06B0') this.exchangeOpen = true;
    // BMP 49 is optional: without it the amount is in the terminal's own currency.
    const money = (f: Map<number, Uint8Array>) => {
      const numeric = fromBcd(f.get(0x49));
      return { amount: Number(fromBcd(f.get(0x04)) ?? '0'), currency: numeric === undefined ? this.currency : (ALPHA_BY_NUMERIC[numeric.replace(/^0/, '')] ?? `numeric ${numeric}`) };
    };
    const refuse = (code: number) => {
      this.exchangeOpen = false;
      this.reply(zvt.nack(code));
    };
    const passwordOk = () => fromBcd(data.subarray(0, 3)) === this.password;
    switch (control) {
      case '0600': {
        // registration: password, config byte, currency
        if (!passwordOk()) return refuse(0x83);
        const asked = data.length >= 6 ? ALPHA_BY_NUMERIC[(fromBcd(data.subarray(4, 6)) ?? '').replace(/^0/, '')] : undefined;
        if (asked) this.currency = asked;
        this.reply(zvt.ack());
        return this.end(zvt.completion([{ tag: 0x19, value: Uint8Array.of(0) }, { tag: 0x29, value: toBcd(this.identity.terminalId, 4) }, ...moneyFields(0, this.currency).filter((f) => f.tag === 0x49)]));
      }
      case '0501': {
        if (!passwordOk()) return refuse(0x83);
        const status = await this.terminal.handle('status', {});
        const busy = !status.ok || (status.result as { state?: string }).state !== 'idle';
        this.reply(zvt.ack());
        return this.end(zvt.statusCompletion(`${this.identity.model} ${this.terminal.firmware}`, busy ? 0x9c : 0x00, [{ tag: 0x29, value: toBcd(this.identity.terminalId, 4) }]));
      }
      case '0601': {
        const sale = money(readFields(data));
        if (sale.currency !== this.currency) return refuse(0x6f);
        const reply = await this.terminal.handle('sale', sale);
        if (!reply.ok) return refuse(RESULT_FOR[reply.error.code] ?? 0x83);
        this.sale = { txnId: (reply.result as { txnId: string }).txnId };
        this.reply(zvt.ack());
        return this.tell(zvt.intermediateStatus(0x0a));
      }
      case '0631': {
        if (!passwordOk()) return refuse(0x83);
        const m = money(readFields(data.subarray(3)));
        if (m.currency !== this.currency) return refuse(0x6f);
        const reply = await this.terminal.handle('refund', m);
        if (!reply.ok) return refuse(RESULT_FOR[reply.error.code] ?? 0x83);
        this.reply(zvt.ack());
        this.tell(zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(0) }, ...moneyFields(m.amount, m.currency), ...this.bookkeeping((reply.result as { txnId: string }).txnId, m.amount, m.currency)]));
        return this.end(zvt.completion());
      }
      case '0630': {
        if (!passwordOk()) return refuse(0x83);
        const receipt = Number(fromBcd(readFields(data.subarray(3)).get(0x87)) ?? 'NaN');
        const original = this.receipts.get(receipt);
        this.reply(zvt.ack());
        const reply = original ? await this.terminal.handle('void', { txnId: original.txnId }) : undefined;
        if (!original || !reply?.ok) return this.end(zvt.abortFromTerminal(reply && !reply.ok ? (RESULT_FOR[reply.error.code] ?? 0xb5) : 0xb5));
        this.tell(zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(0) }, ...moneyFields(original.amount, original.currency), { tag: 0x87, value: toBcd(receipt, 2) }, ...this.traceAndTime()]));
        return this.end(zvt.completion());
      }
      case '06B0': {
        // The ECR's abort request: accepted while a sale waits for a card; the sale then ends with Abort 06 1E.
        this.reply(zvt.ack());
        if (this.sale) await this.terminal.handle('abort', {});
        return;
      }
      case '0602': // log-off: acknowledged, nothing follows
        this.reply(zvt.ack());
        this.exchangeOpen = false;
        return;
      case '0650': {
        if (!passwordOk()) return refuse(0x83);
        const reply = await this.terminal.handle('endOfDay', {});
        this.reply(zvt.ack());
        if (!reply.ok) return this.end(zvt.abortFromTerminal(0x77));
        // The day in the terminal's currency (a registration in another one meanwhile leaves those aside).
        const totals = Object.entries((reply.result as { totals: Record<string, { count: number; amount: number }> }).totals).filter(([key]) => key.endsWith(`:${this.currency}`));
        const net = totals.reduce((sum, [key, t]) => sum + (key.startsWith('refund:') ? -t.amount : t.amount), 0);
        const count = totals.reduce((sum, [, t]) => sum + t.count, 0);
        this.tell(zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(0) }, ...moneyFields(Math.max(0, net), this.currency), ...this.traceAndTime()]));
        this.tell(zvt.printLine(0, 'END OF DAY'));
        this.tell(zvt.printLine(LAST_LINE, `${count} TRANSACTIONS TOTAL ${formatAmount(net, this.currency)}`));
        return this.end(zvt.completion());
      }
      case '0670':
        this.reply(zvt.ack());
        return this.end(zvt.completion());
      default:
        return refuse(0x83);
    }
  }

  /** Receipt number (BMP 87), trace number (0B), date and time, and the terminal id, for a booked transaction. */
  private bookkeeping(txnId: string, amount: number, currency: string): Field[] {
    const receipt = (this.receiptNumber = (this.receiptNumber % 9999) + 1);
    this.receipts.set(receipt, { txnId, amount, currency });
    return [{ tag: 0x87, value: toBcd(receipt, 2) }, ...this.traceAndTime(), { tag: 0x29, value: toBcd(this.identity.terminalId, 4) }];
  }

  private traceAndTime(): Field[] {
    this.trace = (this.trace % 999_999) + 1;
    const now = new Date();
    const two = (n: number) => String(n).padStart(2, '0');
    return [
      { tag: 0x0b, value: toBcd(this.trace, 3) },
      { tag: 0x0c, value: toBcd(`${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`, 3) },
      { tag: 0x0d, value: toBcd(`${two(now.getMonth() + 1)}${two(now.getDate())}`, 2) },
    ];
  }

  /** What the ECR hears of the terminal's events during a sale. */
  private forward(event: string, data: Record<string, unknown>): void {
    const sale = this.sale;
    // Only what belongs to the open sale reaches the ECR (a receipt held for paper-out and printed later does not).
    if (!sale || (typeof data['txnId'] === 'string' && data['txnId'] !== sale.txnId)) return;
    switch (event) {
      case 'card.rejected':
      case 'qr.rejected':
        return this.tell(zvt.intermediateStatus(0x10));
      case 'host.request':
        return this.tell(zvt.intermediateStatus(0x0e));
      case 'transaction.completed': {
        const approved = data['result'] === 'approved';
        const pan = typeof data['maskedPan'] === 'string' ? data['maskedPan'] : undefined;
        const approval = typeof data['approvalCode'] === 'string' ? data['approvalCode'] : undefined;
        // ZVT result codes 01-63 carry the host's own decline code, so "51" travels as 0x51.
        const resultCode = approved ? 0x00 : parseInt(String(data['responseCode'] ?? '05'), 16) || 0x05;
        sale.approved = approved;
        sale.resultCode = resultCode;
        const amount = Number(data['amount']);
        const currency = String(data['currency']);
        this.tell(zvt.statusInformation([
          { tag: 0x27, value: Uint8Array.of(resultCode) },
          ...moneyFields(amount, currency),
          ...(approved ? this.bookkeeping(sale.txnId, amount, currency) : this.traceAndTime()),
          ...(pan ? [{ tag: 0x22, value: maskedPanBcd(pan) }] : []),
          ...(approval ? [{ tag: 0x3b, value: Uint8Array.from(Buffer.from(approval.padEnd(8), 'latin1')) }] : []),
          { tag: 0x8a, value: Uint8Array.of(data['method'] === 'qr' ? 0x51 : 0x05) },
        ]));
        // The core prints both copies right after this event; the exchange ends once they are queued.
        setImmediate(() => {
          if (this.sale === sale) this.end(approved ? zvt.completion() : zvt.abortFromTerminal(resultCode));
        });
        return;
      }
      case 'printer.output': {
        if (sale.approved === undefined) return;
        const lines = Array.isArray(data['lines']) ? data['lines'].map(String) : [];
        lines.forEach((line, i) => this.tell(zvt.printLine(i === lines.length - 1 ? LAST_LINE : 0x00, line)));
        return;
      }
      case 'transaction.failed':
        return this.end(zvt.abortFromTerminal(RESULT_FOR[String(data['reason'])] ?? 0x6c));
    }
  }
}

function moneyFields(amount: number, currency: string): Field[] {
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
