/** The transport contract as a reusable test suite, run against every transport. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Transport } from '../transport.js';

export interface Pair {
  client: Transport;
  peer: Transport;
  dispose(): Promise<void>;
  /**
   * Cuts the link as it fails in the field: the peer closing (TCP, memory), or the line itself
   * going away (serial: a serial line has no connection state, so only a vanished adapter — here
   * socat stopping — is detectable; a far end that merely stops listening is not).
   */
  cut?(): Promise<void>;
}

export function transportContract(name: string, make: () => Promise<Pair>): void {
  describe(`transport contract: ${name}`, () => {
    let pair: Pair | undefined;
    afterEach(async () => {
      await pair?.client.close();
      await pair?.peer.close();
      await pair?.dispose();
      pair = undefined;
    });

    it('carries bytes both ways, in order', async () => {
      pair = await make();
      const { client, peer } = pair;
      const got: number[] = [];
      const all = new Promise<void>((resolve) => peer.onData((c) => (got.push(...c), got.length === 300 && resolve())));
      for (let i = 0; i < 3; i++) await client.write(Uint8Array.from({ length: 100 }, (_, k) => (i * 100 + k) % 256));
      await all;
      expect(got).toEqual(Array.from({ length: 300 }, (_, k) => k % 256));
      const back = new Promise<Uint8Array>((resolve) => client.onData(resolve));
      await peer.write(Uint8Array.of(1, 2, 3));
      expect([...(await back)]).toEqual([1, 2, 3]);
    });

    it('runs close listeners once with null on a local close, and rejects writes after it', async () => {
      pair = await make();
      const { client } = pair;
      const calls: (Error | null)[] = [];
      client.onClose((e) => calls.push(e));
      await client.close();
      await client.close();
      expect(calls).toEqual([null]);
      expect(client.isOpen).toBe(false);
      await expect(client.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'E_LINK_CLOSED' });
    });

    it('tells the client when the link is cut, at the latest on its next write', async () => {
      pair = await make();
      const { client, peer } = pair;
      let closedWith: Error | null | undefined;
      client.onClose((e) => (closedWith = e));
      await (pair.cut ? pair.cut() : peer.close());
      // A pty shows its peer's death only as EIO on a later write (TOOLCHAIN.md), so writing
      // is part of noticing; TCP and memory tell at once.
      let writeFailed = false;
      for (let i = 0; i < 50 && closedWith === undefined && !writeFailed; i++) {
        await new Promise((r) => setTimeout(r, 20));
        await client.write(Uint8Array.of(0x0a)).catch(() => (writeFailed = true));
      }
      expect(closedWith instanceof Error || writeFailed).toBe(true);
    });
  });
}
