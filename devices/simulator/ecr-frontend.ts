/**
 * The simulated terminal speaking a vendor ECR protocol from its description, as the terminal
 * does: it recognises the request (message and verb constants), runs the verb on the simulator
 * core, and answers with the described response. A transaction's response waits for the
 * outcome (a swipe, the host); receipts and display texts go out before it as intermediate
 * messages where the description has them, so every message belongs to the open exchange.
 * One exchange at a time: a request while one is open is answered with a decline.
 */
import { CURRENCY_NUMERIC } from '../formats/emv-qr.js';
import type { EcrProtocol, Field, VerbMapping } from '../protocols/ecr/description.js';
import { EcrLink } from '../protocols/ecr/link.js';
import { decodeMessage, encodeField, encodeMessage, type DecodedMessage } from '../protocols/ecr/message.js';
import type { Transport } from '../transports/transport.js';
import type { Reply, SimulatedTerminal } from './terminal.js';

const ALPHA_BY_NUMERIC = Object.fromEntries(Object.entries(CURRENCY_NUMERIC).map(([alpha, numeric]) => [numeric, alpha]));

type Sources = Record<string, string | undefined>;
/** The result code, written into the outcome field by name (whatever its source). */
const OUTCOME = '@outcome';

function clip(fields: readonly Field[], sources: Sources): Sources {
  const clipped = { ...sources };
  for (const f of fields) if (f.source && clipped[f.source] !== undefined) clipped[f.source] = clipped[f.source]!.slice(0, f.width);
  return clipped;
}

interface Exchange {
  mapping: VerbMapping;
  request: DecodedMessage;
  txnId?: string;
}

export class EcrSession {
  private readonly link: EcrLink;
  private exchange: Exchange | undefined;

  constructor(
    transport: Transport,
    private readonly protocol: EcrProtocol,
    private readonly terminal: SimulatedTerminal,
  ) {
    this.link = new EcrLink(transport, protocol.framing);
    this.link.onMessage((data) => void this.receive(data));
    const offEvents = terminal.onEvent((event, data) => this.forward(event, data as Record<string, unknown>));
    const offRaw = terminal.onRaw((bytes) => this.link.sendRaw(bytes).catch(() => undefined));
    transport.onClose(() => {
      offEvents();
      offRaw();
      this.link.detach();
    });
  }

  private send(message: string, sources: Sources): void {
    const layout = this.protocol.messages[message]!;
    const outcome = sources[OUTCOME];
    const values = outcome !== undefined && layout.fields.some((f) => f.name === this.protocol.outcomes.field) ? { [this.protocol.outcomes.field]: outcome } : {};
    const encoded = encodeMessage(layout, values, sources);
    // A text the layout cannot hold (a long receipt) is cut rather than lost.
    const data = encoded.ok ? encoded : encodeMessage(layout, values, clip(layout.fields, sources));
    if (data.ok) this.link.send(data.value).catch(() => undefined);
  }

  private async receive(data: Uint8Array): Promise<void> {
    const decoded = decodeMessage(this.protocol, data, 'request');
    if (!decoded.ok) return; // acknowledged at link level, but no described request: a terminal ignores it
    const request = decoded.value;
    const mapping = Object.values(this.protocol.verbs).find((v) => v.request === request.message && Object.entries(v.values).every(([k, value]) => request.byName[k] === value));
    if (!mapping) return;
    const echo: Sources = { reference: request.values['reference'], amount: request.values['amount'], currency: request.values['currency'] };
    if (this.exchange && !mapping.interrupts) return this.finish(mapping, { ...echo, ...this.code('declined') });
    const args = {
      amount: Number(request.values['amount'] ?? '0'),
      currency: ALPHA_BY_NUMERIC[(request.values['currency'] ?? '978').replace(/^0+(?=\d{3})/, '')] ?? 'EUR',
      ...(request.values['reference'] ? { reference: request.values['reference'] } : {}),
    };
    const interrupting = mapping.interrupts && this.exchange !== undefined;
    // A sale's exchange opens before the core runs it: its first display text belongs to it.
    const exchange: Exchange | undefined = mapping.verb === 'sale' ? { mapping, request } : undefined;
    if (exchange) this.exchange = exchange;
    const reply = await this.terminal.handle(mapping.verb, args);
    if (interrupting) return; // the open exchange ends with its own response
    if (exchange && reply.ok) {
      exchange.txnId = (reply.result as { txnId: string }).txnId;
      return;
    }
    if (exchange) this.exchange = undefined;
    this.finish(mapping, { ...echo, ...this.resultSources(mapping.verb, reply) });
  }

  /** Sends the response that ends an exchange. */
  private finish(mapping: VerbMapping, sources: Sources): void {
    this.send(mapping.responses[0]!, sources);
  }

  private resultSources(verb: string, reply: Reply): Sources {
    if (!reply.ok) return { ...this.code(reply.error.code === 'ABORTED' ? 'failed' : 'declined', reply.error.code), text: reply.error.message };
    const result = reply.result as Record<string, unknown>;
    const approved = this.code('approved');
    if (verb === 'identify') return { ...approved, model: String(result['model']), firmware: String(result['firmware']), terminalId: String(result['serialNumber']) };
    if (verb === 'status') return { ...approved, text: String(result['state']) };
    if (verb === 'endOfDay') {
      const totals = Object.values((result['totals'] ?? {}) as Record<string, { count: number; amount: number }>);
      return { ...approved, count: String(totals.reduce((n, t) => n + t.count, 0)), total: String(totals.reduce((n, t) => n + t.amount, 0)) };
    }
    return { ...approved, approvalCode: typeof result['approvalCode'] === 'string' ? result['approvalCode'] : undefined };
  }

  /** The result code for an outcome: the host's own code where the field can carry it. */
  private code(outcome: 'approved' | 'declined' | 'failed', hostCode?: string): Sources {
    const { outcomes } = this.protocol;
    const field = this.protocol.messages[Object.values(this.protocol.verbs).find((v) => v.transaction)?.responses[0] ?? '']?.fields.find((f) => f.name === outcomes.field);
    let code: string;
    if (outcome === 'approved') code = outcomes.approved[0]!;
    else if (outcome === 'failed') code = Object.entries(outcomes.failed).find(([, reason]) => reason === hostCode)?.[0] ?? outcomes.declined[0]!;
    else {
      const own = hostCode && field && encodeField(field, hostCode, true).ok && !outcomes.approved.includes(hostCode) && !(hostCode in outcomes.failed);
      code = own ? hostCode : outcomes.declined[0]!;
    }
    return { [OUTCOME]: code };
  }

  /** What the ECR hears of the terminal's events during the open exchange. */
  private forward(event: string, data: Record<string, unknown>): void {
    const exchange = this.exchange;
    if (!exchange) return;
    const intermediate = (name: string) => this.protocol.events.find((e) => e.event === name)?.message;
    switch (event) {
      case 'display.text': {
        const message = intermediate('display.text');
        if (message) this.send(message, { text: String(data['text'] ?? '') });
        return;
      }
      case 'printer.output': {
        const message = intermediate('printer.output');
        const lines = Array.isArray(data['lines']) ? data['lines'].map(String) : [];
        if (message && data['txnId'] === exchange.txnId) this.send(message, { receipt: lines.join(this.protocol.receiptLineSeparator) });
        return;
      }
      case 'transaction.completed': {
        if (data['txnId'] !== exchange.txnId) return;
        const approved = data['result'] === 'approved';
        const pan = typeof data['maskedPan'] === 'string' ? data['maskedPan'] : undefined;
        const method = Object.entries(this.protocol.methods).find(([, name]) => name === data['method'])?.[0];
        const sources: Sources = {
          reference: exchange.request.values['reference'],
          amount: String(data['amount']),
          currency: CURRENCY_NUMERIC[String(data['currency'])],
          ...(approved ? this.code('approved') : this.code('declined', String(data['responseCode'] ?? ''))),
          approvalCode: approved && typeof data['approvalCode'] === 'string' ? data['approvalCode'] : undefined,
          maskedPan: pan,
          method,
        };
        // Receipts print right after the outcome; the response ends the exchange after them.
        setImmediate(() => this.end(exchange, sources));
        return;
      }
      case 'transaction.failed':
        if (data['txnId'] !== exchange.txnId) return;
        return this.end(exchange, { reference: exchange.request.values['reference'], amount: exchange.request.values['amount'], currency: exchange.request.values['currency'], ...this.code('failed', String(data['reason'])) });
    }
  }

  private end(exchange: Exchange, sources: Sources): void {
    if (this.exchange !== exchange) return;
    this.exchange = undefined;
    this.finish(exchange.mapping, sources);
  }
}
