/**
 * The byte-transport contract. Types only: every transport (serial, TCP, in-memory) implements
 * it, and everything above it (framing, protocols, drivers) sees nothing else.
 *
 * Life cycle: created closed → `open()` → bytes flow both ways → `close()` or a disconnect.
 *
 * - `open()` resolves once bytes can be written. It rejects with a `DeviceError` whose context
 *   names the address (`E_PORT_NOT_FOUND`, `E_PORT_BUSY`, `E_CONNECT_REFUSED`,
 *   `E_CONNECT_TIMEOUT`, `E_TRANSPORT_OPEN`). Aborting the signal rejects it with the signal's
 *   reason and leaves the transport closed.
 * - `write()` resolves when the bytes were handed to the OS. After close or a disconnect
 *   it rejects with `E_LINK_CLOSED`. Writes are delivered in call order.
 * - Data listeners get every received chunk in order, as the OS delivered it (chunk boundaries
 *   carry no meaning). No data is delivered after the close listeners ran.
 * - Close listeners run exactly once: with `null` after a local `close()`, with an Error when the
 *   peer disconnected or the line failed (serial EIO, TCP reset). A listener added after the
 *   transport closed is not called.
 * - `close()` is idempotent and never rejects; it releases the port/socket so the process can exit.
 */

export type Unsubscribe = () => void;

export interface Transport {
  /** `serial:/dev/ttyUSB0`, `tcp://127.0.0.1:20007`, `memory:…` — used in errors and records. */
  readonly address: string;
  readonly isOpen: boolean;
  open(signal?: AbortSignal): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe;
  onClose(listener: (error: Error | null) => void): Unsubscribe;
  close(): Promise<void>;
}
