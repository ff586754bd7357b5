/**
 * The simulator's ECR link as the host sees it, able to vanish and come back the way a real
 * terminal's does: over TCP the connections drop and new ones are refused until it is back on
 * the same port; through a pty the tty goes away and comes back at a new /dev/pts path, as a
 * USB-serial adapter comes back as another /dev/ttyUSBn. A link on an existing tty or in memory
 * cannot vanish (the adapter on the host's side stays): there the terminal only stops answering.
 */
import { realpathSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { InputError } from '../../harness/core/errors.js';
import { openPty } from '../transports/pty.js';
import { createSocatPair, type SocatPair } from '../transports/socat-pair.js';
import { SerialTransport } from '../transports/serial.js';
import { AcceptedSocketTransport } from '../transports/tcp.js';
import type { Transport } from '../transports/transport.js';

export interface SimulatorLink {
  /** What a harness opens now (`tcp://…`, `serial:/dev/pts/N`); undefined while the link is down. */
  readonly address: string | undefined;
  drop(): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts speaking on each transport the link gives (one per TCP connection, one per pty). */
export type Serve = (transport: Transport) => void;

export async function tcpLink(host: string, port: number, serve: Serve): Promise<SimulatorLink> {
  let server: Server | undefined = await listen(host, port, (socket) => serve(new AcceptedSocketTransport(socket)));
  const bound = (server.address() as { port: number }).port;
  const address = `tcp://${host}:${bound}`;
  const drop = async () => {
    const gone = server;
    server = undefined;
    if (gone) await close(gone);
  };
  return {
    get address() {
      return server ? address : undefined;
    },
    drop,
    async restore() {
      // The same port again, as a terminal keeps its IP address and ECR port across a reboot.
      server ??= await listen(host, bound, (socket) => serve(new AcceptedSocketTransport(socket)));
    },
    stop: drop,
  };
}

/** A pty as the simulator holds it: the harness opens `path`, the terminal speaks on `transport`. */
export interface PtyEnd {
  path: string;
  transport: Transport;
  close(): Promise<void>;
}

/** One pty from openpty where node-pty's binary loads; a socat pair where it does not. */
async function openPtyEnd(baudRate: number): Promise<PtyEnd> {
  const pty = await openPty();
  if (pty) return { path: pty.path, transport: pty.transport, close: () => pty.transport.close() };
  return socatPtyEnd(baudRate);
}

/** The fallback: a socat pair, the terminal on one end through serialport, the harness on the other. */
export async function socatPtyEnd(baudRate: number): Promise<PtyEnd> {
  const pair: SocatPair = await createSocatPair();
  const transport = new SerialTransport({ path: pair.a, baudRate });
  try {
    await transport.open();
  } catch (error) {
    await pair.stop();
    throw error;
  }
  return {
    path: realpathSync(pair.b),
    transport,
    async close() {
      await transport.close();
      await pair.stop();
    },
  };
}

export async function ptyLink(serve: Serve, baudRate = 115200): Promise<SimulatorLink> {
  let end: PtyEnd | undefined = await openPtyEnd(baudRate);
  let address: string | undefined;
  const up = (open: PtyEnd) => {
    serve(open.transport);
    address = `serial:${open.path}`;
  };
  up(end);
  return {
    get address() {
      return address;
    },
    async drop() {
      if (!address) return;
      address = undefined;
      const old = end;
      end = undefined;
      // The next pty is made before the old one goes, so that it cannot get the same number;
      // the old one goes even when no next one can be made (restore tries again).
      try {
        end = await openPtyEnd(baudRate);
      } finally {
        await old?.close();
      }
    },
    async restore() {
      if (address) return;
      end ??= await openPtyEnd(baudRate);
      up(end);
    },
    async stop() {
      address = undefined;
      await end?.close();
      end = undefined;
    },
  };
}

/** A link that stays: an existing tty, or an in-memory transport. */
export function fixedLink(address: string, stop: () => Promise<void>): SimulatorLink {
  return { address, drop: async () => undefined, restore: async () => undefined, stop };
}

const openSockets = new WeakMap<Server, Set<Socket>>();

export function listen(host: string, port: number, onSocket: (socket: Socket) => void): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  openSockets.set(server, sockets);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen(port, host, () => resolve(server));
  });
}

/** A port that is taken or not allowed is the caller's choice to fix, not a fault of the simulator. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new InputError('E_PORT_IN_USE', `port ${port} on ${host} is in use; pick another or use port 0 (any free port)`);
  if (error.code === 'EACCES') return new InputError('E_PORT_DENIED', `port ${port} on ${host} needs privileges poshil does not have; use a port above 1023, or 0`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') return new InputError('E_ADDRESS', `${host} is not an address of this machine`);
  return error;
}

/** Stops listening and drops the connections still open, so the process can exit. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
  });
}
