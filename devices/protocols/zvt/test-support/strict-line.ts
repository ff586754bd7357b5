/**
 * The line level of a strict ZVT peer for tests, written apart from `ZvtLink` so that it checks
 * poshil's link instead of sharing its mistakes. On the serial framing it sends a frame and then
 * accepts nothing but ACK or NAK until the frame is acknowledged; a frame that arrives while it
 * waits for that ACK, or an ACK nobody waits for, is a violation. Every violation is recorded
 * with what was expected, so a test can fail on the first one.
 */
import type { Transport } from '../../../transports/transport.js';
import { ACK, encodeSerialFrame, NAK, SerialFrameDecoder, TcpApduSplitter } from '../serial-frame.js';
import type { ZvtForm } from '../link.js';

export class StrictLine {
  readonly violations: string[] = [];
  private readonly decoder = new SerialFrameDecoder();
  private readonly splitter = new TcpApduSplitter();
  private awaitingAck: ((ack: boolean) => void) | undefined;
  private readonly offData: () => void;

  constructor(
    private readonly transport: Transport,
    private readonly form: ZvtForm,
    private readonly deliver: (apdu: Uint8Array) => void,
    private readonly ackTimeoutMs = 2000,
  ) {
    this.offData = transport.onData((chunk) => this.receive(chunk));
  }

  /** Runs of stray bytes between frames, kept instead of counted as violations once `allowNoise` is set (a garbled-line test). */
  readonly noise: Uint8Array[] = [];
  allowNoise = false;

  /** Runs on each violation (a strict peer fails the exchange it follows at once). */
  onViolation: ((text: string) => void) | undefined;

  violation(text: string): void {
    this.violations.push(text);
    this.onViolation?.(text);
  }

  private queue: Promise<void> = Promise.resolve();

  /** Sends one APDU after those before it; on the serial framing resolves once the peer ACKed it (3 attempts in all). */
  send(apdu: Uint8Array): Promise<void> {
    const run = this.queue.then(() => this.sendNow(apdu));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(apdu: Uint8Array): Promise<void> {
    if (this.form === 'tcp') return this.transport.write(apdu);
    const frame = encodeSerialFrame(apdu);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const answer = new Promise<boolean | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), this.ackTimeoutMs);
        this.awaitingAck = (ack) => {
          clearTimeout(timer);
          resolve(ack);
        };
      });
      await this.transport.write(frame);
      const ack = await answer;
      this.awaitingAck = undefined;
      if (ack) return;
    }
    this.violation(`no ACK for frame ${hex(apdu)} in 3 attempts`);
  }

  close(): void {
    this.offData();
  }

  private receive(chunk: Uint8Array): void {
    if (this.form === 'tcp') {
      for (const apdu of this.splitter.push(chunk)) this.deliver(apdu);
      return;
    }
    for (const item of this.decoder.push(chunk)) {
      if (item.type === 'ack' || item.type === 'nak') {
        const waiting = this.awaitingAck;
        // Cleared at once: a frame right behind the ACK in the same chunk is in turn.
        this.awaitingAck = undefined;
        if (!waiting) this.violation(`${item.type.toUpperCase()} while no frame waited for one`);
        waiting?.(item.type === 'ack');
      } else if (item.type === 'frame') {
        if (this.awaitingAck) this.violation(`frame ${hex(item.apdu)} arrived while waiting for the ACK of our own frame`);
        void this.transport.write(Uint8Array.of(ACK)).catch(() => undefined);
        this.deliver(item.apdu);
      } else if (item.code === 'STRAY_BYTES' && this.allowNoise) {
        this.noise.push(item.raw);
      } else {
        this.violation(`${item.code} on the line`);
        if (item.code === 'CRC_MISMATCH') void this.transport.write(Uint8Array.of(NAK)).catch(() => undefined);
      }
    }
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ');
}
