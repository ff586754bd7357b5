/** The transport contract through a real pseudo-terminal pair (socat) and serialport. */
import { describe, expect, it } from 'vitest';
import { createSocatPair } from './socat-pair.js';
import { SerialTransport } from './serial.js';
import { transportContract } from './test-support/contract.js';

transportContract('serial over a socat pty pair', async () => {
  const pair = await createSocatPair();
  const client = new SerialTransport({ path: pair.a, baudRate: 115200 });
  const peer = new SerialTransport({ path: pair.b, baudRate: 115200 });
  await client.open();
  await peer.open();
  return { client, peer, dispose: () => pair.stop(), cut: () => pair.stop() };
});

describe('SerialTransport.open', () => {
  it('names a missing port and points at `poshil ports`', async () => {
    const transport = new SerialTransport({ path: '/dev/ttyUSB-poshil-missing', baudRate: 9600 });
    await expect(transport.open()).rejects.toMatchObject({ code: 'E_PORT_NOT_FOUND', context: { hint: expect.stringContaining('poshil ports') } });
  });

  it('refuses a second opener of the same port', async () => {
    const pair = await createSocatPair();
    const first = new SerialTransport({ path: pair.a, baudRate: 115200 });
    await first.open();
    try {
      await expect(new SerialTransport({ path: pair.a, baudRate: 115200 }).open()).rejects.toMatchObject({ code: 'E_PORT_BUSY' });
    } finally {
      await first.close();
      await pair.stop();
    }
  });
});
