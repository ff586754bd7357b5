/**
 * The terminal verbs, events and stimuli poshil knows. Suites may use only these names, so a
 * typo is an input error at load time, not a TIMEOUT at run time; so may a simulator fault
 * plan's `on` (the simulator sends these events), or its rule would never fire. The suite JSON Schema lists
 * the same names for editor completion (a test keeps the two in step).
 */

export const VERBS = [
  'identify',
  'status',
  'sale',
  'refund',
  'void',
  'abort',
  'print',
  'endOfDay',
  'reboot',
  'upgrade',
  'exportData',
  'configure',
  'diagnosis',
] as const;
export type Verb = (typeof VERBS)[number];

export const EVENTS = [
  'terminal.ready',
  'status.changed',
  'display.text',
  'card.read',
  'card.rejected',
  'qr.scanned',
  'qr.rejected',
  'host.request',
  'host.response',
  'host.timeout',
  'reversal.sent',
  'transaction.completed',
  'transaction.failed',
  'printer.output',
  'printer.status',
  'firmware.progress',
  'log.line',
] as const;
export type EventName = (typeof EVENTS)[number];

export const STIMULI = [
  'swipe',
  'insert',
  'tap',
  'scan',
  'paperOut',
  'paperLoaded',
  'coverOpen',
  'coverClosed',
  'unplugNetwork',
  'plugNetwork',
  'powerCycle',
  'readerFailure',
  'readerRestored',
] as const;
export type Stimulus = (typeof STIMULI)[number];
