/**
 * Builds what a run talks to from a device profile: the link transport, the protocol driver,
 * and the stimulus drivers. The addresses come from the profile or, for a launched simulator,
 * from its announcement.
 */
import { BenchTerminal } from '../../devices/drivers/bench-terminal.js';
import { ndjsonFrames } from '../../devices/drivers/card-data.js';
import { ExternalCommand, type ExternalCommandSpec } from '../../devices/drivers/stimuli/external-command.js';
import { OperatorPrompt, type OperatorFactory } from '../../devices/drivers/stimuli/operator-prompt.js';
import { SimulatorControl } from '../../devices/drivers/stimuli/simulator-control.js';
import type { Terminal } from '../../devices/drivers/terminal.js';
import { TcpTransport } from '../../devices/transports/tcp.js';
import type { Transport } from '../../devices/transports/transport.js';
import { DeviceError } from '../core/errors.js';
import type { Profile, TransportSpec } from '../config/profile.js';
import type { Transcript } from '../evidence/transcript.js';
import { StimulusRouter, type StimulusDrivers } from './stimuli.js';

export function parseAddress(address: string): TransportSpec {
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(address);
  if (tcp) return { type: 'tcp', host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  if (address.startsWith('serial:')) return { type: 'serial', path: address.slice('serial:'.length) };
  throw new DeviceError('E_ADDRESS', `cannot use the address "${address}" (expected tcp://HOST:PORT or serial:PATH)`);
}

/**
 * How the run makes its terminal on a link (again after a reconnect): the profile's driver and
 * transport, loaded for its protocol and link type only — the ZVT, ECR and serial modules are
 * ~30 ms of loading that a run of a bench-protocol terminal over TCP does without.
 */
export async function terminalMaker(profile: Profile, transcript: Transcript): Promise<(announced: string | undefined) => Terminal> {
  const transport = await transportMaker(profile.transport);
  switch (profile.protocol) {
    case 'bench':
      return (announced) => new BenchTerminal(transport(announced), transcript.tap('link', ndjsonFrames));
    case 'zvt': {
      const { ZvtTerminal, zvtFrames } = await import('../../devices/drivers/zvt-terminal.js');
      return (announced) => new ZvtTerminal(transport(announced), profile.transport.type === 'serial' ? 'serial' : 'tcp', transcript.tap('link', zvtFrames));
    }
    case 'ecr': {
      const { EcrTerminal, ecrFrames } = await import('../../devices/drivers/ecr-terminal.js');
      return (announced) => new EcrTerminal(transport(announced), profile.ecr!, transcript.tap('link', ecrFrames(profile.ecr!)));
    }
  }
}

/** The transport a spec describes, at the address its simulator announced if it did. */
async function transportMaker(spec: TransportSpec): Promise<(announced: string | undefined) => Transport> {
  if (spec.type === 'tcp') {
    return (announced) => {
      const fromSimulator = announced ? parseAddress(announced) : undefined;
      const host = fromSimulator?.type === 'tcp' ? fromSimulator.host : spec.host;
      const port = fromSimulator?.type === 'tcp' ? fromSimulator.port : spec.port;
      if (port === undefined) throw new DeviceError('E_ADDRESS', 'the profile gives no TCP port and no simulator announced one');
      return new TcpTransport({ host, port, ...(spec.connectTimeout ? { connectTimeoutMs: spec.connectTimeout } : {}) });
    };
  }
  const { SerialTransport } = await import('../../devices/transports/serial.js');
  return (announced) => {
    const fromSimulator = announced ? parseAddress(announced) : undefined;
    const path = fromSimulator?.type === 'serial' ? fromSimulator.path : spec.path;
    if (!path) throw new DeviceError('E_ADDRESS', 'the profile gives no serial path and no simulator announced one');
    return new SerialTransport({
      path,
      baudRate: spec.baudRate ?? 115200,
      ...(spec.dataBits ? { dataBits: spec.dataBits } : {}),
      ...(spec.parity ? { parity: spec.parity } : {}),
      ...(spec.stopBits ? { stopBits: spec.stopBits } : {}),
      ...(spec.rtscts !== undefined ? { rtscts: spec.rtscts } : {}),
    });
  };
}

export function createStimuli(profile: Profile, transcript: Transcript, control?: string, operator?: OperatorFactory): StimulusRouter {
  const routes = Object.values(profile.stimuli).concat(profile.defaultStimulus);
  const drivers: StimulusDrivers = {};
  if (control) {
    const spec = parseAddress(control);
    if (spec.type === 'tcp' && spec.port !== undefined) drivers.simulator = new SimulatorControl(new TcpTransport({ host: spec.host, port: spec.port }), transcript.tap('control', ndjsonFrames));
  }
  if (routes.some((r) => r.via === 'operator')) {
    const prompts: Record<string, string> = {};
    for (const [name, route] of Object.entries(profile.stimuli)) if (route.via === 'operator' && route.prompt) prompts[name] = route.prompt;
    drivers.operator = operator ? operator(prompts, (text) => transcript.note('operator', text)) : new OperatorPrompt(prompts);
  }
  const commands: Record<string, ExternalCommandSpec> = {};
  for (const [name, route] of Object.entries(profile.stimuli)) {
    if (route.via === 'exec') commands[name] = { command: route.command, ...(route.cwd ? { cwd: route.cwd } : {}) };
  }
  if (Object.keys(commands).length > 0) drivers.exec = new ExternalCommand(commands);
  return new StimulusRouter(profile.stimuli, profile.defaultStimulus, drivers);
}
