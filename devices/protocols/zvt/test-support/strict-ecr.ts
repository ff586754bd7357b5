/**
 * A strict ZVT ECR for tests: it sends one command, takes exactly one answer (80 00 00 or 84 xx),
 * then answers each of the terminal's master messages with 80 00 00 — after a short pause, so
 * that a terminal which sends its next message without waiting is caught — until Completion
 * 06 0F or Abort 06 1E ends the exchange. Any frame out of turn is a violation: a master message
 * before the answer, a second one before ours went out, one after the end, an answer to nothing.
 */
import type { Transport } from '../../../transports/transport.js';
import { decodeApdu, hex2, type Apdu } from '../apdu.js';
import type { ZvtForm } from '../link.js';
import { zvt } from '../messages.js';
import { hex, StrictLine } from './strict-line.js';

export interface EcrExchange {
  /** The terminal's answer to the command. */
  answered: Promise<Apdu>;
  /** The terminal's first master message (e.g. 04 FF "insert card": the moment an abort request is in turn). */
  firstMessage: Promise<Apdu>;
  /** The master messages and the message that ended the exchange (Completion, Abort, or the answer itself). */
  ended: Promise<{ messages: Apdu[]; end: Apdu }>;
}

type Phase = 'idle' | 'awaitAnswer' | 'master' | 'answering';
type Ended = { messages: Apdu[]; end: Apdu };

interface Current {
  fail: (error: Error) => void;
  messages: Apdu[];
  first: (a: Apdu) => void;
  firstMessage: Promise<Apdu>;
  answer: (a: Apdu) => void;
  end: (r: Ended) => void;
  ended: Promise<Ended>;
  endsWithAnswer: boolean;
}

export class StrictEcr {
  private readonly line: StrictLine;
  private phase: Phase = 'idle';
  private current: Current | undefined;
  private abortAnswer: ((a: Apdu) => void) | undefined;
  private afterAnswer: (() => void) | undefined;

  constructor(
    transport: Transport,
    form: ZvtForm,
    private readonly answerDelayMs = 15,
  ) {
    this.line = new StrictLine(transport, form, (apdu) => this.receive(apdu));
    // The exchange being followed fails on the first frame out of turn, with what was wrong.
    this.line.onViolation = (text) => this.current?.fail(new Error(`out of turn: ${text}`));
  }

  get violations(): readonly string[] {
    return this.line.violations;
  }

  /** From now on stray bytes between frames are kept, not violations; the list fills as they arrive. */
  keepNoise(): readonly Uint8Array[] {
    this.line.allowNoise = true;
    return this.line.noise;
  }

  /**
   * Sends a command and follows its exchange. `endsWithAnswer` for commands after whose answer
   * nothing follows (log-off, an abort request with nothing to abort).
   */
  exchange(command: Uint8Array, options: { endsWithAnswer?: boolean } = {}): EcrExchange {
    const abortRequest = command[0] === 0x06 && command[1] === 0xb0;
    const inExchange = this.phase === 'master' || this.phase === 'answering';
    if (this.phase !== 'idle' && !(inExchange && abortRequest)) {
      this.line.violation(`strict ECR asked to send ${hex(command)} in phase ${this.phase} (test bug)`);
    }
    let answer!: (a: Apdu) => void;
    let end!: (r: Ended) => void;
    let first!: (a: Apdu) => void;
    const failures: ((error: Error) => void)[] = [];
    const answered = new Promise<Apdu>((resolve, reject) => ((answer = resolve), failures.push(reject)));
    const ended = new Promise<Ended>((resolve, reject) => ((end = resolve), failures.push(reject)));
    const firstMessage = new Promise<Apdu>((resolve, reject) => ((first = resolve), failures.push(reject)));
    for (const p of [answered, ended, firstMessage]) p.catch(() => undefined);
    const fail = (error: Error) => failures.forEach((reject) => reject(error));
    if (inExchange && abortRequest && this.current) {
      // An abort request into the open exchange, sent only after our answer to the last master
      // message; its answer comes first, and the exchange ends as before (with Abort 06 1E).
      const outer = this.current;
      this.abortAnswer = answer;
      if (this.phase === 'answering') this.afterAnswer = () => void this.line.send(command);
      else void this.line.send(command);
      return { answered, ended: outer.ended, firstMessage: outer.firstMessage };
    }
    this.current = { fail, messages: [], answer, end, ended, first, firstMessage, endsWithAnswer: options.endsWithAnswer ?? false };
    this.phase = 'awaitAnswer';
    void this.line.send(command);
    return { answered, ended, firstMessage };
  }

  close(): void {
    this.line.close();
  }

  private receive(bytes: Uint8Array): void {
    const decoded = decodeApdu(bytes);
    if (!decoded.ok) return this.line.violation(`malformed APDU ${hex(bytes)}: ${decoded.error.reason}`);
    const apdu = decoded.value;
    const control = hex2(apdu.cls) + hex2(apdu.instr);
    const isAnswer = apdu.cls === 0x80 || apdu.cls === 0x84;
    if (isAnswer && this.abortAnswer) {
      const answer = this.abortAnswer;
      this.abortAnswer = undefined;
      return answer(apdu);
    }
    const current = this.current;
    switch (this.phase) {
      case 'idle':
        return this.line.violation(`${control} ${hex(bytes)} while no exchange was open`);
      case 'answering':
        return this.line.violation(`${control} arrived before the ECR answered the previous master message`);
      case 'awaitAnswer':
        if (!isAnswer) return this.line.violation(`master message ${control} before the answer to the command`);
        current!.answer(apdu);
        if (apdu.cls === 0x84 || current!.endsWithAnswer) {
          this.phase = 'idle';
          return current!.end({ messages: [], end: apdu });
        }
        this.phase = 'master';
        return;
      case 'master': {
        if (isAnswer) return this.line.violation(`answer ${control} to no command`);
        current!.messages.push(apdu);
        if (current!.messages.length === 1) current!.first(apdu);
        this.phase = 'answering';
        const ends = control === '060F' || control === '061E';
        setTimeout(() => {
          // From the moment our answer leaves, the terminal may send its next message.
          this.phase = ends ? 'idle' : 'master';
          void this.line.send(zvt.ack()).then(() => {
            if (ends) current!.end({ messages: current!.messages.slice(0, -1), end: apdu });
          });
          const after = this.afterAnswer;
          this.afterAnswer = undefined;
          after?.();
        }, this.answerDelayMs);
        return;
      }
    }
  }
}
