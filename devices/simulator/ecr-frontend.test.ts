/**
 * The simulator's ECR front end against a strict ECR on a memory link (template description:
 * display text and receipts before the response): it never sends a message before the ECR
 * acknowledged the one before, and every message of a sale comes before the response that
 * ends it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEcrProtocol } from '../../harness/config/ecr-protocol.js';
import { packageRoot } from '../../harness/core/paths.js';
import { EcrFrameDecoder, encodeFrame } from '../protocols/ecr/frame.js';
import { decodeMessage, encodeMessage } from '../protocols/ecr/message.js';
import { createMemoryPair } from '../transports/memory.js';
import { EcrSession } from './ecr-frontend.js';
import { SimulatedTerminal } from './terminal.js';

const protocol = loadEcrProtocol(join(packageRoot(), 'devices', 'protocols', 'template.ecr.yaml'));
const VISA = '%B4111111111111111^TEST/POSHIL^30121010000000000000?;4111111111111111=30121010000000000000?';
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EcrSession (simulator front end)', () => {
  it('waits for the ECR’s ACK before each next message; receipts and display come before the response', async () => {
    const [ecr, link] = createMemoryPair();
    await ecr.open();
    await link.open();
    const terminal = new SimulatedTerminal({ seed: 3 });
    new EcrSession(link, protocol, terminal);
    const received: string[] = [];
    const decoder = new EcrFrameDecoder(protocol.framing);
    let unacknowledged = 0;
    let maxUnacknowledged = 0;
    ecr.onData((chunk) => {
      for (const item of decoder.push(chunk)) {
        if (item.type !== 'frame') continue;
        const decoded = decodeMessage(protocol, item.data, 'response');
        received.push(decoded.ok ? decoded.value.message : 'undecodable');
        unacknowledged++;
        maxUnacknowledged = Math.max(maxUnacknowledged, unacknowledged);
      }
    });
    const ack = async () => {
      unacknowledged = 0;
      await ecr.write(Uint8Array.of(protocol.framing.ack));
    };
    const request = encodeMessage(protocol.messages['request']!, protocol.verbs['sale']!.values, { amount: '1250', currency: '978', reference: 'R1' });
    if (!request.ok) throw new Error(request.error.reason);
    await ecr.write(encodeFrame(protocol.framing, request.value));
    await settle(50);
    expect(terminal.state).toBe('awaiting_card');
    // The sale's display text is out; nothing more until the ECR acknowledges it.
    expect(received).toEqual(['display']);
    await settle(100);
    expect(received).toEqual(['display']);
    await ack();
    expect(terminal.stimulus('swipe', { track: VISA })).toMatchObject({ ok: true });
    // Acknowledge each message only after a pause: a front end that does not wait would send more.
    for (let i = 0; i < 20 && received.at(-1) !== 'result'; i++) {
      await settle(150);
      await ack();
    }
    expect(maxUnacknowledged).toBe(1);
    expect(received.filter((m) => m !== 'display')).toEqual(['receipt', 'receipt', 'result']);
    terminal.shutdown();
    await ecr.close();
    await link.close();
  });
});
