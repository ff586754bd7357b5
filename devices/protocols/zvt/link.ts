/**
 * A ZVT link over any byte transport, in either transport form: bare APDUs on TCP, or framed
 * APDUs on a serial line, where every frame is acknowledged (ACK/NAK) and a sender sends a
 * frame that was refused or not acknowledged in time at most 3 times in all. After the last
 * failed attempt the link is dead: the failure listeners hear why, and every later send fails
 * at once, so no exchange carries on over a line that lost a message — until a good frame from
 * the peer shows the line works again. A frame whose bytes stop
 * for longer than T1 is dropped and answered with NAK. The transcript gets each APDU, each
 * ACK/NAK byte, and every byte that formed no frame. Timer values and their source: docs/zvt.md.
 */
import { DeviceError } from '../../../harness/core/errors.js';
import type { WireTap } from '../../framing/wire-tap.js';
import { linkClosed } from '../../transports/errors.js';
import type { Transport, Unsubscribe } from '../../transports/transport.js';
import { ACK, encodeSerialFrame, NAK, SerialFrameDecoder, TcpApduSplitter, type SerialItem } from './serial-frame.js';

export type ZvtForm = 'tcp' | 'serial';

/** Serial timers and counts (docs/zvt.md names their source). */
export const SERIAL_TIMING = {
  /** T1: the longest gap between two bytes of one frame. */
  interByteMs: 200,
  /** T3: how long a sender waits for ACK/NAK after a frame before sending it again. */
  ackTimeoutMs: 5000,
  /** Transmissions of one frame in all (the first and two repeats). */
  attempts: 3,
};
export type SerialTiming = typeof SERIAL_TIMING;

export class ZvtLink {
  private readonly listeners = new Set<(apdu: Uint8Array) => void>();
  private readonly anomalies = new Set<(text: string) => void>();
  private readonly failures = new Set<(error: DeviceError) => void>();
  private readonly serial: SerialFrameDecoder;
  private readonly tcp = new TcpApduSplitter();
  private readonly timing: SerialTiming;
  private waitingAck: ((ack: boolean) => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly offData: Unsubscribe;
  private gapTimer: NodeJS.Timeout | undefined;
  private chunks = 0;
  /** Set once a frame failed its last attempt: the link sends nothing more. */
  private dead: DeviceError | undefined;

  constructor(
    private readonly transport: Transport,
    readonly form: ZvtForm,
    private readonly tap?: WireTap,
    timing: Partial<SerialTiming> = {},
  ) {
    this.timing = { ...SERIAL_TIMING, ...timing };
    this.serial = new SerialFrameDecoder(this.timing.interByteMs);
    this.offData = transport.onData((chunk) => this.receive(chunk));
  }

  /** Runs once when a frame was not acknowledged after the last attempt. */
  onFailure(listener: (error: DeviceError) => void): Unsubscribe {
    this.failures.add(listener);
    return () => this.failures.delete(listener);
  }

  get failed(): DeviceError | undefined {
    return this.dead;
  }

  onApdu(listener: (apdu: Uint8Array) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onAnomaly(listener: (text: string) => void): Unsubscribe {
    this.anomalies.add(listener);
    return () => this.anomalies.delete(listener);
  }

  /** Sends one APDU; on a serial line, resolves once the peer acknowledged it. In call order. */
  send(apdu: Uint8Array): Promise<void> {
    const run = this.queue.then(() => this.sendNow(apdu));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Bytes that are no frame (a garbled-line fault), written between two frames: after the frames
   * sent before them are acknowledged, so never inside a frame (an ECR that has just sent one and
   * waits for this side's ACK may see them first, as on a noisy line). For the serial form only:
   * bare APDUs on TCP have nothing a peer could find the next one by.
   */
  sendRaw(bytes: Uint8Array): Promise<void> {
    const run = this.queue.then(() => {
      this.tap?.discarded('tx', bytes, 'no frame');
      return this.transport.write(bytes);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  detach(): void {
    this.offData();
    clearTimeout(this.gapTimer);
  }

  private async sendNow(apdu: Uint8Array): Promise<void> {
    if (this.dead) throw this.dead;
    this.tap?.frame('tx', apdu);
    if (this.form === 'tcp') return this.transport.write(apdu);
    const frame = encodeSerialFrame(apdu);
    const { attempts, ackTimeoutMs } = this.timing;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const acked = new Promise<boolean | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ackTimeoutMs);
        this.waitingAck = (ack) => {
          clearTimeout(timer);
          resolve(ack);
        };
      });
      if (!this.transport.isOpen) throw linkClosed(this.transport.address);
      await this.transport.write(frame);
      const answer = await acked;
      this.waitingAck = undefined;
      if (answer === true) return;
      this.note(answer === false ? `NAK for frame (attempt ${attempt} of ${attempts})` : `no ACK within ${ackTimeoutMs} ms (attempt ${attempt} of ${attempts})`);
    }
    this.dead = new DeviceError('E_ZVT_NO_ACK', `the peer did not acknowledge a frame in ${attempts} attempts; the link is given up`, {
      device: this.transport.address,
      hint: 'check the line settings (baud rate, 8N2 or 8N1) and the cable; the transcript shows the frames',
    });
    this.note(this.dead.message);
    for (const listener of this.failures) listener(this.dead);
    throw this.dead;
  }

  private receive(chunk: Uint8Array): void {
    if (this.form === 'tcp') {
      for (const apdu of this.tcp.push(chunk)) this.deliver(apdu);
      return;
    }
    this.handle(this.serial.push(chunk, performance.now()));
    this.watchGap();
  }

  /**
   * While a frame is incomplete, T1 runs. When it fires, the check waits one turn of the event
   * loop (setImmediate), so bytes that arrived while this process was busy are read first and a
   * slow process never mistakes its own delay for a gap on the line.
   */
  private watchGap(): void {
    clearTimeout(this.gapTimer);
    if (!this.serial.inFrame) return;
    const seen = ++this.chunks;
    this.gapTimer = setTimeout(() => {
      setImmediate(() => {
        if (seen === this.chunks && this.serial.inFrame) this.handle(this.serial.expire());
      });
    }, this.timing.interByteMs);
    this.gapTimer.unref?.();
  }

  private handle(items: SerialItem[]): void {
    for (const item of items) {
      if (item.type === 'ack' || item.type === 'nak') {
        this.tap?.frame('rx', Uint8Array.of(item.type === 'ack' ? ACK : NAK));
        this.waitingAck?.(item.type === 'ack');
      } else if (item.type === 'frame') {
        // A good frame from the peer shows the line works again: later sends are allowed. (The
        // exchange that lost its message stays failed; the driver has reported the link lost.)
        this.dead = undefined;
        this.answer(ACK);
        this.deliver(item.apdu);
      } else {
        this.tap?.discarded('rx', item.raw, item.code);
        // A damaged or interrupted frame is refused so that the sender repeats it.
        if (item.code === 'CRC_MISMATCH' || item.code === 'T1_TIMEOUT') this.answer(NAK);
        this.note(`${item.code} at byte ${item.offset}`);
      }
    }
  }

  /** ACK or NAK for a received frame; in the transcript as the single byte it is. */
  private answer(byte: number): void {
    this.tap?.frame('tx', Uint8Array.of(byte));
    void this.transport.write(Uint8Array.of(byte)).catch(() => undefined);
  }

  private deliver(apdu: Uint8Array): void {
    this.tap?.frame('rx', apdu);
    for (const listener of this.listeners) listener(apdu);
  }

  private note(text: string): void {
    this.tap?.note?.(text);
    for (const listener of this.anomalies) listener(text);
  }
}
