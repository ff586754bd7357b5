/**
 * Decodes an ESC/POS byte stream into a receipt: lines with their style, QR codes with their
 * data, cuts. A command poshil does not know is kept with its offset in `unknown`, never dropped.
 */
import { failure, type Parsed } from './result.js';

export interface ReceiptLine {
  text: string;
  bold: boolean;
  underline: boolean;
  align: 'left' | 'center' | 'right';
  width: number;
  height: number;
}

export interface Receipt {
  initialised: boolean;
  lines: ReceiptLine[];
  qrCodes: { data: string; model?: number; moduleSize?: number; ecc?: string }[];
  cuts: { type: 'full' | 'partial'; feed?: number; offset: number }[];
  statusRequests: number[];
  unknown: { offset: number; hex: string }[];
}

const ECC = ['L', 'M', 'Q', 'H'];

/** ESC commands that take one argument byte and change nothing the receipt model keeps (font, code page, spacing). */
const ESC_ONE_ARG_IGNORED = new Set([0x21, 0x33, 0x47, 0x4a, 0x4d, 0x52, 0x74, 0x7b]);

/**
 * Other ESC and GS commands of the Epson ESC/POS reference that change nothing the receipt model
 * keeps, by their length in bytes: their argument bytes are no printed text (an `ESC $ '2' 0`
 * before a card number would otherwise add a digit to it). ESC: SP spacing, $ and \ position,
 * % user characters, U unidirectional, V rotation, c paper sensors (c 3/4/5), p drawer pulse,
 * r colour. GS: B reverse, H HRI position, L left margin, W print width, a status back, b
 * smoothing, f HRI font, h and w barcode size.
 */
const ESC_IGNORED_LENGTH = new Map([[0x20, 3], [0x24, 4], [0x5c, 4], [0x25, 3], [0x55, 3], [0x56, 3], [0x63, 4], [0x70, 5], [0x72, 3]]);
const GS_IGNORED_LENGTH = new Map([[0x42, 3], [0x48, 3], [0x4c, 4], [0x57, 4], [0x61, 3], [0x62, 3], [0x66, 3], [0x68, 3], [0x77, 3]]);

/** Told where printed text sits in the bytes, so card data can be masked where it prints. */
export interface EscPosTextSink {
  /** A printed character at this offset, in the current line. */
  char(offset: number): void;
  /**
   * The current line ended (line feed, a command that prints and feeds, or the end of the bytes),
   * or a carriage return came: printers differ on whether it ends the line (automatic line
   * feed), so card data is looked for on either side of it.
   */
  lineEnd(): void;
  /** QR code data stored at [offset, offset+length). */
  qrData(offset: number, length: number): void;
  /** Barcode data at [offset, offset+length). */
  barcodeData(offset: number, length: number): void;
}

export function decodeEscPos(bytes: Uint8Array, sink?: EscPosTextSink): Parsed<Receipt> {
  const receipt: Receipt = { initialised: false, lines: [], qrCodes: [], cuts: [], statusRequests: [], unknown: [] };
  const style = { bold: false, underline: false, align: 'left' as ReceiptLine['align'], width: 1, height: 1 };
  let text = '';
  // A line counts as bold or underlined when any of its characters printed that way: encoders
  // often switch the style off before they send the line feed.
  let boldSeen = false;
  let underlineSeen = false;
  let pendingQr: { model?: number; moduleSize?: number; ecc?: string; data?: string } = {};
  const flush = () => {
    sink?.lineEnd();
    receipt.lines.push({ text, ...style, bold: boldSeen || style.bold, underline: underlineSeen || style.underline });
    text = '';
    boldSeen = underlineSeen = false;
  };
  const need = (i: number, n: number) => (i + n <= bytes.length ? undefined : failure<Receipt>('TRUNCATED', i, `command needs ${n} bytes, ${bytes.length - i} remain`));
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      flush();
      i++;
    } else if (b === 0x1b) {
      const short = need(i, 2);
      if (short) return short;
      const cmd = bytes[i + 1]!;
      if (cmd === 0x40) {
        receipt.initialised = true;
        Object.assign(style, { bold: false, underline: false, align: 'left', width: 1, height: 1 });
        i += 2;
      } else if (cmd === 0x61 || cmd === 0x45 || cmd === 0x2d || cmd === 0x64) {
        const arg = need(i, 3);
        if (arg) return arg;
        const n = bytes[i + 2]!;
        // ESC d: print what is held and feed n lines.
        if (cmd === 0x64 && text !== '') flush();
        if (cmd === 0x61) style.align = n % 48 === 1 ? 'center' : n % 48 === 2 ? 'right' : 'left';
        else if (cmd === 0x45) style.bold = (n & 1) === 1;
        else if (cmd === 0x2d) style.underline = n % 48 !== 0;
        i += 3;
      } else if (ESC_ONE_ARG_IGNORED.has(cmd)) {
        const arg = need(i, 3);
        if (arg) return arg;
        // ESC J: print what is held and feed.
        if (cmd === 0x4a && text !== '') flush();
        i += 3;
      } else if (cmd === 0x2a) {
        // ESC * m nL nH d…: a bit image (a logo), 1 or 3 bytes a column. Its bytes are no text.
        const head = need(i, 5);
        if (head) return head;
        const columns = bytes[i + 3]! + bytes[i + 4]! * 256;
        const length = 5 + columns * (bytes[i + 2]! <= 1 ? 1 : 3);
        const image = need(i, length);
        if (image) return image;
        i += length;
      } else if (ESC_IGNORED_LENGTH.has(cmd)) {
        const length = ESC_IGNORED_LENGTH.get(cmd)!;
        const arg = need(i, length);
        if (arg) return arg;
        i += length;
      } else if (cmd === 0x32) {
        i += 2;
      } else {
        receipt.unknown.push({ offset: i, hex: Buffer.from(bytes.subarray(i, i + 2)).toString('hex') });
        i += 2;
      }
    } else if (b === 0x1c && (bytes[i + 1] === 0x2e || bytes[i + 1] === 0x26)) {
      // FS . / FS & : leave or enter Kanji mode; no effect on a Latin receipt.
      i += 2;
    } else if (b === 0x0d) {
      sink?.lineEnd();
      i++;
    } else if (b === 0x1d) {
      const short = need(i, 2);
      if (short) return short;
      const cmd = bytes[i + 1]!;
      if (cmd === 0x21) {
        const arg = need(i, 3);
        if (arg) return arg;
        style.width = ((bytes[i + 2]! >> 4) & 7) + 1;
        style.height = (bytes[i + 2]! & 7) + 1;
        i += 3;
      } else if (cmd === 0x56) {
        const arg = need(i, 3);
        if (arg) return arg;
        const m = bytes[i + 2]!;
        if (m === 65 || m === 66) {
          const feed = need(i, 4);
          if (feed) return feed;
          receipt.cuts.push({ type: m === 65 ? 'full' : 'partial', feed: bytes[i + 3]!, offset: i });
          i += 4;
        } else {
          receipt.cuts.push({ type: m === 0 || m === 48 ? 'full' : 'partial', offset: i });
          i += 3;
        }
      } else if (cmd === 0x28 && bytes[i + 2] === 0x6b) {
        const head = need(i, 8);
        if (head) return head;
        const length = bytes[i + 3]! + bytes[i + 4]! * 256;
        const body = need(i + 5, length);
        if (body) return body;
        const fn = bytes[i + 6]!;
        const args = bytes.subarray(i + 7, i + 5 + length);
        if (bytes[i + 5] !== 0x31) receipt.unknown.push({ offset: i, hex: Buffer.from(bytes.subarray(i, i + 5 + length)).toString('hex') });
        else if (fn === 0x41) pendingQr.model = (args[0] ?? 0x32) - 0x30;
        else if (fn === 0x43) pendingQr.moduleSize = args[0] ?? 0;
        else if (fn === 0x45) pendingQr.ecc = ECC[(args[0] ?? 0x30) - 0x30] ?? '?';
        else if (fn === 0x50) {
          pendingQr.data = Buffer.from(args.subarray(1)).toString('utf8');
          sink?.qrData(i + 8, Math.max(0, length - 3));
        }
        else if (fn === 0x51) {
          receipt.qrCodes.push({ data: pendingQr.data ?? '', ...(pendingQr.model ? { model: pendingQr.model } : {}), ...(pendingQr.moduleSize ? { moduleSize: pendingQr.moduleSize } : {}), ...(pendingQr.ecc ? { ecc: pendingQr.ecc } : {}) });
          pendingQr = {};
        } else receipt.unknown.push({ offset: i, hex: Buffer.from(bytes.subarray(i, i + 5 + length)).toString('hex') });
        i += 5 + length;
      } else if (cmd === 0x76 && bytes[i + 2] === 0x30) {
        // GS v 0 m xL xH yL yH d…: a raster image, (xL + xH·256) bytes a row, (yL + yH·256) rows.
        const head = need(i, 8);
        if (head) return head;
        const length = 8 + (bytes[i + 4]! + bytes[i + 5]! * 256) * (bytes[i + 6]! + bytes[i + 7]! * 256);
        const image = need(i, length);
        if (image) return image;
        i += length;
      } else if (cmd === 0x6b) {
        // GS k m …: a barcode, its data up to NUL (m 0-6) or n bytes after m (m 65 and up).
        const head = need(i, 4);
        if (head) return head;
        const m = bytes[i + 2]!;
        let at = i + 3;
        let end: number;
        if (m <= 6) {
          end = bytes.indexOf(0, at);
          if (end < 0) return failure('TRUNCATED', i, 'barcode data without its closing NUL');
        } else {
          at = i + 4;
          end = at + bytes[i + 3]!;
          const data = need(at, end - at);
          if (data) return data;
        }
        sink?.barcodeData(at, end - at);
        i = m <= 6 ? end + 1 : end;
      } else if (GS_IGNORED_LENGTH.has(cmd)) {
        const length = GS_IGNORED_LENGTH.get(cmd)!;
        const arg = need(i, length);
        if (arg) return arg;
        i += length;
      } else {
        receipt.unknown.push({ offset: i, hex: Buffer.from(bytes.subarray(i, i + 2)).toString('hex') });
        i += 2;
      }
    } else if (b === 0x10 && bytes[i + 1] === 0x04) {
      const arg = need(i, 3);
      if (arg) return arg;
      receipt.statusRequests.push(bytes[i + 2]!);
      i += 3;
    } else if (b < 0x20 && b !== 0x09) {
      receipt.unknown.push({ offset: i, hex: b.toString(16).padStart(2, '0') });
      i++;
    } else {
      text += String.fromCharCode(b);
      sink?.char(i);
      if (b !== 0x20) {
        boldSeen ||= style.bold;
        underlineSeen ||= style.underline;
      }
      i++;
    }
  }
  if (text !== '') flush();
  return { ok: true, value: receipt };
}
