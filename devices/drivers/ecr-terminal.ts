/**
 * The Terminal verbs over any vendor ECR protocol of the STX/ETX family, from its description.
 * A verb sends the request the description maps it to; the reply comes when the terminal
 * acknowledged it (a sale: the terminal then waits for the card) or with the response. Strict
 * turn-taking: while an exchange is open no other request goes out (only one the description
 * marks as interrupting, an abort), so a response and every event are tied to the transaction
 * that caused them; a response that echoes another reference is evidence, not an event.
 */
import { DeviceError } from '../../harness/core/errors.js';
import type { DeviceIdentity } from '../../harness/core/record.js';
import { CURRENCY_NUMERIC } from '../formats/emv-qr.js';
import { ReceiptEncoder } from '../formats/escpos-encode.js';
import { maskPan } from '../formats/pan.js';
import type { WireTap } from '../framing/wire-tap.js';
import type { EcrProtocol, VerbMapping } from '../protocols/ecr/description.js';
import { EcrLink } from '../protocols/ecr/link.js';
import { decodeMessage, encodeMessage, type DecodedMessage } from '../protocols/ecr/message.js';
import { linkClosed } from '../transports/errors.js';
import type { Transport } from '../transports/transport.js';
import type { CallOptions, Terminal, TerminalEvent, VerbReply } from './terminal.js';
import { TerminalSignals } from './terminal-signals.js';

/** A vendor ECR protocol's frames, masked for the transcript by its description's field layout. */
export { ecrFrameMasker as ecrFrames } from '../protocols/ecr/card-data.js';

const ALPHA_BY_NUMERIC = Object.fromEntries(Object.entries(CURRENCY_NUMERIC).map(([alpha, numeric]) => [numeric, alpha]));

interface Exchange {
  mapping: VerbMapping;
  txnId: string;
  reference: string;
  ended: Promise<DecodedMessage>;
  end: (response: DecodedMessage) => void;
  fail: (error: Error) => void;
}

export class EcrTerminal extends TerminalSignals implements Terminal {
  readonly protocol: string;
  readonly verbs: ReadonlySet<string>;
  private link: EcrLink | undefined;
  private exchange: Exchange | undefined;
  private sequence = 0;
  private receipts = 0;

  constructor(
    private readonly transport: Transport,
    private readonly description: EcrProtocol,
    private readonly tap?: WireTap,
  ) {
    super();
    this.protocol = `ecr:${description.id}`;
    this.verbs = new Set(Object.keys(description.verbs));
  }

  get address(): string {
    return this.transport.address;
  }

  async open(signal?: AbortSignal): Promise<void> {
    await this.transport.open(signal);
    const link = new EcrLink(this.transport, this.description.framing, this.tap);
    link.onMessage((data) => this.receive(data));
    link.onAnomaly((text) => this.signalAnomaly(text));
    this.transport.onClose((error) => {
      if (!error) return;
      this.lost = linkClosed(this.address);
      this.exchange?.fail(this.lost);
      this.signalLinkLost(this.lost);
    });
    this.link = link;
  }

  /** With no identify message, the identity is the description's: the protocol cannot ask. */
  async identify(options: CallOptions): Promise<DeviceIdentity> {
    if (!this.verbs.has('identify')) return this.identity({});
    const reply = await this.call('identify', {}, options);
    if (!reply.ok) throw new DeviceError('E_IDENTIFY', `the terminal refused identify: ${reply.error.message}`, { device: this.address });
    return reply.result as DeviceIdentity;
  }

  private identity(values: Record<string, string>): DeviceIdentity {
    return {
      model: values['model'] || this.description.title,
      serialNumber: values['terminalId'] || 'unknown',
      firmware: values['firmware'] || 'unknown',
      capabilities: [...this.description.capabilities],
      protocol: this.protocol,
    };
  }

  async call(verb: string, args: Record<string, unknown>, options: CallOptions): Promise<VerbReply> {
    const link = this.link;
    if (!link) throw new DeviceError('E_NOT_OPEN', `call "${verb}" before the link was opened`, { device: this.address, state: 'closed' });
    if (this.lost) throw this.lost;
    const mapping = this.description.verbs[verb];
    if (!mapping) return { ok: false, error: { code: 'UNSUPPORTED', message: `${this.description.title} has no message for ${verb}`, unsent: true } };
    const currency = typeof args['currency'] === 'string' ? args['currency'] : 'EUR';
    const amount = args['amount'];
    if ((verb === 'sale' || verb === 'refund') && (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || !CURRENCY_NUMERIC[currency])) {
      return { ok: false, error: { code: 'BAD_ARGS', message: `${verb} needs a positive amount in minor units and a known currency`, unsent: true } };
    }
    if (this.exchange && !mapping.interrupts) await this.previousExchangeEnds(options);
    const sequence = ++this.sequence;
    const txnId = `ECR-${String(sequence).padStart(6, '0')}`;
    const reference = typeof args['reference'] === 'string' ? args['reference'] : String(sequence).padStart(6, '0');
    const data = encodeMessage(this.description.messages[mapping.request]!, mapping.values, {
      amount: typeof amount === 'number' ? String(amount) : undefined,
      currency: CURRENCY_NUMERIC[currency],
      reference,
      text: typeof args['text'] === 'string' ? args['text'] : undefined,
    });
    if (!data.ok) return { ok: false, error: { code: 'BAD_ARGS', message: data.error.reason, unsent: true } };

    const exchange = mapping.interrupts && this.exchange ? undefined : this.openExchange(mapping, txnId, reference);
    try {
      await link.send(data.value);
    } catch (error) {
      if (exchange && this.exchange === exchange) this.exchange = undefined;
      throw error;
    }
    if (!exchange) return { ok: true, result: { accepted: true } };
    if (mapping.reply === 'ack') return { ok: true, result: verb === 'sale' ? { txnId, state: 'awaiting_card' } : { txnId, accepted: true } };
    const response = await this.within(exchange.ended, options, `response to ${verb}`);
    return this.replyFrom(verb, response);
  }

  async close(): Promise<void> {
    this.link?.detach();
    await this.transport.close();
  }

  private openExchange(mapping: VerbMapping, txnId: string, reference: string): Exchange {
    let end!: (response: DecodedMessage) => void;
    let fail!: (error: Error) => void;
    const ended = new Promise<DecodedMessage>((resolve, reject) => {
      end = resolve;
      fail = reject;
    });
    void ended.catch(() => undefined);
    const exchange: Exchange = { mapping, txnId, reference, ended, end, fail };
    this.exchange = exchange;
    return exchange;
  }

  /** Strict turn-taking: wait for the terminal to end the open exchange, or say why not. */
  private async previousExchangeEnds(options: CallOptions): Promise<void> {
    const open = this.exchange!;
    try {
      await this.within(open.ended, options, `end of the open ${open.mapping.verb} exchange (${open.txnId})`);
    } catch (error) {
      if (error instanceof DeviceError && error.code === 'E_REPLY_TIMEOUT') {
        throw new DeviceError('E_REPLY_TIMEOUT', `the ${open.mapping.verb} exchange ${open.txnId} is still open after ${options.timeoutMs} ms; no new request is sent until the terminal answers it`, { device: this.address, state: 'exchange open' });
      }
      throw error;
    }
  }

  private within<T>(promise: Promise<T>, options: CallOptions, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        off();
        options.signal?.removeEventListener('abort', onAbort);
        finish();
      };
      const onAbort = () => settle(() => reject(options.signal!.reason));
      const off = this.onLinkLost((error) => settle(() => reject(error)));
      const timer = setTimeout(() => settle(() => reject(new DeviceError('E_REPLY_TIMEOUT', `no ${what} within ${options.timeoutMs} ms`, { device: this.address }))), options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
  }

  private replyFrom(verb: string, response: DecodedMessage): VerbReply {
    const { outcomes } = this.description;
    const code = response.byName[outcomes.field];
    if (code !== undefined && !outcomes.approved.includes(code) && verb !== 'status' && verb !== 'identify') {
      return { ok: false, error: { code: `ECR_${code}`, message: outcomes.failed[code] ?? 'refused by the terminal', details: response.values } };
    }
    if (verb === 'identify') return { ok: true, result: this.identity(response.values) };
    if (verb === 'status') return { ok: true, result: { ...response.values, state: response.values['text'] || 'unknown' } };
    if (verb === 'endOfDay') return { ok: true, result: { ...response.values, count: Number(response.values['count'] ?? 0), total: Number(response.values['total'] ?? 0) } };
    return { ok: true, result: { ...response.values } };
  }

  private receive(data: Uint8Array): void {
    const decoded = decodeMessage(this.description, data, 'response');
    if (!decoded.ok) return this.anomaly(`undescribed message from the terminal: ${decoded.error.reason}`);
    const message = decoded.value;
    const intermediate = this.description.events.find((e) => e.message === message.message);
    const exchange = this.exchange;
    if (intermediate) {
      // Outside an exchange a receipt or a text belongs to no transaction poshil can name.
      if (!exchange) return this.anomaly(`${message.message} (${intermediate.event}) outside any exchange: not counted`);
      return this.intermediate(intermediate.event, message, exchange.txnId);
    }
    if (!exchange || !exchange.mapping.responses.includes(message.message)) {
      return this.anomaly(`response ${message.message} to no open request${exchange ? ` (the open ${exchange.mapping.verb} waits for ${exchange.mapping.responses.join(' or ')})` : ''}`);
    }
    const echoed = message.values['reference'];
    if (echoed !== undefined && echoed !== exchange.reference) {
      return this.anomaly(`response ${message.message} carries reference "${echoed}", the open ${exchange.mapping.verb} sent "${exchange.reference}": not counted`);
    }
    this.exchange = undefined;
    if (exchange.mapping.transaction) this.transactionEnded(exchange, message);
    exchange.end(message);
  }

  private transactionEnded(exchange: Exchange, message: DecodedMessage): void {
    const { outcomes, methods } = this.description;
    const code = message.byName[outcomes.field] ?? '';
    const values = message.values;
    const failed = outcomes.failed[code];
    if (failed) return this.emit('transaction.failed', { txnId: exchange.txnId, reason: failed, resultCode: code });
    const approved = outcomes.approved.includes(code);
    if (!approved && !outcomes.declined.includes(code)) this.anomaly(`result code "${code}" is not described; reported as declined`);
    const pan = values['maskedPan']?.trim();
    const approval = values['approvalCode']?.trim();
    this.emit('transaction.completed', {
      txnId: exchange.txnId,
      result: approved ? 'approved' : 'declined',
      amount: Number(values['amount'] ?? '0'),
      currency: ALPHA_BY_NUMERIC[(values['currency'] ?? '').replace(/^0+(?=\d{3})/, '')] ?? values['currency'] ?? 'unknown',
      ...(pan ? { maskedPan: /^\d{13,19}$/.test(pan) ? maskPan(pan) : pan } : {}),
      ...(approval && approved ? { approvalCode: approval } : {}),
      ...(values['responseCode'] !== undefined ? { responseCode: values['responseCode'] } : {}),
      ...(values['method'] !== undefined ? { method: methods[values['method']] ?? values['method'] } : {}),
      resultCode: code,
      ...(values['reference'] !== undefined ? { reference: values['reference'] } : {}),
    });
  }

  private intermediate(event: string, message: DecodedMessage, txnId: string): void {
    const values = message.values;
    if (event === 'display.text') return this.emit(event, { txnId, text: values['text'] ?? '' });
    if (event === 'status.changed') return this.emit(event, { state: values['text'] ?? 'idle' });
    const lines = (values['receipt'] ?? values['text'] ?? '').split(this.description.receiptLineSeparator).map((line) => line.trimEnd());
    const encoder = new ReceiptEncoder().initialise();
    for (const line of lines) encoder.line(line);
    const copy = lines.find((l) => / COPY$/.test(l))?.replace(/ COPY$/, '').toLowerCase() ?? `receipt-${++this.receipts}`;
    this.emit('printer.output', { copy, txnId, lines, escpos: Buffer.from(encoder.cut('partial').encode()).toString('hex'), source: `${this.protocol} receipt message` });
  }

  private emit(name: string, data: unknown): void {
    const event: TerminalEvent = { name, data, receivedAt: performance.now() };
    this.signalEvent(event);
  }

  private anomaly(text: string): void {
    this.tap?.note?.(text);
    this.signalAnomaly(text);
  }
}
