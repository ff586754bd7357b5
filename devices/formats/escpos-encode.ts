/** Builds real ESC/POS bytes (Epson command set): what the simulated terminal's printer emits. */

const ESC = 0x1b;
const GS = 0x1d;

/** Anything a code-page printer cannot print: a control character or a code point past Latin-1. */
const UNPRINTABLE = /[^\x20-\xff]/gu;

/**
 * The bytes are held as a Latin-1 string, one character per byte: the simulator prints two
 * receipts a sale, and appending text is far cheaper than pushing each byte into an array.
 */
export class ReceiptEncoder {
  private bytes = '';

  private push(...codes: number[]): this {
    this.bytes += String.fromCharCode(...codes.map((c) => c & 0xff));
    return this;
  }

  initialise(): this {
    return this.push(ESC, 0x40);
  }

  align(where: 'left' | 'center' | 'right'): this {
    return this.push(ESC, 0x61, where === 'left' ? 0 : where === 'center' ? 1 : 2);
  }

  bold(on: boolean): this {
    return this.push(ESC, 0x45, on ? 1 : 0);
  }

  underline(on: boolean): this {
    return this.push(ESC, 0x2d, on ? 1 : 0);
  }

  /** GS ! n: width and height multipliers 1-8. */
  size(width: number, height: number): this {
    return this.push(GS, 0x21, (((width - 1) & 7) << 4) | ((height - 1) & 7));
  }

  /** A line of text; characters outside Latin-1 print as `?`, as on a code-page printer. */
  line(text = ''): this {
    this.bytes += text.replace(UNPRINTABLE, '?') + '\n';
    return this;
  }

  feed(lines: number): this {
    return this.push(ESC, 0x64, lines & 0xff);
  }

  /** A QR code: model 2, module size, error correction M, store the data, print it. */
  qr(data: string, moduleSize = 6): this {
    const payload = Buffer.from(data, 'utf8').toString('latin1');
    const storeLength = payload.length + 3;
    this.push(GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00);
    this.push(GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, moduleSize);
    this.push(GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x31);
    this.push(GS, 0x28, 0x6b, storeLength & 0xff, storeLength >> 8, 0x31, 0x50, 0x30);
    this.bytes += payload;
    return this.push(GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30);
  }

  cut(type: 'full' | 'partial' = 'partial', feedLines?: number): this {
    if (feedLines !== undefined) return this.push(GS, 0x56, type === 'full' ? 65 : 66, feedLines);
    return this.push(GS, 0x56, type === 'full' ? 0 : 1);
  }

  raw(bytes: Iterable<number>): this {
    return this.push(...bytes);
  }

  encode(): Uint8Array {
    return new Uint8Array(Buffer.from(this.bytes, 'latin1'));
  }

  /** The bytes as hex, as a printer.output event carries them. */
  hex(): string {
    return Buffer.from(this.bytes, 'latin1').toString('hex');
  }
}
