/**
 * The simulator's ZVT front end against a strict ECR that fails on any out-of-turn frame, over a
 * real TCP socket and a real pty pair (socat) with the serial framing: registration, status,
 * payments approved and declined, void by receipt number, abort, log-off, end-of-day; and the
 * garble fault, noise between serial frames, refused over TCP.
 */
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTrack2 } from '../formats/track.js';
import { hex2, type Apdu } from '../protocols/zvt/apdu.js';
import { fromBcd, readFields } from '../protocols/zvt/bmp.js';
import type { ZvtForm } from '../protocols/zvt/link.js';
import { readStatusCompletion, zvt } from '../protocols/zvt/messages.js';
import { StrictEcr } from '../protocols/zvt/test-support/strict-ecr.js';
import { createMemoryPair } from '../transports/memory.js';
import { SerialTransport } from '../transports/serial.js';
import { TcpTransport } from '../transports/tcp.js';
import type { Transport } from '../transports/transport.js';
import { startSimulator, type RunningSimulator } from './server.js';

const VISA = buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' });
const control = (a: Apdu) => hex2(a.cls) + hex2(a.instr);

/** One request on the simulator's control channel (`tcp://HOST:PORT`), as a user's script sends it. */
function ask(address: string, request: object): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    const socket = createConnection(Number(url.port), url.hostname);
    createInterface({ input: socket }).once('line', (line) => {
      socket.end();
      resolve(JSON.parse(line) as never);
    });
    socket.on('error', reject);
    socket.on('connect', () => socket.write(JSON.stringify({ id: 1, ...request }) + '\n'));
  });
}

describe('ZVT front end against a strict ECR', () => {
  let sim: RunningSimulator | undefined;
  let transport: Transport | undefined;
  afterEach(async () => {
    await transport?.close();
    await sim?.stop();
    sim = undefined;
    transport = undefined;
  });

  async function connect(form: ZvtForm, seed = 5): Promise<StrictEcr> {
    sim = await startSimulator({ protocol: 'zvt', seed, link: form === 'tcp' ? { kind: 'tcp', host: '127.0.0.1', port: 0 } : { kind: 'pty' } });
    const url = new URL(sim.link);
    transport = form === 'tcp' ? new TcpTransport({ host: url.hostname, port: Number(url.port) }) : new SerialTransport({ path: sim.link.replace(/^serial:/, ''), baudRate: 115200 });
    await transport.open();
    return new StrictEcr(transport, form);
  }

  for (const form of ['tcp', 'serial'] as const) {
    it(`keeps strict turns through every command over ${form}`, async () => {
      const ecr = await connect(form);
      const swipeAfterAnswer = async (amount: number) => {
        const sale = ecr.exchange(zvt.authorisation(amount, '978'));
        expect(control(await sale.answered)).toBe('8000');
        expect(sim!.terminal.stimulus('swipe', { track: VISA })).toMatchObject({ ok: true });
        return sale.ended;
      };

      const registration = await ecr.exchange(zvt.registration('978')).ended;
      expect(control(registration.end)).toBe('060F');
      expect(fromBcd(readFields(registration.end.data).get(0x29))).toBe('00000005');

      const status = await ecr.exchange(zvt.statusEnquiry()).ended;
      expect(readStatusCompletion(status.end.data)).toMatchObject({ softwareVersion: 'poshil-sim 1.4.2', terminalStatus: 0 });

      const approved = await swipeAfterAnswer(1250);
      expect(control(approved.end)).toBe('060F');
      const info = readFields(approved.messages.find((m) => control(m) === '040F')!.data);
      expect(info.get(0x27)).toEqual(Uint8Array.of(0));
      expect(fromBcd(info.get(0x04))).toBe('000000001250');
      expect(info.has(0x0b)).toBe(true);
      const receipt = Number(fromBcd(info.get(0x87)));
      expect(approved.messages.filter((m) => control(m) === '06D1').length).toBeGreaterThan(10);

      // A decline is not a completed payment: the exchange ends with Abort 06 1E and the host's code.
      const declined = await swipeAfterAnswer(1251);
      expect(control(declined.end)).toBe('061E');
      expect(declined.end.data[0]).toBe(0x51);

      const reversal = await ecr.exchange(zvt.reversal(receipt)).ended;
      expect(control(reversal.end)).toBe('060F');
      expect(fromBcd(readFields(reversal.messages[0]!.data).get(0x87))).toBe(String(receipt).padStart(4, '0'));
      const again = await ecr.exchange(zvt.reversal(receipt)).ended;
      expect([control(again.end), hex2(again.end.data[0]!)]).toEqual(['061E', 'B4']);

      await swipeAfterAnswer(500);
      const waiting = ecr.exchange(zvt.authorisation(700, '978'));
      expect(control(await waiting.answered)).toBe('8000');
      expect(control(await waiting.firstMessage)).toBe('04FF'); // "insert card": now an abort request is in turn
      const abort = ecr.exchange(zvt.abortRequest());
      expect(control(await abort.answered)).toBe('8000');
      const aborted = await waiting.ended;
      expect([control(aborted.end), hex2(aborted.end.data[0]!)]).toEqual(['061E', '6C']);

      const endOfDay = await ecr.exchange(zvt.endOfDay()).ended;
      const totals = readFields(endOfDay.messages.find((m) => control(m) === '040F')!.data);
      expect(fromBcd(totals.get(0x04))).toBe('000000000500');

      const idleAbort = await ecr.exchange(zvt.abortRequest(), { endsWithAnswer: true }).ended;
      expect(control(idleAbort.end)).toBe('8000');
      const logOff = await ecr.exchange(zvt.logOff(), { endsWithAnswer: true }).ended;
      expect(control(logOff.end)).toBe('8000');
      await new Promise((r) => setTimeout(r, 50));
      expect(ecr.violations).toEqual([]);
      ecr.close();
    }, 30_000);
  }

  it('books in the currency registration set, refuses another (6F) and totals the day in it', async () => {
    const ecr = await connect('tcp');
    await ecr.exchange(zvt.registration('978')).ended;
    const dollars = ecr.exchange(zvt.authorisation(1000, '840'));
    expect(control(await dollars.answered)).toBe('846F');
    await dollars.ended.catch(() => undefined);
    const euros = ecr.exchange(zvt.authorisation(500, '978'));
    expect(control(await euros.answered)).toBe('8000');
    expect(sim!.terminal.stimulus('swipe', { track: VISA })).toMatchObject({ ok: true });
    expect(control((await euros.ended).end)).toBe('060F');
    // Registered again in dollars: the day's total is in dollars, the euro sale left aside.
    const registered = await ecr.exchange(zvt.registration('840')).ended;
    expect(fromBcd(readFields(registered.end.data).get(0x49))).toBe('0840');
    const sale = ecr.exchange(zvt.authorisation(1000, '840'));
    expect(control(await sale.answered)).toBe('8000');
    expect(sim!.terminal.stimulus('swipe', { track: VISA })).toMatchObject({ ok: true });
    expect(control((await sale.ended).end)).toBe('060F');
    const endOfDay = await ecr.exchange(zvt.endOfDay()).ended;
    const totals = readFields(endOfDay.messages.find((m) => control(m) === '040F')!.data);
    expect([fromBcd(totals.get(0x04)), fromBcd(totals.get(0x49))]).toEqual(['000000001000', '0840']);
    ecr.close();
  });

  it('puts the garble fault\'s noise between serial frames, and the sale and the next one complete', async () => {
    // Seed 2: the fault's 24 bytes hold an ACK, NAK or DLE, which must not reach the line as one.
    const ecr = await connect('serial', 2);
    const noise = ecr.keepNoise();
    await ecr.exchange(zvt.registration('978')).ended;
    const garbled = ecr.exchange(zvt.authorisation(1250, '978'));
    expect(control(await garbled.answered)).toBe('8000');
    expect(await ask(sim!.control, { op: 'fault', args: { name: 'garble' } })).toMatchObject({ ok: true });
    expect(sim!.terminal.stimulus('swipe', { track: VISA })).toMatchObject({ ok: true });
    expect(control((await garbled.ended).end)).toBe('060F');
    const next = ecr.exchange(zvt.authorisation(500, '978'));
    expect(control(await next.answered)).toBe('8000');
    expect(sim!.terminal.stimulus('swipe', { track: VISA })).toMatchObject({ ok: true });
    expect(control((await next.ended).end)).toBe('060F');
    // One run of stray bytes, none of them a DLE, ACK or NAK that would begin or answer a frame.
    expect(noise.map((run) => run.length)).toEqual([24]);
    expect([...noise[0]!].filter((b) => b === 0x10 || b === 0x06 || b === 0x15)).toEqual([]);
    expect(ecr.violations).toEqual([]);
    ecr.close();
  }, 30_000);

  it('refuses the garble fault over TCP, on the control channel and in a fault plan, and takes the others', async () => {
    sim = await startSimulator({ protocol: 'zvt', seed: 5, link: { kind: 'tcp', host: '127.0.0.1', port: 0 } });
    const refusal = await ask(sim.control, { op: 'fault', args: { name: 'garble' } });
    expect(refusal).toMatchObject({ ok: false, error: { code: 'NOT_ACCEPTED' } });
    expect(refusal.error!.message).toMatch(/garble does not apply to ZVT over TCP.*--pty or --serial/);
    expect(await ask(sim.control, { op: 'fault', args: { name: 'hostTimeout' } })).toMatchObject({ ok: true });
    const planned = startSimulator({ protocol: 'zvt', link: { kind: 'tcp', host: '127.0.0.1', port: 0 }, faults: [{ on: 'host.request', fault: 'hostTimeout' }, { on: 'card.read', fault: 'garble' }], faultPlan: 'plan.yaml' });
    await expect(planned).rejects.toMatchObject({ code: 'E_FAULT_PLAN', exitCode: 2, context: { file: 'plan.yaml', pointer: '/faults/1/fault' } });
  });

  it('catches a terminal that sends its next message before the ECR answered', async () => {
    const [ecrEnd, terminalEnd] = createMemoryPair();
    await ecrEnd.open();
    await terminalEnd.open();
    const ecr = new StrictEcr(ecrEnd, 'tcp');
    const off = terminalEnd.onData(() => {
      off();
      void terminalEnd.write(Uint8Array.from([...zvt.ack(), ...zvt.intermediateStatus(0x0a), ...zvt.completion()]));
    });
    await ecr.exchange(zvt.authorisation(100, '978')).answered;
    await new Promise((r) => setTimeout(r, 50));
    expect(ecr.violations).toEqual(['060F arrived before the ECR answered the previous master message']);
    ecr.close();
  });
});
