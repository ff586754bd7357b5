/**
 * One worker thread of the bench's simulated fleet: a share of the terminals, each a simulator
 * and a harness driver joined by a memory link, all selling at once. It waits for "go", runs
 * its sales and posts how many it made.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BenchTerminal } from '../../devices/drivers/bench-terminal.js';
import { buildTrack2 } from '../../devices/formats/track.js';
import { createMemoryPair } from '../../devices/transports/memory.js';
import { startSimulator } from '../../devices/simulator/server.js';

/** Sales per terminal before the measured ones, in a worker (see below). */
export const WARM_UP_SALES = 10;

export interface FleetShare {
  firstSeed: number;
  terminals: number;
  salesEach: number;
  hostLatencyMs: [number, number];
}

/** Builds the share's terminals; the returned function runs their sales. */
export async function prepareShare(share: FleetShare): Promise<{ sell(salesEach?: number): Promise<number>; stop(): Promise<void> }> {
  const track = buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' });
  const sims = await Promise.all(
    Array.from({ length: share.terminals }, async (_, i) => {
      const [harnessEnd, terminalEnd] = createMemoryPair();
      await harnessEnd.open();
      await terminalEnd.open();
      const sim = await startSimulator({ link: { kind: 'memory', transport: terminalEnd }, seed: share.firstSeed + i, hostLatencyMs: share.hostLatencyMs });
      const terminal = new BenchTerminal(harnessEnd);
      await terminal.open();
      return { sim, terminal };
    }),
  );
  return {
    async sell(salesEach = share.salesEach) {
      let sales = 0;
      await Promise.all(
        sims.map(async ({ sim, terminal }) => {
          for (let n = 0; n < salesEach; n++) {
            const done = new Promise<void>((resolve, reject) => {
              const off = terminal.onEvent((e) => {
                if (e.name === 'transaction.completed') (off(), resolve());
                else if (e.name === 'transaction.failed') (off(), reject(new Error(`sale failed: ${JSON.stringify(e.data)}`)));
              });
            });
            const reply = await terminal.call('sale', { amount: 1000, currency: 'EUR' }, { timeoutMs: 10_000 });
            if (!reply.ok) throw new Error(reply.error.message);
            sim.terminal.stimulus('swipe', { track });
            await done;
            sales++;
          }
        }),
      );
      return sales;
    },
    async stop() {
      for (const { sim, terminal } of sims) {
        await terminal.close();
        await sim.stop();
      }
    },
  };
}

if (parentPort && workerData) {
  const port = parentPort;
  const share = await prepareShare(workerData as FleetShare);
  // A worker's code is compiled afresh in each thread: a warm-up round of sales lets its JIT
  // reach what the main thread's (warmed by the rows before it) has, so both measure steady selling.
  await share.sell(WARM_UP_SALES);
  port.postMessage({ ready: true });
  port.once('message', () => {
    void share.sell().then(async (sales) => {
      await share.stop();
      port.postMessage({ sales });
    });
  });
}
