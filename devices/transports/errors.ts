import { DeviceError } from '../../harness/core/errors.js';

export function linkClosed(address: string): DeviceError {
  return new DeviceError('E_LINK_CLOSED', `the link to ${address} is closed`, {
    device: address,
    hint: 'the terminal disconnected or the port was closed; check the cable, the power and the device log',
  });
}

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
