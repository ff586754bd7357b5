/** Builds real ESC/POS bytes (Epson command set): what the simulated terminal's printer emits. */

const ESC = 0x1b;
const GS = 0x1d;
const LF = 0x0a;

export class ReceiptEncoder {
  private readonly bytes: number[] = [];

  initialise(): this {
    this.bytes.push(ESC, 0x40);
    return this;
  }

  align(where: 'left' | 'center' | 'right'): this {
    this.bytes.push(ESC, 0x61, where === 'left' ? 0 : where === 'center' ? 1 : 2);
    return this;
  }

  bold(on: boolean): this {
    this.bytes.push(ESC, 0x45, on ? 1 : 0);
    return this;
  }

  underline(on: boolean): this {
    this.bytes.push(ESC, 0x2d, on ? 1 : 0);
    return this;
  }

  /** GS ! n: width and height multipliers 1-8. */
  size(width: number, height: number): this {
    this.bytes.push(GS, 0x21, (((width - 1) & 7) << 4) | ((height - 1) & 7));
    return this;
  }

  /** A line of text; characters outside Latin-1 print as `?`, as on a code-page printer. */
  line(text = ''): this {
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      this.bytes.push(code >= 0x20 && code <= 0xff ? code : 0x3f);
    }
    this.bytes.push(LF);
    return this;
  }

  feed(lines: number): this {
    this.bytes.push(ESC, 0x64, lines & 0xff);
    return this;
  }

  /** A QR code: model 2, module size, error correction M, store the data, print it. */
  qr(data: string, moduleSize = 6): this {
    const payload = [...Buffer.from(data, 'utf8')];
    const storeLength = payload.length + 3;
    this.bytes.push(GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00);
    this.bytes.push(GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, moduleSize);
    this.bytes.push(GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x31);
    this.bytes.push(GS, 0x28, 0x6b, storeLength & 0xff, storeLength >> 8, 0x31, 0x50, 0x30, ...payload);
    this.bytes.push(GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30);
    return this;
  }

  cut(type: 'full' | 'partial' = 'partial', feedLines?: number): this {
    if (feedLines !== undefined) this.bytes.push(GS, 0x56, type === 'full' ? 65 : 66, feedLines);
    else this.bytes.push(GS, 0x56, type === 'full' ? 0 : 1);
    return this;
  }

  raw(bytes: Iterable<number>): this {
    this.bytes.push(...bytes);
    return this;
  }

  encode(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
