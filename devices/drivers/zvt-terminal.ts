/**
 * The Terminal verbs over ZVT. The ECR (poshil) sends a command; the terminal acknowledges it
 * (80 00 00, or 84 with a result code), then, as master, sends intermediate status, status
 * information, print lines and completion or abort, each of which poshil acknowledges and turns
 * into an event: display.text, transaction.completed, printer.output, transaction.failed.
 */
import { DeviceError } from '../../harness/core/errors.js';
import type { DeviceIdentity } from '../../harness/core/record.js';
import { CURRENCY_NUMERIC } from '../formats/emv-qr.js';
import { ReceiptEncoder } from '../formats/escpos-encode.js';
import { maskPan } from '../formats/pan.js';
import { parseTlv, type TlvNode } from '../formats/tlv.js';
import type { WireTap } from '../framing/wire-tap.js';
import { decodeApdu, hex2 } from '../protocols/zvt/apdu.js';
import { fromBcd, readFields } from '../protocols/zvt/bmp.js';
import { ZvtLink, type ZvtForm } from '../protocols/zvt/link.js';
import { zvt } from '../protocols/zvt/messages.js';
import { resultText } from '../protocols/zvt/result-codes.js';
import { linkClosed } from '../transports/errors.js';
import type { Transport, Unsubscribe } from '../transports/transport.js';
import type { CallOptions, Terminal, TerminalEvent, VerbReply } from './terminal.js';

const ALPHA_BY_NUMERIC = Object.fromEntries(Object.entries(CURRENCY_NUMERIC).map(([alpha, numeric]) => [numeric, alpha]));

/** ZVT intermediate status codes (04 FF) in words. */
const INTERMEDIATE: Readonly<Record<number, string>> = {
  0x00: 'waiting for amount confirmation',
  0x01: 'please watch PIN-pad',
  0x0a: 'insert card',
  0x0b: 'please remove card',
  0x0e: 'please wait',
  0x0f: 'transaction successful',
  0x10: 'transaction not successful',
  0x17: 'please wait',
};

/** Print-line attribute poshil's terminals set on the last line of a receipt. */
export const LAST_LINE = 0xff;

type Reply = { cls: number; instr: number; data: Uint8Array };

export class ZvtTerminal implements Terminal {
  readonly protocol = 'zvt';
  readonly verbs: ReadonlySet<string> = new Set(['identify', 'status', 'sale', 'refund', 'void', 'abort', 'endOfDay', 'diagnosis']);
  private link: ZvtLink | undefined;
  private readonly eventListeners = new Set<(event: TerminalEvent) => void>();
  private readonly anomalyListeners = new Set<(text: string) => void>();
  private readonly lostListeners = new Set<(error: Error) => void>();
  private replyWaiter: ((reply: Reply) => void) | undefined;
  private statusWaiter: ((fields: Map<number, Uint8Array>) => void) | undefined;
  private receipt: string[] = [];
  private receiptCount = 0;
  private txnId: string | undefined;
  private sequence = 0;
  private lost: Error | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly form: ZvtForm,
    private readonly tap?: WireTap,
  ) {}

  get address(): string {
    return this.transport.address;
  }

  async open(signal?: AbortSignal): Promise<void> {
    await this.transport.open(signal);
    const link = new ZvtLink(this.transport, this.form, this.tap);
    link.onApdu((apdu) => this.receive(apdu));
    // The link writes its own notes to the transcript; listeners still hear of them.
    link.onAnomaly((text) => this.anomalyListeners.forEach((listener) => listener(text)));
    this.transport.onClose((error) => {
      if (!error) return;
      this.lost = linkClosed(this.address);
      for (const listener of this.lostListeners) listener(this.lost);
    });
    this.link = link;
    // An ECR registers with the terminal before anything else (06 00): password, config, currency.
    const ack = this.nextReply({ timeoutMs: 5000 });
    void ack.catch(() => undefined);
    await link.send(zvt.registration(CURRENCY_NUMERIC['EUR']!));
    const answer = await ack;
    if (answer.cls === 0x84) {
      throw new DeviceError('E_ZVT_REGISTRATION', `the terminal refused registration: ${resultText(answer.instr)}`, { device: this.address, hint: 'check the ECR password and the terminal configuration' });
    }
  }

  async identify(options: CallOptions): Promise<DeviceIdentity> {
    const reply = await this.call('identify', {}, options);
    if (!reply.ok) throw new DeviceError('E_IDENTIFY', `the terminal refused the status enquiry: ${reply.error.message}`, { device: this.address });
    return reply.result as DeviceIdentity;
  }

  async call(verb: string, args: Record<string, unknown>, options: CallOptions): Promise<VerbReply> {
    const link = this.link;
    if (!link) throw new DeviceError('E_NOT_OPEN', `call "${verb}" before the link was opened`, { device: this.address, state: 'closed' });
    if (this.lost) throw this.lost;
    const currency = typeof args['currency'] === 'string' ? args['currency'] : 'EUR';
    const numeric = CURRENCY_NUMERIC[currency];
    const amount = args['amount'];
    const needsAmount = verb === 'sale' || verb === 'refund';
    if (needsAmount && (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || !numeric)) {
      return { ok: false, error: { code: 'BAD_ARGS', message: 'ZVT sale and refund need a positive amount in cents and a known currency' } };
    }
    const command =
      verb === 'sale' ? zvt.authorisation(amount as number, numeric!)
      : verb === 'refund' ? zvt.refund(amount as number, numeric!)
      : verb === 'void' ? zvt.reversal(Number(args['receipt'] ?? 0))
      : verb === 'abort' ? zvt.abort()
      : verb === 'endOfDay' ? zvt.endOfDay()
      : verb === 'diagnosis' ? zvt.diagnosis()
      : zvt.statusEnquiry();
    // Both waiters are set before sending, as the answers may arrive in the same chunk; they are
    // marked handled so that a failed send or a refusal leaves no stray rejection behind.
    const status = verb === 'identify' || verb === 'status' ? this.nextStatus(options) : undefined;
    const reply = this.nextReply(options);
    void status?.catch(() => undefined);
    void reply.catch(() => undefined);
    await link.send(command);
    const answer = await reply;
    if (answer.cls === 0x84) {
      this.statusWaiter = undefined;
      return { ok: false, error: { code: `ZVT_${hex2(answer.instr)}`, message: resultText(answer.instr) } };
    }
    if (verb === 'sale') {
      this.txnId = `ZVT-${String(++this.sequence).padStart(6, '0')}`;
      return { ok: true, result: { txnId: this.txnId, state: 'awaiting_card' } };
    }
    if (!status) return { ok: true, result: { accepted: true } };
    const fields = await status;
    const text = fields.get(0x3c) ? Buffer.from(fields.get(0x3c)!).toString('latin1') : '';
    const version = /^(.*?)\s+SW\s+(\S+)/.exec(text);
    const terminalId = fromBcd(fields.get(0x29)) ?? 'unknown';
    if (verb === 'status') return { ok: true, result: { state: 'idle', terminalId, resultCode: fromBcd(fields.get(0x27)) ?? '00' } };
    return { ok: true, result: { model: version?.[1] ?? 'ZVT terminal', serialNumber: terminalId, firmware: version?.[2] ?? 'unknown', capabilities: [], protocol: 'zvt' } };
  }

  onEvent(listener: (event: TerminalEvent) => void): Unsubscribe {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onAnomaly(listener: (text: string) => void): Unsubscribe {
    this.anomalyListeners.add(listener);
    return () => this.anomalyListeners.delete(listener);
  }

  onLinkLost(listener: (error: Error) => void): Unsubscribe {
    const lost = this.lost;
    if (lost) queueMicrotask(() => listener(lost));
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.link?.detach();
    await this.transport.close();
  }

  private nextReply(options: CallOptions): Promise<Reply> {
    return this.waitFor<Reply>((resolve) => (this.replyWaiter = resolve), options, 'acknowledgement');
  }

  private nextStatus(options: CallOptions): Promise<Map<number, Uint8Array>> {
    return this.waitFor<Map<number, Uint8Array>>((resolve) => (this.statusWaiter = resolve), options, 'status information');
  }

  private waitFor<T>(register: (resolve: (value: T) => void) => void, options: CallOptions, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        off();
        finish();
      };
      const off = this.onLinkLost((error) => settle(() => reject(error)));
      const timer = setTimeout(() => settle(() => reject(new DeviceError('E_REPLY_TIMEOUT', `no ${what} within ${options.timeoutMs} ms`, { device: this.address }))), options.timeoutMs);
      register((value) => settle(() => resolve(value)));
    });
  }

  private receive(bytes: Uint8Array): void {
    const decoded = decodeApdu(bytes);
    if (!decoded.ok) return this.anomaly(`malformed APDU: ${decoded.error.reason}`);
    const { cls, instr, data } = decoded.value;
    if (cls === 0x80 || cls === 0x84) {
      const waiter = this.replyWaiter;
      this.replyWaiter = undefined;
      if (waiter) waiter({ cls, instr, data });
      else this.anomaly(`acknowledgement ${hex2(cls)} ${hex2(instr)} to no command`);
      return;
    }
    // The terminal is master now: acknowledge, then report what it said.
    void this.link?.send(zvt.ack()).catch(() => undefined);
    const control = hex2(cls) + hex2(instr);
    if (control === '04FF') this.emit('display.text', { code: data[0] ?? 0, text: INTERMEDIATE[data[0] ?? -1] ?? `status ${hex2(data[0] ?? 0)}` });
    else if (control === '040F') this.statusInformation(readFields(data));
    else if (control === '06D1') this.printLine(data[0] ?? 0, Buffer.from(data.subarray(1)).toString('latin1'));
    else if (control === '06D3') this.printTextBlock(data);
    else if (control === '061E') {
      const code = data[0] ?? 0xff;
      this.emit('transaction.failed', { txnId: this.txnId, reason: resultText(code), resultCode: hex2(code) });
    } else if (control === '060F') this.emit('status.changed', { state: 'idle' });
    else this.anomaly(`unexpected command ${control} from the terminal`);
  }

  private statusInformation(fields: Map<number, Uint8Array>): void {
    const waiter = this.statusWaiter;
    if (waiter) {
      this.statusWaiter = undefined;
      return waiter(fields);
    }
    const result = fields.get(0x27)?.[0] ?? 0;
    const pan = fromBcd(fields.get(0x22))?.replace(/F+$/, '').replace(/E/g, '*');
    const approval = fields.get(0x3b) ? Buffer.from(fields.get(0x3b)!).toString('latin1').trim() : undefined;
    const currency = ALPHA_BY_NUMERIC[(fromBcd(fields.get(0x49)) ?? '').replace(/^0/, '')] ?? 'EUR';
    this.emit('transaction.completed', {
      txnId: this.txnId,
      result: result === 0 ? 'approved' : 'declined',
      amount: Number(fromBcd(fields.get(0x04)) ?? '0'),
      currency,
      ...(pan ? { maskedPan: pan.includes('*') ? pan : maskPan(pan) } : {}),
      ...(approval && result === 0 ? { approvalCode: approval } : {}),
      responseCode: result === 0 ? '00' : hex2(result),
      method: fields.get(0x8a)?.[0] === 0x51 ? 'qr' : 'magstripe',
      resultText: resultText(result),
    });
  }

  /** Print lines collect into a receipt, printed as an ECR's own receipt printer would get it. */
  private printLine(attribute: number, text: string): void {
    this.receipt.push(text);
    if (attribute !== LAST_LINE) return;
    const lines = this.receipt;
    this.receipt = [];
    const encoder = new ReceiptEncoder().initialise();
    for (const line of lines) encoder.line(line);
    const copy = lines.find((l) => / COPY$/.test(l))?.replace(/ COPY$/, '').toLowerCase() ?? `receipt-${++this.receiptCount}`;
    this.emit('printer.output', { copy, txnId: this.txnId, lines, escpos: Buffer.from(encoder.cut('partial').encode()).toString('hex'), source: 'zvt print lines' });
  }

  /** A print text block (06 D3): a TLV container whose text lines (tag 07) make one receipt. */
  private printTextBlock(data: Uint8Array): void {
    const fields = readFields(data);
    const container = fields.get(0x06);
    const tlv = container ? parseTlv(container) : undefined;
    if (!tlv?.ok) return this.anomaly('print text block without a readable TLV container');
    const lines: string[] = [];
    const walk = (nodes: TlvNode[]) => {
      for (const node of nodes) {
        if (node.tag === '07') lines.push(Buffer.from(node.value, 'hex').toString('latin1'));
        if (node.children) walk(node.children);
      }
    };
    walk(tlv.value);
    for (const [i, line] of lines.entries()) this.printLine(i === lines.length - 1 ? LAST_LINE : 0, line);
  }

  private emit(name: string, data: unknown): void {
    const event: TerminalEvent = { name, data, receivedAt: performance.now() };
    for (const listener of this.eventListeners) listener(event);
  }

  private anomaly(text: string): void {
    this.tap?.note?.(text);
    for (const listener of this.anomalyListeners) listener(text);
  }
}
