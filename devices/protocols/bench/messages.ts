/**
 * Bench protocol v1: newline-delimited JSON over any byte stream (docs/bench-protocol.md).
 * One JSON object per line, UTF-8, at most MAX_LINE_BYTES bytes.
 */

export const MAX_LINE_BYTES = 64 * 1024;

export type JsonObject = { [key: string]: unknown };

export interface BenchRequest {
  id: number;
  op: string;
  args?: JsonObject;
}

export interface BenchError {
  code: string;
  message: string;
  details?: JsonObject;
}

export type BenchResponse =
  | { id: number | null; ok: true; result: unknown }
  | { id: number | null; ok: false; error: BenchError };

export interface BenchEvent {
  event: string;
  ts: string;
  data?: unknown;
}

export type BenchMessage =
  | { kind: 'request'; message: BenchRequest }
  | { kind: 'response'; message: BenchResponse }
  | { kind: 'event'; message: BenchEvent }
  | { kind: 'invalid'; reason: string };

/** Error codes every bench-protocol peer uses for protocol-level problems. */
export const ProtocolErrorCode = {
  malformed: 'MALFORMED',
  unknownOp: 'UNKNOWN_OP',
  badArgs: 'BAD_ARGS',
  lineTooLong: 'LINE_TOO_LONG',
  busy: 'BUSY',
} as const;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Classifies one received line. Never throws. */
export function parseBenchLine(line: string): BenchMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'invalid', reason: 'not valid JSON' };
  }
  if (!isObject(value)) return { kind: 'invalid', reason: 'not a JSON object' };
  if (typeof value['event'] === 'string') {
    const ts = typeof value['ts'] === 'string' ? value['ts'] : '';
    return { kind: 'event', message: { event: value['event'], ts, data: value['data'] } };
  }
  if (typeof value['op'] === 'string') {
    if (!isId(value['id'])) return { kind: 'invalid', reason: 'request without a numeric id' };
    const args = value['args'];
    if (args !== undefined && !isObject(args)) return { kind: 'invalid', reason: 'args is not an object' };
    return { kind: 'request', message: { id: value['id'], op: value['op'], ...(args ? { args } : {}) } };
  }
  if (typeof value['ok'] === 'boolean') {
    const id = value['id'];
    if (!isId(id) && id !== null) return { kind: 'invalid', reason: 'response without a numeric id' };
    if (value['ok']) return { kind: 'response', message: { id, ok: true, result: value['result'] ?? null } };
    const error = value['error'];
    if (!isObject(error) || typeof error['code'] !== 'string') {
      return { kind: 'invalid', reason: 'error response without error.code' };
    }
    const message = typeof error['message'] === 'string' ? error['message'] : error['code'];
    const details = isObject(error['details']) ? { details: error['details'] } : {};
    return { kind: 'response', message: { id, ok: false, error: { code: error['code'], message, ...details } } };
  }
  return { kind: 'invalid', reason: 'neither a request, a response nor an event' };
}
