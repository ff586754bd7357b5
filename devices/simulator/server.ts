/**
 * Puts a simulated terminal on a link — TCP, an existing tty, a pty pair it makes itself, or an
 * in-memory transport — with its control channel on a TCP socket of its own.
 */
import { realpathSync } from 'node:fs';
import { InputError } from '../../harness/core/errors.js';
import { createServer, type Server, type Socket } from 'node:net';
import { createSocatPair, type SocatPair } from '../transports/socat-pair.js';
import { SerialTransport } from '../transports/serial.js';
import { AcceptedSocketTransport } from '../transports/tcp.js';
import type { Transport } from '../transports/transport.js';
import { PacedTransport } from '../transports/paced.js';
import { BenchSession } from './bench-frontend.js';
import { ZvtSession } from './zvt-frontend.js';
import { EcrSession } from './ecr-frontend.js';
import type { EcrProtocol } from '../protocols/ecr/description.js';
import { FAULTS, injectFaults, type Fault, type FaultRule } from './faults.js';
import { SimulatedTerminal, type SimulatorOptions } from './terminal.js';

export type LinkSpec =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'serial'; path: string; baudRate?: number }
  | { kind: 'pty' }
  | { kind: 'memory'; transport: Transport };

export interface StartOptions extends SimulatorOptions {
  link: LinkSpec;
  /** The ECR protocol on the link: bench (default), ZVT, or a vendor protocol from a description. */
  protocol?: 'bench' | 'zvt' | 'ecr';
  /** The description the simulator speaks when protocol is ecr. */
  ecrProtocol?: EcrProtocol;
  /** Pace serial output to this line rate (a pty ignores baud rates). */
  paceBaud?: number;
  faults?: readonly FaultRule[];
  /** Control channel address; default 127.0.0.1 on a free port. Not opened for memory links unless given. */
  control?: { host: string; port: number };
}

export interface RunningSimulator {
  /** What a harness opens: `tcp://HOST:PORT` or `serial:/dev/pts/N`. */
  link: string;
  control: string;
  terminal: SimulatedTerminal;
  stop(): Promise<void>;
}

export async function startSimulator(options: StartOptions): Promise<RunningSimulator> {
  const terminal = new SimulatedTerminal(options);
  const stops: (() => Promise<void>)[] = [];
  const serve = (link: Transport) => {
    const transport = options.paceBaud && options.link.kind !== 'tcp' ? new PacedTransport(link, options.paceBaud) : link;
    if (options.protocol === 'ecr' && options.ecrProtocol) {
      new EcrSession(transport, options.ecrProtocol, terminal);
      return;
    }
    if (options.protocol === 'zvt') {
      const form = options.link.kind === 'serial' || options.link.kind === 'pty' ? 'serial' : 'tcp';
      new ZvtSession(transport, form, terminal, { model: terminal.model, terminalId: String(options.seed ?? 1).padStart(8, '0') });
      return;
    }
    const session = new BenchSession(transport, (op, args) => terminal.handle(op, args), () => {
      off();
      offRaw();
    });
    const off = terminal.onEvent((event, data) => session.event(event, data));
    const offRaw = terminal.onRaw((bytes) => session.sendRaw(bytes));
  };
  if (options.faults?.length) stops.push(async () => stopFaults());
  const stopFaults = options.faults?.length ? injectFaults(terminal, options.faults, options.seed ?? 1) : () => undefined;

  let link: string;
  switch (options.link.kind) {
    case 'tcp': {
      const server = await listen(options.link.host, options.link.port, (socket) => serve(new AcceptedSocketTransport(socket)));
      stops.push(() => close(server));
      link = `tcp://${options.link.host}:${(server.address() as { port: number }).port}`;
      break;
    }
    case 'serial': {
      const transport = new SerialTransport({ path: options.link.path, baudRate: options.link.baudRate ?? 115200 });
      await transport.open();
      serve(transport);
      stops.push(() => transport.close());
      link = `serial:${options.link.path}`;
      break;
    }
    case 'pty': {
      const pair: SocatPair = await createSocatPair();
      const transport = new SerialTransport({ path: pair.a, baudRate: 115200 });
      await transport.open();
      serve(transport);
      stops.push(() => pair.stop(), () => transport.close());
      link = `serial:${realpathSync(pair.b)}`;
      break;
    }
    case 'memory':
      serve(options.link.transport);
      link = options.link.transport.address;
      break;
  }

  let control = '';
  if (options.control || options.link.kind !== 'memory') {
    const { host, port } = options.control ?? { host: '127.0.0.1', port: 0 };
    const server = await listen(host, port, (socket) => {
      new BenchSession(new AcceptedSocketTransport(socket), (op, args) => {
        if (op === 'stimulus') return terminal.stimulus(typeof args['name'] === 'string' ? args['name'] : '', args);
        if (op === 'state') return { ok: true, result: terminal.snapshot() };
        if (op === 'fault') {
          const name = args['name'];
          if (!FAULTS.includes(name as Fault)) return { ok: false, error: { code: 'BAD_ARGS', message: `fault must be one of ${FAULTS.join(', ')}` } };
          terminal.fault(name as Fault, typeof args['durationMs'] === 'number' ? args['durationMs'] : undefined);
          return { ok: true, result: { fault: name } };
        }
        return { ok: false, error: { code: 'UNKNOWN_OP', message: `the control channel has no operation "${op}"` } };
      });
    });
    stops.push(() => close(server));
    control = `tcp://${host}:${(server.address() as { port: number }).port}`;
  }

  return {
    link,
    control,
    terminal,
    stop: async () => {
      terminal.shutdown();
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

const openSockets = new WeakMap<Server, Set<Socket>>();

function listen(host: string, port: number, onSocket: (socket: Socket) => void): Promise<Server> {
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
function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
  });
}
