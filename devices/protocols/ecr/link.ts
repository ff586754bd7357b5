/**
 * An ECR link of the STX/ETX family over any byte transport, for either side. It sends one
 * message at a time (strict turn-taking): with a session (ENQ, ACK, frame, ACK, EOT) where the
 * description has one, otherwise frame and ACK; it repeats a frame that was NAKed or not
 * acknowledged in time, up to the described number of attempts, then fails the send.
 * It answers every received frame with ACK, a frame with a bad checksum with NAK, and writes
 * every byte to the transcript: frames, control bytes, and garbage between frames.
 */
import { DeviceError } from '../../../harness/core/errors.js';
import type { WireTap } from '../../framing/wire-tap.js';
import { linkClosed } from '../../transports/errors.js';
import type { Transport, Unsubscribe } from '../../transports/transport.js';
import type { Framing } from './description.js';
import { EcrFrameDecoder, encodeFrame, type ControlByte, type FrameItem } from './frame.js';

export class EcrLink {
  private readonly decoder: EcrFrameDecoder;
  private readonly listeners = new Set<(data: Uint8Array) => void>();
  private readonly anomalies = new Set<(text: string) => void>();
  private waiting: ((byte: ControlByte) => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  private gapTimer: NodeJS.Timeout | undefined;
  /** Set while the peer holds a session (between its ENQ and EOT): we do not talk over it. */
  private peerSession: { ended: Promise<void>; end: () => void } | undefined;
  private readonly offData: Unsubscribe;

  constructor(
    private readonly transport: Transport,
    private readonly framing: Framing,
    /** Sees every frame as it crossed the wire; the transcript masks card data in it (devices/protocols/ecr/card-data.ts). */
    private readonly tap?: WireTap,
  ) {
    this.decoder = new EcrFrameDecoder(framing);
    this.offData = transport.onData((chunk) => this.receive(chunk));
  }

  onMessage(listener: (data: Uint8Array) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onAnomaly(listener: (text: string) => void): Unsubscribe {
    this.anomalies.add(listener);
    return () => this.anomalies.delete(listener);
  }

  /** Sends one message's data part; resolves once the peer acknowledged it. In call order. */
  send(data: Uint8Array): Promise<void> {
    const run = this.queue.then(() => this.sendNow(data));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Bytes that are not a message (a garbled-line fault), written between two messages. */
  sendRaw(bytes: Uint8Array): Promise<void> {
    const run = this.queue.then(() => this.write(bytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  detach(): void {
    this.offData();
    clearTimeout(this.gapTimer);
    this.peerSession?.end();
  }

  private async sendNow(data: Uint8Array): Promise<void> {
    if (this.peerSession) await Promise.race([this.peerSession.ended, delay(this.framing.ackTimeoutMs * this.framing.attempts)]);
    const session = this.framing.session;
    const frame = encodeFrame(this.framing, data);
    if (!session) return this.exchange(frame, 'frame');
    try {
      await this.exchange(Uint8Array.of(session.enq), 'ENQ');
      await this.exchange(frame, 'frame');
    } finally {
      // A session ends with EOT whether the frame got through or the attempts ran out.
      await this.write(Uint8Array.of(session.eot)).catch(() => undefined);
    }
  }

  /** Writes bytes and waits for ACK; repeats after NAK or silence. */
  private async exchange(bytes: Uint8Array, what: string): Promise<void> {
    const { attempts, ackTimeoutMs } = this.framing;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const answer = new Promise<ControlByte | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ackTimeoutMs);
        this.waiting = (byte) => {
          clearTimeout(timer);
          resolve(byte);
        };
      });
      await this.write(bytes);
      const byte = await answer;
      this.waiting = undefined;
      if (byte === 'ack') return;
      this.note(byte === 'nak' ? `NAK for ${what} (attempt ${attempt} of ${attempts})` : `no ACK for ${what} within ${ackTimeoutMs} ms (attempt ${attempt} of ${attempts})`);
    }
    throw new DeviceError('E_ECR_NO_ACK', `the peer did not acknowledge a ${what} after ${attempts} attempts`, {
      device: this.transport.address,
      hint: 'check the line settings and the protocol description (framing, checksum); the transcript shows every byte',
    });
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (!this.transport.isOpen) throw linkClosed(this.transport.address);
    this.tap?.frame('tx', bytes);
    await this.transport.write(bytes);
  }

  private receive(chunk: Uint8Array): void {
    clearTimeout(this.gapTimer);
    this.handle(this.decoder.push(chunk));
    if (this.decoder.pending) {
      this.gapTimer = setTimeout(() => this.handle(this.decoder.flush()), this.framing.interByteTimeoutMs);
      this.gapTimer.unref();
    }
  }

  private handle(items: FrameItem[]): void {
    for (const item of items) {
      if (item.type === 'control') this.control(item.byte);
      else if (item.type === 'frame') {
        this.tap?.frame('rx', item.raw);
        this.answer(this.framing.ack);
        for (const listener of this.listeners) listener(item.data);
      } else {
        this.tap?.discarded('rx', item.raw, item.code);
        if (item.code === 'BAD_CHECKSUM') this.answer(this.framing.nak);
        this.note(`${item.code} at byte ${item.offset} (${item.raw.length} bytes kept in the transcript)`);
      }
    }
  }

  private control(byte: ControlByte): void {
    const value = byte === 'ack' ? this.framing.ack : byte === 'nak' ? this.framing.nak : byte === 'enq' ? this.framing.session!.enq : this.framing.session!.eot;
    this.tap?.frame('rx', Uint8Array.of(value));
    if (byte === 'ack' || byte === 'nak') {
      if (this.waiting) this.waiting(byte);
      else this.note(`${byte.toUpperCase()} to nothing sent`);
      return;
    }
    if (byte === 'enq') {
      let end = () => undefined as void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      this.peerSession?.end();
      this.peerSession = { ended, end };
      this.answer(this.framing.ack);
      return;
    }
    this.peerSession?.end();
    this.peerSession = undefined;
  }

  /** ACK or NAK for what the peer sent; in the transcript as the single byte it is. */
  private answer(byte: number): void {
    this.tap?.frame('tx', Uint8Array.of(byte));
    void this.transport.write(Uint8Array.of(byte)).catch(() => undefined);
  }

  private note(text: string): void {
    this.tap?.note?.(text);
    for (const listener of this.anomalies) listener(text);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
