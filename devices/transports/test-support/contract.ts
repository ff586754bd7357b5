/** The transport contract as a reusable test suite, run against every transport. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Transport } from '../transport.js';

export interface Pair {
  client: Transport;
  peer: Transport;
  dispose(): Promise<void>;
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

    it('tells the other side with an error when the peer goes away', async () => {
      pair = await make();
      const { client, peer } = pair;
      const closed = new Promise<Error | null>((resolve) => client.onClose(resolve));
      await peer.close();
      const error = await closed;
      expect(error).toBeInstanceOf(Error);
      expect(client.isOpen).toBe(false);
    });
  });
}
