/**
 * What a vendor ECR protocol description (`devices/protocols/*.ecr.yaml`) says, once loaded and
 * checked (harness/config/ecr-protocol.ts). One description drives three things: the codec and
 * framer here, the generic driver (devices/drivers/ecr-terminal.ts) and the simulator's front end
 * (devices/simulator/ecr-frontend.ts), so a terminal and its simulation cannot drift apart.
 *
 * The family: STX, an optional length, a data part of fixed-width or separator-delimited fields,
 * ETX, a checksum (LRC or CRC), every frame answered with ACK or NAK.
 */

export type LengthEncoding = 'none' | 'bcd' | 'binary-be' | 'binary-le' | 'ascii';
export type ChecksumType = 'none' | 'lrc' | 'crc16-kermit' | 'crc16-ccitt-false';
/** Parts of a frame a checksum or a length can cover. */
export type FramePart = 'start' | 'length' | 'data' | 'end';

export interface Framing {
  start: number;
  end: number;
  length: { encoding: LengthEncoding; bytes: number; counts: FramePart[] };
  /** `init`: the value an LRC starts from (0 for a plain XOR; some vendors use 0x7F). */
  checksum: { type: ChecksumType; over: FramePart[]; init: number };
  ack: number;
  nak: number;
  /** Concert-style sessions: the sender asks with ENQ, sends once answered ACK, and ends with EOT. */
  session?: { enq: number; eot: number };
  /** How long a sender waits for ACK (and for the answer to ENQ) before it repeats, ms. */
  ackTimeoutMs: number;
  /** Attempts in all before the link gives up on a frame. */
  attempts: number;
  /** The longest gap between two bytes of a frame before the receiver drops it, ms. */
  interByteTimeoutMs: number;
}

/** How a field's characters are written: ASCII digits, any ASCII text, packed BCD, or hex bytes. */
export type FieldType = 'numeric' | 'ascii' | 'bcd' | 'hex';

/** Named values a field can carry between poshil and the terminal. */
export const FIELD_SOURCES = [
  'amount',
  'currency',
  'reference',
  'responseCode',
  'approvalCode',
  'maskedPan',
  'text',
  'receipt',
  'terminalId',
  'model',
  'firmware',
  'method',
  'count',
  'total',
] as const;
export type FieldSource = (typeof FIELD_SOURCES)[number];

export interface Field {
  name: string;
  /** Bytes on the wire; for delimited layouts the most it may take. */
  width: number;
  type: FieldType;
  pad: string;
  align: 'left' | 'right';
  /** A constant: the field always carries it, and a receiver recognises the message by it. */
  value?: string;
  source?: FieldSource;
  /** Where the field starts in the data part (fixed layouts), computed when not given. */
  offset: number;
  description?: string;
}

export interface Message {
  name: string;
  /** request: ECR to terminal; response: terminal to ECR. */
  direction: 'request' | 'response';
  layout: 'fixed' | 'delimited';
  separator?: number;
  fields: Field[];
  /** Bytes in the data part (fixed), or the most it may take (delimited). */
  size: number;
  description?: string;
}

export interface VerbMapping {
  verb: string;
  request: string;
  /** Constants for this verb in the request (e.g. the transaction type). */
  values: Record<string, string>;
  /**
   * When the verb's reply comes: `ack` — once the terminal acknowledged the request (the
   * transaction then runs, and its response becomes an event); `response` — with the response.
   */
  reply: 'ack' | 'response';
  /** Responses that end the exchange. */
  responses: string[];
  /** The response ends a transaction: it becomes transaction.completed or transaction.failed. */
  transaction: boolean;
  /** May be sent while another exchange is open (an abort). */
  interrupts: boolean;
}

/** A message the terminal sends during an exchange, turned into an event. */
export interface IntermediateEvent {
  message: string;
  event: 'display.text' | 'printer.output' | 'status.changed';
}

export interface Outcomes {
  field: string;
  approved: string[];
  declined: string[];
  /** Codes for a transaction that did not complete, with the reason poshil reports. */
  failed: Record<string, string>;
}

export interface EcrProtocol {
  id: string;
  title: string;
  specification: string;
  /** What this protocol carries, beyond the terminal's own capabilities (e.g. issuer-details). */
  capabilities: string[];
  framing: Framing;
  messages: Record<string, Message>;
  verbs: Record<string, VerbMapping>;
  events: IntermediateEvent[];
  outcomes: Outcomes;
  /** Codes of the `method` source and the payment method poshil reports (magstripe, chip, qr, …). */
  methods: Record<string, string>;
  /** Line separator of the `receipt` source in a printer message. */
  receiptLineSeparator: string;
  /** The file it was loaded from, for messages; and its sha256, for records. */
  file: string;
  sha256: string;
}
