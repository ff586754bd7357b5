/**
 * Where framing reports every byte it sees, so the transcript can keep them. Framing calls the
 * tap once per complete frame and once per run of bytes it had to discard, in arrival order, so
 * every byte in and out lands in exactly one call.
 */
export interface WireTap {
  frame(dir: 'rx' | 'tx', frame: string | Uint8Array): void;
  /** Bytes that formed no frame (over-long line, stray bytes, leftovers at close). */
  discarded(dir: 'rx' | 'tx', bytes: Uint8Array, reason: string): void;
  note?(text: string): void;
}
