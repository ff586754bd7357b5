/**
 * One contract, every transport: the same checks run against the in-memory pair and against
 * real TCP on loopback (the serial transport runs them through a socat pty in serial.test.ts).
 */
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createMemoryPair } from './memory.js';
import { AcceptedSocketTransport, TcpTransport } from './tcp.js';
import type { Transport } from './transport.js';
import { transportContract, type Pair } from './test-support/contract.js';


const factories: Record<string, () => Promise<Pair>> = {
  memory: async () => {
    const [client, peer] = createMemoryPair();
    await peer.open();
    await client.open();
    return { client, peer, dispose: async () => undefined };
  },
  tcp: async () => {
    let accepted!: (t: Transport) => void;
    const peerReady = new Promise<Transport>((resolve) => (accepted = resolve));
    const server: Server = createServer((socket) => accepted(new AcceptedSocketTransport(socket)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const client = new TcpTransport({ host: '127.0.0.1', port });
    await client.open();
    const peer = await peerReady;
    return { client, peer, dispose: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  },
};

for (const [name, make] of Object.entries(factories)) transportContract(name, make);

describe('TcpTransport.open', () => {
  it('names the address when nothing listens there', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const transport = new TcpTransport({ host: '127.0.0.1', port });
    await expect(transport.open()).rejects.toMatchObject({ code: 'E_CONNECT_REFUSED', context: { device: `tcp://127.0.0.1:${port}` } });
  });
});
