/**
 * The serial ZVT link: three transmissions in all, then the link is given up until the peer is
 * heard again; and noise (a garbled-line fault) goes out only between frames.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryPair } from '../../transports/memory.js';
import { ZvtLink } from './link.js';
import { zvt } from './messages.js';
import { encodeSerialFrame, SerialFrameDecoder } from './serial-frame.js';

describe('ZvtLink on the serial framing', () => {
  it('sends a frame 3 times in all, then refuses every send until a good frame arrives', async () => {
    const [ours, theirs] = createMemoryPair();
    await ours.open();
    await theirs.open();
    const link = new ZvtLink(ours, 'serial', undefined, { ackTimeoutMs: 50 });
    const decoder = new SerialFrameDecoder();
    const frames: Uint8Array[] = [];
    let refuse = true;
    theirs.onData((chunk) => {
      for (const item of decoder.push(chunk)) {
        if (item.type !== 'frame') continue;
        frames.push(item.apdu);
        void theirs.write(Uint8Array.of(refuse ? 0x15 : 0x06));
      }
    });
    const failures: string[] = [];
    link.onFailure((e) => failures.push(e.code));
    await expect(link.send(zvt.statusEnquiry())).rejects.toMatchObject({ code: 'E_ZVT_NO_ACK' });
    expect(frames).toHaveLength(3);
    expect(failures).toEqual(['E_ZVT_NO_ACK']);
    await expect(link.send(zvt.statusEnquiry())).rejects.toMatchObject({ code: 'E_ZVT_NO_ACK' });
    expect(frames).toHaveLength(3); // nothing more went out

    const heard: Uint8Array[] = [];
    link.onApdu((apdu) => heard.push(apdu));
    await theirs.write(encodeSerialFrame(zvt.completion()));
    await new Promise((r) => setTimeout(r, 10));
    expect(heard).toHaveLength(1);
    refuse = false;
    await link.send(zvt.ack());
    expect(frames).toHaveLength(4);
    link.detach();
    await ours.close();
    await theirs.close();
  });

  it('writes noise only between frames: after the frame before it is acknowledged', async () => {
    const [ours, theirs] = createMemoryPair();
    await ours.open();
    await theirs.open();
    const link = new ZvtLink(ours, 'serial', undefined, { ackTimeoutMs: 1000 });
    const wire: string[] = [];
    theirs.onData((chunk) => wire.push(Buffer.from(chunk).toString('hex')));
    const sent = link.send(zvt.ack());
    const noise = link.sendRaw(Uint8Array.of(0x41, 0x42));
    await new Promise((r) => setTimeout(r, 20));
    // The frame waits for its ACK: noise now would land where the peer reads ACK or NAK.
    expect(wire).toEqual([Buffer.from(encodeSerialFrame(zvt.ack())).toString('hex')]);
    await theirs.write(Uint8Array.of(0x06));
    await sent;
    await noise;
    await new Promise((r) => setTimeout(r, 10));
    expect(wire.slice(1)).toEqual(['4142']);
    link.detach();
    await ours.close();
    await theirs.close();
  });
});
