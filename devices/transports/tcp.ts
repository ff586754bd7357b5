/**
 * TCP: a client transport that connects to a terminal (or the simulator), and a wrapper that
 * turns an accepted server-side socket into a Transport (the simulator's side of a link).
 */
import { Socket } from 'node:net';
import { DeviceError } from '../../harness/core/errors.js';
import { abortReason, linkClosed } from './errors.js';
import { TransportListeners } from './listeners.js';
import type { Transport, Unsubscribe } from './transport.js';

export interface TcpOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
}

class SocketTransport implements Transport {
  protected readonly listeners = new TransportListeners();
  protected socket: Socket | undefined;

  constructor(readonly address: string) {}

  get isOpen(): boolean {
    return this.socket !== undefined && !this.listeners.isClosed && !this.socket.destroyed;
  }

  async open(_signal?: AbortSignal): Promise<void> {
    if (!this.socket) throw new DeviceError('E_TRANSPORT_OPEN', `no socket for ${this.address}`, { device: this.address });
  }

  protected attach(socket: Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.listeners.emitData(chunk));
    socket.on('error', (error) => this.listeners.emitClose(error));
    socket.on('close', () => this.listeners.emitClose(new Error('peer closed the connection')));
  }

  write(bytes: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket || !this.isOpen) return Promise.reject(linkClosed(this.address));
    return new Promise((resolve, reject) => {
      socket.write(bytes, (error) => (error ? reject(linkClosed(this.address)) : resolve()));
    });
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.listeners.onData(listener);
  }

  onClose(listener: (error: Error | null) => void): Unsubscribe {
    return this.listeners.onClose(listener);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.listeners.emitClose(null);
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      // A peer that never answers the FIN must not hold the process open.
      setTimeout(() => socket.destroy(), 200).unref();
    });
  }
}

export class TcpTransport extends SocketTransport {
  constructor(private readonly options: TcpOptions) {
    super(`tcp://${options.host}:${options.port}`);
  }

  override async open(signal?: AbortSignal): Promise<void> {
    if (this.isOpen) return;
    if (signal?.aborted) throw abortReason(signal);
    const { host, port, connectTimeoutMs = 5000 } = this.options;
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onError = (error: NodeJS.ErrnoException) => {
        const refused = error.code === 'ECONNREFUSED';
        fail(
          new DeviceError(refused ? 'E_CONNECT_REFUSED' : 'E_TRANSPORT_OPEN', `cannot connect to ${this.address}: ${error.message}`, {
            device: this.address,
            hint: refused
              ? 'nothing listens there: is the terminal on, on this network, with its ECR interface enabled on that port?'
              : 'check the host name, the port and the network',
          }),
        );
      };
      const onAbort = () => fail(abortReason(signal!));
      const timer = setTimeout(
        () =>
          fail(
            new DeviceError('E_CONNECT_TIMEOUT', `no answer from ${this.address} within ${connectTimeoutMs} ms`, {
              device: this.address,
              hint: 'check that the terminal is reachable (cable, IP address, firewall)',
            }),
          ),
        connectTimeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('error', onError);
        signal?.removeEventListener('abort', onAbort);
      };
      socket.once('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.connect(port, host, () => {
        cleanup();
        resolve();
      });
    });
    this.listeners.reset();
    this.attach(socket);
  }
}

/** Wraps a socket a server accepted. It is open already. */
export class AcceptedSocketTransport extends SocketTransport {
  constructor(socket: Socket) {
    super(`tcp://${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
    this.attach(socket);
  }
}
