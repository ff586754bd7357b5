/**
 * Puts a simulated terminal on a link — TCP, an existing tty, a pty pair it makes itself, or an
 * in-memory transport — with its control channel on a TCP socket of its own. The link follows the
 * terminal's presence: it drops while the terminal restarts or is unplugged (links.ts).
 */
import { SerialTransport } from '../transports/serial.js';
import { AcceptedSocketTransport } from '../transports/tcp.js';
import type { Transport } from '../transports/transport.js';
import { PacedTransport } from '../transports/paced.js';
import { BenchSession } from './bench-frontend.js';
import { ZvtSession, zvtRefusedFaults } from './zvt-frontend.js';
import { EcrSession } from './ecr-frontend.js';
import type { EcrProtocol } from '../protocols/ecr/description.js';
import { checkFaultsApply, FAULTS, injectFaults, refusal, type Fault, type FaultRule, type RefusedFaults } from './faults.js';
import { close, fixedLink, listen, ptyLink, tcpLink, type SimulatorLink } from './links.js';
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
  /** The file `faults` came from, named when one of them cannot apply to the link. */
  faultPlan?: string;
  /** Control channel address; default 127.0.0.1 on a free port. Not opened for memory links unless given. */
  control?: { host: string; port: number };
  /** The link went away (undefined) or came back at this address, after a restart or an unplug. */
  onLinkChange?: (address: string | undefined) => void;
  /** The link could not be brought back (no pty could be made, the port was taken meanwhile). */
  onLinkError?: (error: unknown) => void;
}

export interface RunningSimulator {
  /** What a harness opens: `tcp://HOST:PORT` or `serial:/dev/pts/N`, at the start. */
  link: string;
  /** Where the link is now; undefined while the terminal is away (restarting, unplugged). */
  currentLink(): string | undefined;
  control: string;
  terminal: SimulatedTerminal;
  stop(): Promise<void>;
}

export async function startSimulator(options: StartOptions): Promise<RunningSimulator> {
  const zvtForm = options.link.kind === 'serial' || options.link.kind === 'pty' ? 'serial' : 'tcp';
  const cannotCarry: RefusedFaults = options.protocol === 'zvt' ? zvtRefusedFaults(zvtForm) : {};
  checkFaultsApply(options.faults ?? [], cannotCarry, options.faultPlan);
  const terminal = new SimulatedTerminal(options);
  const stops: (() => Promise<void>)[] = [];
  // A terminal.ready sent while no ECR was connected (it booted with its link down) waits for the
  // next ECR that speaks, as a terminal announces itself to the register that connects.
  let liveSessions = 0;
  let heldReady: unknown;
  terminal.onEvent((event, data) => {
    if (event === 'terminal.ready' && liveSessions === 0) heldReady = data;
  });
  const serve = (link: Transport) => {
    const transport = options.paceBaud && options.link.kind !== 'tcp' ? new PacedTransport(link, options.paceBaud) : link;
    if (options.protocol === 'ecr' && options.ecrProtocol) {
      new EcrSession(transport, options.ecrProtocol, terminal);
      return;
    }
    if (options.protocol === 'zvt') {
      new ZvtSession(transport, zvtForm, terminal, { model: terminal.model, terminalId: String(options.seed ?? 1).padStart(8, '0') });
      return;
    }
    liveSessions++;
    const session = new BenchSession(transport, (op, args) => terminal.handle(op, args), () => {
      liveSessions--;
      off();
      offRaw();
      offFirst();
    });
    // Registered before the session reads: the greeting goes out ahead of the first reply.
    const offFirst = transport.onData(() => {
      offFirst();
      if (heldReady === undefined) return;
      session.event('terminal.ready', heldReady);
      heldReady = undefined;
    });
    const off = terminal.onEvent((event, data) => session.event(event, data));
    const offRaw = terminal.onRaw((bytes) => session.sendRaw(bytes));
  };
  if (options.faults?.length) stops.push(async () => stopFaults());
  const stopFaults = options.faults?.length ? injectFaults(terminal, options.faults, options.seed ?? 1) : () => undefined;

  let link: SimulatorLink;
  switch (options.link.kind) {
    case 'tcp':
      link = await tcpLink(options.link.host, options.link.port, serve);
      break;
    case 'serial': {
      const transport = new SerialTransport({ path: options.link.path, baudRate: options.link.baudRate ?? 115200 });
      await transport.open();
      serve(transport);
      link = fixedLink(`serial:${options.link.path}`, () => transport.close());
      break;
    }
    case 'pty':
      link = await ptyLink(serve);
      break;
    case 'memory': {
      const transport = options.link.transport;
      serve(transport);
      link = fixedLink(transport.address, async () => undefined);
      break;
    }
  }
  stops.push(() => link.stop());
  const announced = link.address!;
  // Changes one at a time: a restore waits for the drop before it (a new pty takes a moment).
  let changes = Promise.resolve();
  terminal.presence.onChange(({ present }) => {
    changes = changes
      .then(async () => {
        await (present ? link.restore() : link.drop());
        options.onLinkChange?.(link.address);
      })
      .catch((error: unknown) => options.onLinkError?.(error));
  });

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
          const refused = refusal(name as Fault, cannotCarry);
          if (refused) return { ok: false, error: { code: 'NOT_ACCEPTED', message: refused } };
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
    link: announced,
    control,
    terminal,
    currentLink: () => link.address,
    stop: async () => {
      terminal.shutdown();
      await changes;
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}
