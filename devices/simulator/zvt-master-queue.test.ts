/** The terminal's master messages go out one at a time, each after the ECR's answer. */
import { describe, expect, it } from 'vitest';
import { MasterQueue } from './zvt-master-queue.js';

const message = (n: number) => Uint8Array.of(0x06, 0xd1, 1, n);

describe('MasterQueue', () => {
  it('sends the next message only after the answer to the one before, and runs each one\'s follow-up', () => {
    const sent: number[] = [];
    const answered: number[] = [];
    const queue = new MasterQueue(async (apdu) => void sent.push(apdu[3]!));
    queue.push(message(1));
    queue.push(message(2), () => answered.push(2));
    queue.push(message(3));
    expect(sent).toEqual([1]);
    expect(queue.acknowledged()).toBe(true);
    expect(sent).toEqual([1, 2]);
    expect(queue.acknowledged()).toBe(true);
    expect(answered).toEqual([2]);
    expect(sent).toEqual([1, 2, 3]);
    expect(queue.acknowledged()).toBe(true);
    expect(queue.waiting).toBe(false);
    expect(queue.acknowledged()).toBe(false); // an answer to nothing changes nothing
  });

  it('gives the exchange up when the ECR does not answer in time', async () => {
    const reasons: string[] = [];
    const sent: number[] = [];
    const queue = new MasterQueue(async (apdu) => void sent.push(apdu[3]!), (reason) => reasons.push(reason), 30);
    queue.push(message(1));
    queue.push(message(2));
    await new Promise((r) => setTimeout(r, 60));
    expect(reasons).toEqual(['the ECR did not answer a master message within 30 ms']);
    expect(sent).toEqual([1]);
    expect(queue.waiting).toBe(false);
  });
});
