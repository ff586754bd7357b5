/**
 * A ZVT link over any byte transport, in either transport form: bare APDUs on TCP, or framed
 * APDUs on a serial line, where every frame is acknowledged (ACK/NAK) and a sender repeats a
 * frame that was refused or not acknowledged in time (up to 3 times). The transcript gets each
 * APDU, each ACK/NAK byte, and every byte that formed no frame.
 */
import { DeviceError } from '../../../harness/core/errors.js';
import type { WireTap } from '../../framing/wire-tap.js';
import { linkClosed } from '../../transports/errors.js';
import type { Transport, Unsubscribe } from '../../transports/transport.js';
import { ACK, encodeSerialFrame, NAK, SerialFrameDecoder, TcpApduSplitter } from './serial-frame.js';

export type ZvtForm = 'tcp' | 'serial';

/** How long a sender waits for ACK/NAK before repeating a frame, and how often it repeats. */
export const ACK_TIMEOUT_MS = 1000;
export const MAX_REPEATS = 3;

export class ZvtLink {
  private readonly listeners = new Set<(apdu: Uint8Array) => void>();
  private readonly anomalies = new Set<(text: string) => void>();
  private readonly serial = new SerialFrameDecoder();
  private readonly tcp = new TcpApduSplitter();
  private waitingAck: ((ack: boolean) => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly offData: Unsubscribe;

  constructor(
    private readonly transport: Transport,
    readonly form: ZvtForm,
    private readonly tap?: WireTap,
  ) {
    this.offData = transport.onData((chunk) => this.receive(chunk));
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

  detach(): void {
    this.offData();
  }

  private async sendNow(apdu: Uint8Array): Promise<void> {
    this.tap?.frame('tx', apdu);
    if (this.form === 'tcp') return this.transport.write(apdu);
    const frame = encodeSerialFrame(apdu);
    for (let attempt = 1; attempt <= MAX_REPEATS; attempt++) {
      const acked = new Promise<boolean | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ACK_TIMEOUT_MS);
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
      this.note(answer === false ? `NAK for frame (attempt ${attempt})` : `no ACK within ${ACK_TIMEOUT_MS} ms (attempt ${attempt})`);
    }
    throw new DeviceError('E_ZVT_NO_ACK', `the terminal did not acknowledge a frame after ${MAX_REPEATS} attempts`, {
      device: this.transport.address,
      hint: 'check the line settings (baud rate, 8N2 or 8N1) and the cable; the transcript shows the frames',
    });
  }

  private receive(chunk: Uint8Array): void {
    if (this.form === 'tcp') {
      for (const apdu of this.tcp.push(chunk)) this.deliver(apdu);
      return;
    }
    for (const item of this.serial.push(chunk)) {
      if (item.type === 'ack' || item.type === 'nak') {
        this.tap?.frame('rx', Uint8Array.of(item.type === 'ack' ? ACK : NAK));
        this.waitingAck?.(item.type === 'ack');
      } else if (item.type === 'frame') {
        this.answer(ACK);
        this.deliver(item.apdu);
      } else {
        this.tap?.discarded('rx', item.raw, item.code);
        if (item.code === 'CRC_MISMATCH') this.answer(NAK);
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
