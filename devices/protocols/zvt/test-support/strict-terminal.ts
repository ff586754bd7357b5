/**
 * A strict ZVT payment terminal for tests, scripted by the test: for each command it gives an
 * answer (80 00 00 or 84 xx) and the master messages that follow, sent one at a time, each only
 * after the ECR's 80 00 00. It records as a violation any command while an exchange is open
 * (except the abort request 06 B0), an answer while no master message waits for one, and, on
 * the serial framing, a frame while it waits for the ACK of its own.
 */
import type { Transport } from '../../../transports/transport.js';
import { decodeApdu, hex2, type Apdu } from '../apdu.js';
import type { ZvtForm } from '../link.js';
import { zvt } from '../messages.js';
import { hex, StrictLine } from './strict-line.js';

export interface Script {
  answer: Uint8Array;
  /** Master messages sent after the answer; the exchange stays open until one of them is 06 0F or 06 1E. */
  then?: Uint8Array[];
}

export class StrictTerminal {
  private readonly line: StrictLine;
  /** Every command the ECR sent, in order. */
  readonly commands: Apdu[] = [];
  private readonly queue: Uint8Array[] = [];
  private waitingAnswer = false;
  private open = false;

  constructor(
    transport: Transport,
    form: ZvtForm,
    private readonly script: (command: Apdu) => Script | undefined,
  ) {
    this.line = new StrictLine(transport, form, (apdu) => this.receive(apdu));
  }

  get violations(): readonly string[] {
    return this.line.violations;
  }

  /** True while an exchange is open (the terminal is master). */
  get master(): boolean {
    return this.open;
  }

  /** More master messages for the open exchange (a card was presented, the host answered…). */
  tell(...messages: Uint8Array[]): void {
    if (!this.open) this.line.violation('strict terminal asked to send with no exchange open (test bug)');
    this.queue.push(...messages);
    this.next();
  }

  close(): void {
    this.line.close();
  }

  private receive(bytes: Uint8Array): void {
    const decoded = decodeApdu(bytes);
    if (!decoded.ok) return this.line.violation(`malformed APDU ${hex(bytes)}`);
    const apdu = decoded.value;
    const control = hex2(apdu.cls) + hex2(apdu.instr);
    if (apdu.cls === 0x80 || apdu.cls === 0x84) {
      if (!this.waitingAnswer) return this.line.violation(`answer ${control} while no master message waited for one`);
      this.waitingAnswer = false;
      return this.next();
    }
    this.commands.push(apdu);
    if (this.waitingAnswer) this.line.violation(`command ${control} while a master message waited for the ECR's 80 00 00`);
    else if (this.open && control !== '06B0') this.line.violation(`command ${control} while the exchange was still open (no Completion or Abort yet)`);
    const script = this.script(apdu) ?? { answer: zvt.nack(0x83) };
    void this.line.send(script.answer);
    if (script.answer[0] === 0x80 && script.then?.length) {
      this.open = true;
      this.queue.push(...script.then);
      this.next();
    }
  }

  private next(): void {
    if (this.waitingAnswer) return;
    const message = this.queue.shift();
    if (!message) return;
    this.waitingAnswer = true;
    if (message[0] === 0x06 && (message[1] === 0x0f || message[1] === 0x1e)) this.open = false;
    void this.line.send(message);
  }
}
