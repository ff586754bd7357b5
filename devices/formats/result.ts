/** What every payment-format parser returns: typed data, or a typed error with the offset. */
export interface FormatError {
  code: string;
  offset: number;
  reason: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: FormatError };

export function failure<T>(code: string, offset: number, reason: string): Parsed<T> {
  return { ok: false, error: { code, offset, reason } };
}
