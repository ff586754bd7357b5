/**
 * The Terminal verbs over ZVT. The ECR (poshil) sends a command; the terminal answers it
 * (80 00 00, or 84 with a result code), then, as master, sends intermediate status, status
 * information, print lines, and ends the exchange with Completion 06 0F or Abort 06 1E. poshil
 * answers each master message with 80 00 00 and turns it into an event tagged with the
 * transaction of its exchange: display.text, transaction.completed, printer.output,
 * transaction.failed, status.changed.
 *
 * One exchange at a time: a new command goes out only after the terminal ended the previous
 * exchange, or the call fails and says which exchange is still open. Only the abort request
 * (06 B0) may be sent into an open exchange. What the terminal says after the runner moved on to
 * its next command is kept in the transcript, never given to a later step as its evidence.
 */
import { DeviceError } from '../../harness/core/errors.js';
import type { DeviceIdentity } from '../../harness/core/record.js';
import { CURRENCY_NUMERIC } from '../formats/emv-qr.js';
import { ReceiptEncoder } from '../formats/escpos-encode.js';
import { maskPan } from '../formats/pan.js';
import { parseTlv, type TlvNode } from '../formats/tlv.js';
import type { WireTap } from '../framing/wire-tap.js';
import { commandName, decodeApdu, hex2 } from '../protocols/zvt/apdu.js';
import { formatCents, fromBcd, readFields } from '../protocols/zvt/bmp.js';
import { maskZvtApdu } from '../protocols/zvt/card-data.js';
import { ZvtLink, type SerialTiming, type ZvtForm } from '../protocols/zvt/link.js';
import { DEFAULT_PASSWORD, zvt } from '../protocols/zvt/messages.js';
import { resultText } from '../protocols/zvt/result-codes.js';
import { maskCardText } from '../formats/redaction.js';
import { linkClosed } from '../transports/errors.js';
import type { Transport } from '../transports/transport.js';
import type { FrameMasker } from './card-data.js';
import type { CallOptions, Terminal, TerminalEvent, VerbReply } from './terminal.js';
import { TerminalSignals } from './terminal-signals.js';
import { endWithin, Exchange, type ExchangeEnd } from './zvt-exchange.js';
import { bcdNumber, verbResult } from './zvt-results.js';

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

/** How ZVT frames are masked for the transcript: APDUs by their BMPs. */
export const zvtFrames: FrameMasker = {
  text: (text) => ({ ...maskCardText(text), unparsed: 'text on a ZVT link' }),
  bytes: maskZvtApdu,
};

/** Print-line attribute poshil's terminals set on the last line of a receipt. */
export const LAST_LINE = 0xff;
/** How long the terminal may take to answer a command (80 00 00 or 84) and to end registration. */
const REGISTRATION_TIMEOUT_MS = 5000;

type Reply = { cls: number; instr: number };

export interface ZvtOptions {
  /** The ECR password (six digits) for registration, status enquiry and administrative commands. */
  password?: string;
  /** Serial timers (tests shorten them). */
  timing?: Partial<SerialTiming>;
}

export class ZvtTerminal extends TerminalSignals implements Terminal {
  readonly protocol = 'zvt';
  readonly verbs: ReadonlySet<string> = new Set(['identify', 'status', 'sale', 'refund', 'void', 'abort', 'endOfDay', 'diagnosis', 'logOff']);
  private link: ZvtLink | undefined;
  private replyWaiter: ((reply: Reply) => void) | undefined;
  private exchange: Exchange | undefined;
  /** Calls take turns: a command is sent only when the one before it was answered. */
  private turn: Promise<unknown> = Promise.resolve();
  private receiptCount = 0;
  private sequence = 0;
  /** Receipt numbers (BMP 87) of approved payments, by poshil's transaction id, for `void`. */
  private readonly receipts = new Map<string, number>();
  private terminalId: string | undefined;
  private readonly password: string;

  constructor(
    private readonly transport: Transport,
    private readonly form: ZvtForm,
    private readonly tap?: WireTap,
    private readonly options: ZvtOptions = {},
  ) {
    super();
    this.password = options.password ?? DEFAULT_PASSWORD;
  }

  get address(): string {
    return this.transport.address;
  }

  async open(signal?: AbortSignal): Promise<void> {
    await this.transport.open(signal);
    const link = new ZvtLink(this.transport, this.form, this.tap, this.options.timing);
    link.onApdu((apdu) => this.receive(apdu));
    // The link writes its own notes to the transcript; listeners still hear of them.
    link.onAnomaly((text) => this.signalAnomaly(text));
    link.onFailure((error) => this.loseLink(error));
    this.transport.onClose((error) => {
      if (error) this.loseLink(linkClosed(this.address));
    });
    this.link = link;
    // An ECR registers with the terminal before anything else (06 00): password, config, currency.
    const reply = await this.command(new Exchange('register', 'Registration (06 00)'), zvt.registration(CURRENCY_NUMERIC['EUR']!, this.password), { timeoutMs: REGISTRATION_TIMEOUT_MS });
    if (reply.kind === 'refused' || reply.kind === 'abort') {
      throw new DeviceError('E_ZVT_REGISTRATION', `the terminal refused registration: ${resultText(reply.resultCode)}`, { device: this.address, hint: 'check the ECR password and the terminal configuration' });
    }
    if (reply.kind === 'completion') this.terminalId = fromBcd(readFields(reply.data).get(0x29)) ?? this.terminalId;
  }

  async identify(options: CallOptions): Promise<DeviceIdentity> {
    const reply = await this.call('identify', {}, options);
    if (!reply.ok) throw new DeviceError('E_IDENTIFY', `the terminal refused the status enquiry: ${reply.error.message}`, { device: this.address });
    return reply.result as DeviceIdentity;
  }

  async call(verb: string, args: Record<string, unknown>, options: CallOptions): Promise<VerbReply> {
    if (!this.link) throw new DeviceError('E_NOT_OPEN', `call "${verb}" before the link was opened`, { device: this.address, state: 'closed' });
    if (this.lost) throw this.lost;
    // The abort request is the one command that goes into an open exchange: it is how an ECR ends it.
    if (verb === 'abort') return this.abort(options);
    const run = this.turn.then(() => this.callInTurn(verb, args, options));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async callInTurn(verb: string, args: Record<string, unknown>, options: CallOptions): Promise<VerbReply> {
    if (this.lost) throw this.lost;
    const currency = typeof args['currency'] === 'string' ? args['currency'] : 'EUR';
    const numeric = CURRENCY_NUMERIC[currency];
    const amount = args['amount'];
    if ((verb === 'sale' || verb === 'refund') && (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || !numeric)) {
      return { ok: false, error: { code: 'BAD_ARGS', message: 'ZVT sale and refund need a positive amount in cents and a known currency', unsent: true } };
    }
    const receipt = verb === 'void' ? this.receiptOf(args) : undefined;
    if (verb === 'void' && receipt === undefined) {
      return { ok: false, error: { code: 'BAD_ARGS', message: 'void needs the txnId of an approved ZVT payment of this run, or its receipt number (BMP 87)', unsent: true } };
    }
    const busy = await this.previousEnded(options);
    if (busy) return busy;
    const money = verb === 'sale' || verb === 'refund' ? { amount: amount as number, currency } : undefined;
    const txnId = verb === 'sale' ? `ZVT-${String(++this.sequence).padStart(6, '0')}` : undefined;
    const bytes =
      verb === 'sale' ? zvt.authorisation(amount as number, numeric!)
      : verb === 'refund' ? zvt.refund(amount as number, numeric!, this.password)
      : verb === 'void' ? zvt.reversal(receipt!, this.password)
      : verb === 'endOfDay' ? zvt.endOfDay(this.password)
      : verb === 'diagnosis' ? zvt.diagnosis()
      : verb === 'logOff' ? zvt.logOff()
      : zvt.statusEnquiry(this.password);
    const decoded = decodeApdu(bytes);
    const name = decoded.ok ? `${commandName(decoded.value)} (${hex2(decoded.value.cls)} ${hex2(decoded.value.instr)})` : verb;
    const exchange = new Exchange(verb, name, txnId, money);
    // A sale is answered at once and ends later (after the card); the others end within the call.
    const end = await this.command(exchange, bytes, options, verb === 'sale' || verb === 'logOff');
    if (end.kind === 'refused' || end.kind === 'abort') return { ok: false, error: { code: `ZVT_${hex2(end.resultCode)}`, message: resultText(end.resultCode) } };
    if (end.kind === 'lost') throw end.error;
    if (verb === 'sale') return { ok: true, result: { txnId, state: 'awaiting_card' } };
    return { ok: true, result: verbResult(verb, exchange, end, this.terminalId) };
  }

  /** Waits for the open exchange to end; a refusal that names it when it does not end in time. */
  private async previousEnded(options: CallOptions): Promise<VerbReply | undefined> {
    const open = this.exchange?.open ? this.exchange : undefined;
    if (!open) return undefined;
    open.superseded = true;
    const end = await endWithin(open, options.timeoutMs, options.signal);
    if (end) return undefined;
    return { ok: false, error: { code: 'ZVT_BUSY', message: `the terminal has not ended the ${open.label}: no Completion (06 0F) or Abort (06 1E) within ${options.timeoutMs} ms, so no new command was sent` } };
  }

  /**
   * Sends a command as a new exchange and waits for its answer; unless `answerOnly`, also for the
   * end of the exchange (Completion or Abort) within the time-out.
   */
  private async command(exchange: Exchange, bytes: Uint8Array, options: CallOptions, answerOnly = false): Promise<ExchangeEnd> {
    this.exchange = exchange;
    const answer = this.nextReply(options);
    void answer.catch(() => undefined);
    try {
      await this.link!.send(bytes);
      const reply = await answer;
      if (reply.cls === 0x84) exchange.finish({ kind: 'refused', resultCode: reply.instr });
      else if (answerOnly && exchange.verb !== 'sale') exchange.finish({ kind: 'acknowledged' });
    } catch (error) {
      exchange.finish({ kind: 'lost', error: error as Error });
      throw error;
    }
    if (exchange.end || answerOnly) return exchange.end ?? { kind: 'acknowledged' };
    const end = await endWithin(exchange, options.timeoutMs, options.signal);
    if (end) return end;
    throw new DeviceError('E_REPLY_TIMEOUT', `the terminal accepted the ${exchange.label} but did not end it (Completion 06 0F or Abort 06 1E) within ${options.timeoutMs} ms`, { device: this.address });
  }

  private async abort(options: CallOptions): Promise<VerbReply> {
    const open = this.exchange?.open ? this.exchange : undefined;
    if (this.replyWaiter) return { ok: false, error: { code: 'ZVT_BUSY', message: 'a command is still waiting for its answer; the abort request would cross it', unsent: true } };
    const answer = this.nextReply(options);
    void answer.catch(() => undefined);
    await this.link!.send(zvt.abortRequest());
    const reply = await answer;
    if (reply.cls === 0x84) return { ok: false, error: { code: `ZVT_${hex2(reply.instr)}`, message: resultText(reply.instr) } };
    if (!open) return { ok: true, result: { aborted: false, state: 'idle' } };
    const end = await endWithin(open, options.timeoutMs, options.signal);
    if (!end) throw new DeviceError('E_REPLY_TIMEOUT', `the terminal accepted the abort request but did not end the ${open.label} within ${options.timeoutMs} ms`, { device: this.address });
    return { ok: true, result: { aborted: end.kind === 'abort', ...(open.txnId ? { txnId: open.txnId } : {}), ...(end.kind === 'abort' ? { resultCode: hex2(end.resultCode), reason: resultText(end.resultCode) } : {}) } };
  }

  private receiptOf(args: Record<string, unknown>): number | undefined {
    if (typeof args['receipt'] === 'number' && Number.isInteger(args['receipt'])) return args['receipt'];
    return typeof args['txnId'] === 'string' ? this.receipts.get(args['txnId']) : undefined;
  }

  async close(): Promise<void> {
    this.link?.detach();
    await this.transport.close();
  }

  private loseLink(error: Error): void {
    if (this.lost) return;
    this.lost = error;
    this.exchange?.finish({ kind: 'lost', error });
    this.signalLinkLost(error);
  }

  private nextReply(options: CallOptions): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        off();
        this.replyWaiter = undefined;
        finish();
      };
      const off = this.onLinkLost((error) => settle(() => reject(error)));
      const timer = setTimeout(() => settle(() => reject(new DeviceError('E_REPLY_TIMEOUT', `no acknowledgement within ${options.timeoutMs} ms`, { device: this.address }))), options.timeoutMs);
      this.replyWaiter = (reply) => settle(() => resolve(reply));
    });
  }

  private receive(bytes: Uint8Array): void {
    const decoded = decodeApdu(bytes);
    if (!decoded.ok) return this.anomaly(`malformed APDU: ${decoded.error.reason}`);
    const { cls, instr, data } = decoded.value;
    if (cls === 0x80 || cls === 0x84) {
      const waiter = this.replyWaiter;
      if (waiter) waiter({ cls, instr });
      else this.anomaly(`answer ${hex2(cls)} ${hex2(instr)} to no command`);
      return;
    }
    // The terminal is master now: answer, then report what it said within its exchange.
    void this.link?.send(zvt.ack()).catch(() => undefined);
    const control = hex2(cls) + hex2(instr);
    const exchange = this.exchange;
    if (!exchange?.open) return this.anomaly(`${commandName(decoded.value)} (${control}) outside any exchange: the terminal had ended ${exchange ? `the ${exchange.label}` : 'none'}`);
    if (control === '04FF') this.emit(exchange, 'display.text', { code: data[0] ?? 0, text: INTERMEDIATE[data[0] ?? -1] ?? `status ${hex2(data[0] ?? 0)}` });
    else if (control === '040F') this.statusInformation(exchange, readFields(data));
    else if (control === '06D1') this.printLine(exchange, data[0] ?? 0, Buffer.from(data.subarray(1)).toString('latin1'));
    else if (control === '06D3') this.printTextBlock(exchange, data);
    else if (control === '061E') {
      const code = data[0] ?? 0xff;
      // A declined payment was reported by its status information already; the abort only ends it.
      if (exchange.verb === 'sale' && !exchange.reportedResult) this.emit(exchange, 'transaction.failed', { reason: resultText(code), resultCode: hex2(code) });
      exchange.finish({ kind: 'abort', resultCode: code });
    } else if (control === '060F') {
      this.emit(exchange, 'status.changed', { state: 'idle' });
      exchange.finish({ kind: 'completion', data });
    } else this.anomaly(`unexpected command ${control} from the terminal in the ${exchange.label}`);
  }

  private statusInformation(exchange: Exchange, fields: Map<number, Uint8Array>): void {
    exchange.status = fields;
    if (exchange.verb !== 'sale') return;
    const result = fields.get(0x27)?.[0] ?? 0;
    const pan = fromBcd(fields.get(0x22))?.replace(/F+$/, '').replace(/E/g, '*');
    const approval = fields.get(0x3b) ? Buffer.from(fields.get(0x3b)!).toString('latin1').trim() : undefined;
    const currency = ALPHA_BY_NUMERIC[(fromBcd(fields.get(0x49)) ?? '').replace(/^0/, '')] ?? 'EUR';
    const amount = Number(fromBcd(fields.get(0x04)) ?? '0');
    if (exchange.money && (amount !== exchange.money.amount || currency !== exchange.money.currency)) {
      this.anomaly(`status information for ${formatCents(amount)} ${currency} in the ${exchange.label}`);
    }
    const receipt = fields.get(0x87) ? Number(fromBcd(fields.get(0x87))) : undefined;
    if (result === 0 && receipt !== undefined && exchange.txnId) this.receipts.set(exchange.txnId, receipt);
    exchange.reportedResult = true;
    this.emit(exchange, 'transaction.completed', {
      result: result === 0 ? 'approved' : 'declined',
      amount,
      currency,
      // Masked here whatever the terminal masked: it may show more than the first six and last four.
      ...(pan ? { maskedPan: maskPan(pan) } : {}),
      ...(approval && result === 0 ? { approvalCode: approval } : {}),
      responseCode: result === 0 ? '00' : hex2(result),
      method: fields.get(0x8a)?.[0] === 0x51 ? 'qr' : 'magstripe',
      resultText: resultText(result),
      ...bcdNumber('receiptNumber', fields.get(0x87)),
      ...bcdNumber('traceNumber', fields.get(0x0b)),
      ...(fields.get(0x29) ? { terminalId: fromBcd(fields.get(0x29)) } : {}),
    });
  }

  /** Print lines collect into a receipt, printed as an ECR's own receipt printer would get it. */
  private printLine(exchange: Exchange, attribute: number, text: string): void {
    exchange.receipt.push(text);
    if (attribute !== LAST_LINE) return;
    const lines = exchange.receipt;
    exchange.receipt = [];
    const encoder = new ReceiptEncoder().initialise();
    for (const line of lines) encoder.line(line);
    const copy = lines.find((l) => / COPY$/.test(l))?.replace(/ COPY$/, '').toLowerCase() ?? `receipt-${++this.receiptCount}`;
    this.emit(exchange, 'printer.output', { copy, lines, escpos: Buffer.from(encoder.cut('partial').encode()).toString('hex'), source: 'zvt print lines' });
  }

  /** A print text block (06 D3): a TLV container whose text lines (tag 07) make one receipt. */
  private printTextBlock(exchange: Exchange, data: Uint8Array): void {
    const container = readFields(data).get(0x06);
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
    for (const [i, line] of lines.entries()) this.printLine(exchange, i === lines.length - 1 ? LAST_LINE : 0, line);
  }

  /** An event of one exchange, tagged with its transaction; withheld once the runner moved on. */
  private emit(exchange: Exchange, name: string, data: Record<string, unknown>): void {
    if (exchange.superseded) return this.anomaly(`${name} of the ${exchange.label} arrived after the next command was asked for: kept in the transcript, not given to a later step`);
    const event: TerminalEvent = { name, data: { ...(exchange.txnId ? { txnId: exchange.txnId } : {}), ...data }, receivedAt: performance.now() };
    this.signalEvent(event);
  }

  private anomaly(text: string): void {
    this.tap?.note?.(text);
    this.signalAnomaly(text);
  }
}
