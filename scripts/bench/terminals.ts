/**
 * Section 5 of the bench: simulated sales per second, many terminals driven at once by one
 * process over memory links (sale, swipe, wait for transaction.completed).
 */
import { BenchTerminal } from '../../devices/drivers/bench-terminal.js';
import { buildTrack2 } from '../../devices/formats/track.js';
import { createMemoryPair } from '../../devices/transports/memory.js';
import { startSimulator } from '../../devices/simulator/server.js';

export async function transactionsPerSecond(terminals: number, perTerminal: number): Promise<{ tps: number; elapsedS: number }> {
  const track = buildTrack2({ pan: '4111111111111111', expiry: '3012', serviceCode: '101' });
  const sims = await Promise.all(
    Array.from({ length: terminals }, async (_, i) => {
      const [harnessEnd, terminalEnd] = createMemoryPair();
      await harnessEnd.open();
      await terminalEnd.open();
      const sim = await startSimulator({ link: { kind: 'memory', transport: terminalEnd }, seed: i + 1 });
      const terminal = new BenchTerminal(harnessEnd);
      await terminal.open();
      return { sim, terminal };
    }),
  );
  const start = performance.now();
  await Promise.all(
    sims.map(async ({ sim, terminal }) => {
      for (let n = 0; n < perTerminal; n++) {
        const done = new Promise<void>((resolve) => {
          const off = terminal.onEvent((e) => e.name === 'transaction.completed' && (off(), resolve()));
        });
        const reply = await terminal.call('sale', { amount: 1000, currency: 'EUR' }, { timeoutMs: 5000 });
        if (!reply.ok) throw new Error(reply.error.message);
        sim.terminal.stimulus('swipe', { track });
        await done;
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  for (const { sim, terminal } of sims) {
    await terminal.close();
    await sim.stop();
  }
  return { tps: (terminals * perTerminal) / elapsedS, elapsedS };
}
