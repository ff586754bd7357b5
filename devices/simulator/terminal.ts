/**
 * The simulated terminal's core: its state, its verbs, how it reacts to stimuli, and the events
 * it sends. Front ends (bench protocol, …) and the control channel call into one instance.
 * It behaves like a terminal rather than echoing expectations: it parses the tracks it is
 * swiped with, checks Luhn, LRC, expiry and service code, validates QR CRCs, asks its host,
 * and prints real ESC/POS receipts with the PAN masked.
 */
import { CURRENCY_NUMERIC, emvQrCrc, parseEmvQr } from '../formats/emv-qr.js';
import { decodeIso8583, describeIso8583, encodeIso8583 } from '../formats/iso8583.js';
import { formatAmount } from '../formats/money.js';
import { maskPan } from '../formats/pan.js';
import { isExpired, parseSwipe, serviceCodeRequiresChip } from '../formats/track.js';
import type { Defect } from './defects.js';
import type { Fault } from './faults.js';
import { checkImage, DEFAULT_CONFIG, migrate, type TerminalConfig } from './firmware.js';
import { DEFAULT_HOST_RULES, SimulatedHost } from './host.js';
import { LEAVE_AFTER_MS, LinkPresence } from './presence.js';
import { SimulatedPrinter } from './printer.js';
import { TerminalHealthModel } from './health.js';
import { SeededRandom } from './random.js';

export type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };
export type TerminalState = 'idle' | 'awaiting_card' | 'processing' | 'rebooting';

export interface SimulatorOptions {
  seed?: number;
  model?: string;
  firmware?: string;
  /** How long a sale waits for a card or QR by default, ms. */
  cardTimeoutMs?: number;
  bootMs?: number;
  /** How long the terminal waits for its host before it reverses the transaction, ms. */
  hostTimeoutMs?: number;
  /** The simulated acquirer host's latency range per authorisation, ms; default 15–60. */
  hostLatencyMs?: readonly [number, number];
  defects?: readonly Defect[];
  now?: () => Date;
}

interface Sale {
  txnId: string;
  amount: number;
  currency: string;
  reference?: string;
  items: string[];
  timer: NodeJS.Timeout;
}

export interface LoggedTransaction {
  txnId: string;
  type: 'sale' | 'refund';
  amount: number;
  currency: string;
  result: 'approved' | 'declined' | 'voided';
  method: string;
  maskedPan?: string;
  at: string;
  items: string[];
}

const ok = (result: unknown): Reply => ({ ok: true, result });
const refuse = (code: string, message: string): Reply => ({ ok: false, error: { code, message } });

export class SimulatedTerminal {
  readonly random: SeededRandom;
  readonly host: SimulatedHost;
  readonly printer: SimulatedPrinter;
  /** Whether the terminal is there for its ECR link: it vanishes while it restarts or is unplugged. */
  readonly presence = new LinkPresence();
  state: TerminalState = 'idle';
  readerFault = false;
  private sale: Sale | undefined;
  private sequence = 0;
  private readonly log: LoggedTransaction[] = [];
  private readonly listeners = new Set<(event: string, data: unknown) => void>();
  private readonly rawListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly faultNoise: SeededRandom;
  private readonly health: TerminalHealthModel;
  /** Added to every authorisation from a `slowDown` fault on: a terminal that degrades as it runs. */
  private slowdownMs = 0;
  private readonly identity: { model: string; serialNumber: string; firmware: string };
  private config: TerminalConfig = { ...DEFAULT_CONFIG };
  private readonly cardTimeoutMs: number;
  private readonly bootMs: number;
  private readonly hostTimeoutMs: number;
  private readonly defects: ReadonlySet<Defect>;
  private readonly now: () => Date;

  constructor(options: SimulatorOptions = {}) {
    const seed = options.seed ?? 1;
    this.random = new SeededRandom(seed);
    this.faultNoise = new SeededRandom(seed + 1);
    // A generator of its own: asking for the status must not change the host's decisions.
    this.health = new TerminalHealthModel(new SeededRandom(seed + 2));
    this.host = new SimulatedHost(this.random, { ...DEFAULT_HOST_RULES, ...(options.hostLatencyMs ? { latencyMs: [options.hostLatencyMs[0], options.hostLatencyMs[1]] } : {}) });
    this.printer = new SimulatedPrinter(
      (receipt) => this.emit('printer.output', receipt),
      (status) => this.emit('printer.status', status),
    );
    this.identity = { model: options.model ?? 'poshil-sim', serialNumber: `PSIM-${String(seed).padStart(6, '0')}`, firmware: options.firmware ?? '1.4.2' };
    this.cardTimeoutMs = options.cardTimeoutMs ?? 30_000;
    this.bootMs = options.bootMs ?? 300;
    this.hostTimeoutMs = options.hostTimeoutMs ?? 1500;
    this.defects = new Set(options.defects ?? []);
    this.printer.dropHeld = this.defects.has('lose-held-receipts');
    this.now = options.now ?? (() => new Date());
  }

  get model(): string {
    return this.identity.model;
  }

  get firmware(): string {
    return this.identity.firmware;
  }

  get serialNumber(): string {
    return this.identity.serialNumber;
  }

  onEvent(listener: (event: string, data: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Link-level output that is not a message: garbled bytes from a fault. */
  onRaw(listener: (bytes: Uint8Array) => void): () => void {
    this.rawListeners.add(listener);
    return () => this.rawListeners.delete(listener);
  }

  /** An environmental fault, from a fault plan or the control channel. */
  fault(name: Fault, durationMs?: number): void {
    const restoreAfter = (restore: () => void) => {
      if (durationMs) setTimeout(restore, durationMs).unref();
    };
    switch (name) {
      case 'paperOut':
        this.printer.setPaper('out');
        restoreAfter(() => this.printer.setPaper('ok'));
        break;
      case 'readerFailure':
        this.readerFault = true;
        restoreAfter(() => (this.readerFault = false));
        break;
      case 'hostTimeout':
        this.host.dropNext = true;
        break;
      case 'hostDown':
        this.host.online = false;
        restoreAfter(() => (this.host.online = true));
        break;
      case 'slowHost':
        this.host.extraLatencyMs = durationMs ?? 2000;
        break;
      case 'slowDown':
        this.slowdownMs += durationMs ?? 500;
        break;
      case 'garble': {
        const bytes = Uint8Array.from({ length: 24 }, () => Math.floor(this.faultNoise.next() * 256));
        bytes[bytes.length - 1] = 0x0a;
        for (const listener of this.rawListeners) listener(bytes);
        break;
      }
      case 'reboot':
        this.reboot('reboot');
        break;
      case 'unplug':
        // The cable, not the terminal: it keeps its state and comes back as it was (or never).
        this.presence.leave('unplug', 0);
        if (durationMs) this.presence.arriveAfter('unplug', durationMs);
        break;
    }
  }

  /** A verb from the ECR link. */
  async handle(op: string, args: Record<string, unknown>): Promise<Reply> {
    if (this.state === 'rebooting') return refuse('REBOOTING', 'the terminal is starting up');
    switch (op) {
      case 'identify':
        return ok({ ...this.identity, vendor: 'poshil', hardware: 'rev-B', capabilities: ['magstripe', 'chip', 'qr', 'printer', 'host', 'card-events', 'qr-events', 'host-events', 'printer-status', 'batch-totals', 'issuer-details', 'log-events'] });
      case 'status':
        return ok({
          state: this.state,
          paper: this.printer.paper,
          cover: this.printer.cover,
          reader: this.readerFault ? 'fault' : 'ok',
          network: this.host.online ? 'up' : 'down',
          heldReceipts: this.printer.heldCount,
          ...this.health.reading(this.log.length, this.printer.heldCount),
        });
      case 'sale':
        return this.startSale(args);
      case 'abort':
        return this.abort();
      case 'refund':
        return this.refund(args);
      case 'void':
        return this.voidTransaction(args);
      case 'print':
        return this.printFree(args);
      case 'endOfDay':
        return this.endOfDay();
      case 'reboot':
        this.reboot('reboot');
        return ok({ state: 'rebooting', bootMs: this.bootMs });
      case 'exportData':
        return ok({ firmware: this.identity.firmware, configuration: { ...this.config }, transactions: this.log.map((t) => ({ ...t, items: [...t.items] })), totals: this.totals() });
      case 'configure':
        return this.configure(args);
      case 'upgrade':
        return this.upgrade(args);
      default:
        return refuse('UNKNOWN_OP', `the terminal has no operation "${op}"`);
    }
  }

  /** A stimulus from the control channel: what a person or an instrument does. */
  stimulus(name: string, args: Record<string, unknown>): Reply {
    switch (name) {
      case 'swipe':
        return this.swipe(typeof args['track'] === 'string' ? args['track'] : '');
      case 'scan':
        return this.scan(typeof args['payload'] === 'string' ? args['payload'] : '');
      case 'paperOut':
        this.printer.setPaper('out');
        return ok({ paper: 'out' });
      case 'paperLoaded':
        this.printer.setPaper('ok');
        return ok({ paper: 'ok' });
      case 'coverOpen':
        this.printer.setCover('open');
        return ok({ cover: 'open' });
      case 'coverClosed':
        this.printer.setCover('closed');
        return ok({ cover: 'closed' });
      case 'readerFailure':
        this.readerFault = true;
        return ok({ reader: 'fault' });
      case 'readerRestored':
        this.readerFault = false;
        return ok({ reader: 'ok' });
      case 'unplugNetwork':
        this.host.online = false;
        return ok({ network: 'down' });
      case 'plugNetwork':
        this.host.online = true;
        return ok({ network: 'up' });
      case 'powerCycle':
        this.reboot('power');
        return ok({ state: 'rebooting' });
      default:
        return refuse('NOT_ACCEPTED', `the simulator cannot apply stimulus "${name}"`);
    }
  }

  snapshot(): Record<string, unknown> {
    return { state: this.state, sale: this.sale ? { txnId: this.sale.txnId, amount: this.sale.amount } : null, transactions: this.log.length, paper: this.printer.paper, network: this.host.online };
  }

  shutdown(): void {
    this.presence.stop();
    if (this.sale) clearTimeout(this.sale.timer);
    this.sale = undefined;
  }

  private emit(event: string, data: unknown): void {
    for (const listener of this.listeners) listener(event, data);
  }

  private setState(state: TerminalState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('status.changed', { state });
  }

  private startSale(args: Record<string, unknown>): Reply {
    const amount = args['amount'];
    const currency = args['currency'];
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) return refuse('BAD_ARGS', 'amount must be a positive whole number of minor units (cents)');
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) return refuse('BAD_ARGS', 'currency must be an ISO 4217 alphabetic code such as EUR');
    if (!(currency in CURRENCY_NUMERIC)) return refuse('CURRENCY_NOT_SUPPORTED', `the terminal is not configured for ${currency}`);
    if (this.sale || this.state !== 'idle') return refuse('BUSY', `a transaction is in progress (state ${this.state})`);
    const txnId = `TXN-${String(++this.sequence).padStart(6, '0')}`;
    const waitMs = typeof args['cardTimeoutMs'] === 'number' ? args['cardTimeoutMs'] : this.cardTimeoutMs;
    const timer = setTimeout(() => this.endSale('CARD_TIMEOUT'), waitMs);
    const items = Array.isArray(args['items']) ? args['items'].filter((i): i is string => typeof i === 'string') : [];
    this.sale = { txnId, amount, currency, ...(typeof args['reference'] === 'string' ? { reference: args['reference'] } : {}), items: items.length ? items : ['SALE'], timer };
    this.setState('awaiting_card');
    this.emit('display.text', { text: `${formatAmount(amount, currency)} - please present card` });
    return ok({ txnId, state: 'awaiting_card' });
  }

  private abort(): Reply {
    if (!this.sale) return ok({ aborted: false, state: this.state });
    const txnId = this.sale.txnId;
    this.endSale('ABORTED');
    return ok({ aborted: true, txnId });
  }

  private endSale(reason: string): void {
    const sale = this.sale;
    if (!sale) return;
    clearTimeout(sale.timer);
    this.sale = undefined;
    this.emit('transaction.failed', { txnId: sale.txnId, reason });
    this.setState('idle');
  }

  private swipe(track: string): Reply {
    if (this.state !== 'awaiting_card' || !this.sale) return refuse('NOT_ACCEPTED', 'the terminal is not waiting for a card');
    if (this.readerFault) {
      this.emit('card.rejected', { reason: 'READER_FAULT', detail: 'the magnetic stripe reader does not respond' });
      return ok({ accepted: true });
    }
    const parsed = parseSwipe(track);
    if (this.defects.has('leak-track-in-log')) this.emit('log.line', { level: 'debug', text: `reader: raw swipe ${track}` });
    if (!parsed.ok && !(parsed.error.code === 'LUHN' && this.defects.has('skip-luhn'))) {
      const reason = parsed.error.code === 'LUHN' || parsed.error.code === 'LRC_MISMATCH' ? (parsed.error.code === 'LUHN' ? 'LUHN' : 'BAD_LRC') : 'UNREADABLE';
      this.emit('card.rejected', { reason, detail: parsed.error.reason, offset: parsed.error.offset });
      return ok({ accepted: true });
    }
    const data = parsed.ok ? (parsed.value.track2 ?? parsed.value.track1!) : lenientTrack(track);
    if (!data) {
      this.emit('card.rejected', { reason: 'UNREADABLE', detail: 'no track could be read' });
      return ok({ accepted: true });
    }
    if (isExpired(data.expiry, this.now()) && !this.defects.has('accept-expired')) {
      this.emit('card.rejected', { reason: 'EXPIRED', detail: `the card expired at the end of ${data.expiry.slice(2)}/20${data.expiry.slice(0, 2)}`, maskedPan: maskPan(data.pan) });
      return ok({ accepted: true });
    }
    if (serviceCodeRequiresChip(data.serviceCode)) {
      this.emit('card.rejected', { reason: 'CHIP_REQUIRED', detail: `service code ${data.serviceCode}: insert the card`, maskedPan: maskPan(data.pan) });
      return ok({ accepted: true });
    }
    this.emit('card.read', { maskedPan: maskPan(data.pan), expiry: data.expiry, serviceCode: data.serviceCode, source: 'magstripe', lrc: data.lrc });
    void this.authorise('magstripe', data.pan);
    return ok({ accepted: true });
  }

  private scan(payload: string): Reply {
    if (this.state !== 'awaiting_card' || !this.sale) return refuse('NOT_ACCEPTED', 'the terminal is not waiting for a payment');
    let parsed = parseEmvQr(payload);
    if (!parsed.ok && parsed.error.code === 'CRC_MISMATCH' && this.defects.has('accept-bad-qr-crc')) {
      parsed = parseEmvQr(payload.slice(0, -4) + emvQrCrc(payload.slice(0, -4)));
    }
    if (!parsed.ok) {
      this.emit('qr.rejected', { reason: parsed.error.code === 'CRC_MISMATCH' ? 'BAD_CRC' : parsed.error.code, detail: parsed.error.reason, offset: parsed.error.offset });
      return ok({ accepted: true });
    }
    const qr = parsed.value;
    const expected = CURRENCY_NUMERIC[this.sale.currency];
    if (qr.currency !== undefined && qr.currency !== expected) {
      this.emit('qr.rejected', { reason: 'CURRENCY_MISMATCH', detail: `the QR is in currency ${qr.currency}, the sale in ${this.sale.currency} (${expected})` });
      return ok({ accepted: true });
    }
    if (qr.amount !== undefined && Math.round(Number(qr.amount) * 100) !== this.sale.amount) {
      this.emit('qr.rejected', { reason: 'AMOUNT_MISMATCH', detail: `the QR asks for ${qr.amount}, the sale is ${formatAmount(this.sale.amount, this.sale.currency)}` });
      return ok({ accepted: true });
    }
    this.emit('qr.scanned', { merchantName: qr.merchantName ?? '', merchantCity: qr.merchantCity ?? '', currency: qr.currency ?? expected, ...(qr.amount ? { amount: qr.amount } : {}), dynamic: qr.dynamic });
    void this.authorise('qr');
    return ok({ accepted: true });
  }

  private async authorise(method: 'magstripe' | 'qr', pan?: string): Promise<void> {
    const sale = this.sale!;
    clearTimeout(sale.timer);
    this.setState('processing');
    const stan = String(this.sequence).padStart(6, '0');
    const requestFields: Record<number, string> = {
      3: '000000',
      4: String(sale.amount).padStart(12, '0'),
      11: stan,
      22: method === 'magstripe' ? '021' : '031',
      41: this.config.terminalId.padEnd(8).slice(0, 8),
      49: CURRENCY_NUMERIC[sale.currency]!,
    };
    if (pan) requestFields[2] = pan;
    const request = { mti: '0200', fields: requestFields };
    this.emit('host.request', { txnId: sale.txnId, amount: sale.amount, currency: sale.currency, iso8583: describeIso8583(request) });
    const extraMs = (this.defects.has('slow-transactions') ? 3500 : 0) + this.slowdownMs;
    this.health.worked();
    const sentAt = performance.now();
    let hostTimer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      this.host.exchange(encodeIso8583(request)).then(async (text) => (await delay(extraMs), text)),
      new Promise<'timeout'>((resolve) => (hostTimer = setTimeout(() => resolve('timeout'), this.hostTimeoutMs + extraMs))),
    ]);
    // A timer left running per sale piles up at thousands of sales a second.
    clearTimeout(hostTimer);
    if (this.sale !== sale) return; // rebooted or aborted meanwhile
    this.sale = undefined;
    const response = answer === 'timeout' ? undefined : decodeIso8583(answer);
    if (!response?.ok) {
      // The request may have reached the issuer: a terminal must reverse it, or the customer
      // may be charged for a sale that failed.
      this.emit('host.timeout', { txnId: sale.txnId, afterMs: this.hostTimeoutMs });
      if (!this.defects.has('no-reversal-after-host-timeout')) {
        const reversal = { mti: '0400', fields: { 4: requestFields[4]!, 11: stan, 41: requestFields[41]!, 49: requestFields[49]!, 90: `0200${stan}`.padEnd(42, '0') } };
        void this.host.exchange(encodeIso8583(reversal)).catch(() => undefined);
        this.emit('reversal.sent', { txnId: sale.txnId, amount: sale.amount, currency: sale.currency, iso8583: describeIso8583(reversal) });
      }
      this.emit('transaction.failed', { txnId: sale.txnId, reason: 'HOST_TIMEOUT' });
      this.setState('idle');
      return;
    }
    const responseCode = response.value.fields[39] ?? '96';
    const approvalCode = response.value.fields[38];
    const approved = responseCode === '00';
    this.emit('host.response', { txnId: sale.txnId, responseCode, latencyMs: Math.round(performance.now() - sentAt), iso8583: describeIso8583(response.value) });
    const at = this.now().toISOString();
    const maskedPan = pan ? maskPan(pan) : undefined;
    const result = approved || this.defects.has('approve-declined') ? 'approved' : 'declined';
    if (result === 'approved' && this.defects.has('double-charge')) this.log.push({ txnId: sale.txnId, type: 'sale', amount: sale.amount, currency: sale.currency, result, method, ...(maskedPan ? { maskedPan } : {}), at, items: sale.items });
    this.log.push({ txnId: sale.txnId, type: 'sale', amount: sale.amount, currency: sale.currency, result, method, ...(maskedPan ? { maskedPan } : {}), at, items: sale.items });
    this.emit('transaction.completed', {
      txnId: sale.txnId,
      result,
      amount: sale.amount,
      currency: sale.currency,
      ...(maskedPan ? { maskedPan } : {}),
      ...(approvalCode && result === 'approved' ? { approvalCode } : {}),
      responseCode,
      method,
      at,
    });
    this.setState('idle');
    const printedPan = this.defects.has('full-pan-on-receipt') && pan ? pan : maskedPan;
    for (const copy of ['merchant', 'customer']) this.printer.print(copy, receiptLines(copy, sale, result, at, printedPan, approvalCode), sale.txnId, sale.txnId);
  }

  private refund(args: Record<string, unknown>): Reply {
    const amount = args['amount'];
    const currency = args['currency'];
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || typeof currency !== 'string') return refuse('BAD_ARGS', 'refund needs amount (cents) and currency');
    if (this.state !== 'idle') return refuse('BUSY', `a transaction is in progress (state ${this.state})`);
    const txnId = `TXN-${String(++this.sequence).padStart(6, '0')}`;
    const at = this.now().toISOString();
    this.log.push({ txnId, type: 'refund', amount, currency, result: 'approved', method: 'manual', at, items: ['REFUND'] });
    return ok({ txnId, result: 'approved', amount, currency });
  }

  private voidTransaction(args: Record<string, unknown>): Reply {
    const txn = this.log.find((t) => t.txnId === args['txnId']);
    if (!txn) return refuse('NO_TRANSACTION', `no transaction ${String(args['txnId'])} in the batch`);
    if (txn.result !== 'approved') return refuse('NOT_VOIDABLE', `transaction ${txn.txnId} is ${txn.result}`);
    txn.result = 'voided';
    return ok({ txnId: txn.txnId, result: 'voided' });
  }

  private printFree(args: Record<string, unknown>): Reply {
    const lines = Array.isArray(args['lines']) ? args['lines'].filter((l): l is string => typeof l === 'string') : [];
    if (lines.length === 0) return refuse('BAD_ARGS', 'print needs lines: an array of strings');
    this.printer.print('document', lines.map((text) => ({ text })));
    return ok({ printed: this.printer.ready, held: !this.printer.ready });
  }

  private configure(args: Record<string, unknown>): Reply {
    for (const [key, value] of Object.entries(args)) {
      if (!(key in this.config) || typeof value !== typeof this.config[key as keyof TerminalConfig]) return refuse('BAD_ARGS', `unknown or mistyped setting "${key}"`);
    }
    this.config = { ...this.config, ...(args as Partial<TerminalConfig>) };
    return ok({ configuration: { ...this.config } });
  }

  /** Checks the image, flashes it (progress events), migrates the data, and reboots into it. */
  private upgrade(args: Record<string, unknown>): Reply {
    if (this.state !== 'idle') return refuse('BUSY', `cannot upgrade in state ${this.state}`);
    const image = checkImage(args['image'], args['sha256']);
    if (!image.ok) return refuse(image.code, image.message);
    this.state = 'rebooting';
    for (const percent of [0, 50, 100]) this.emit('firmware.progress', { percent, version: image.version });
    const migrated = migrate(this.log, this.config, this.defects);
    this.log.splice(0, this.log.length, ...migrated.log);
    this.config = migrated.config;
    this.identity.firmware = image.version;
    this.presence.leave('upgrade');
    setTimeout(() => {
      this.state = 'idle';
      this.presence.arrive('upgrade');
      this.emit('terminal.ready', { firmware: image.version, cause: 'upgrade' });
    }, LEAVE_AFTER_MS + this.bootMs).unref();
    return ok({ state: 'rebooting', version: image.version, bytes: image.bytes });
  }

  private endOfDay(): Reply {
    const totals = this.totals();
    this.log.length = 0;
    return ok({ totals, closedAt: this.now().toISOString() });
  }

  private totals(): Record<string, { count: number; amount: number }> {
    const totals: Record<string, { count: number; amount: number }> = {};
    for (const t of this.log) {
      if (t.result !== 'approved') continue;
      const key = `${t.type}:${t.currency}`;
      totals[key] ??= { count: 0, amount: 0 };
      totals[key].count++;
      totals[key].amount += t.amount;
    }
    return totals;
  }

  private reboot(cause: 'reboot' | 'power'): void {
    if (this.sale) this.endSale(cause === 'power' ? 'POWER_LOST' : 'REBOOT');
    this.state = 'rebooting';
    this.presence.leave(cause);
    setTimeout(() => {
      this.state = 'idle';
      this.presence.arrive(cause);
      this.emit('terminal.ready', { firmware: this.identity.firmware, cause });
    }, LEAVE_AFTER_MS + this.bootMs).unref();
  }
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** What a reader with the Luhn check switched off would take from a swipe: the track 2 fields. */
function lenientTrack(track: string): { pan: string; expiry: string; serviceCode: string; lrc: string } | undefined {
  const m = /;(\d{8,19})=(\d{4})(\d{3})/.exec(track);
  return m ? { pan: m[1]!, expiry: m[2]!, serviceCode: m[3]!, lrc: 'absent' } : undefined;
}


function receiptLines(copy: string, sale: Sale, result: string, at: string, maskedPan: string | undefined, approvalCode: string | undefined) {
  return [
    { text: 'POSHIL BAKERY', bold: true, align: 'center' as const },
    { text: 'Simulated terminal PSIM', align: 'center' as const },
    { text: at.replace('T', ' ').slice(0, 19) },
    { text: `SALE ${sale.txnId}` },
    ...(maskedPan ? [{ text: `CARD ${maskedPan}` }] : [{ text: 'PAID BY QR' }]),
    { text: `TOTAL ${formatAmount(sale.amount, sale.currency)}`, bold: true },
    { text: result === 'approved' ? `APPROVED ${approvalCode ?? ''}`.trim() : 'DECLINED', bold: true },
    { text: `${copy.toUpperCase()} COPY`, align: 'center' as const },
  ];
}
