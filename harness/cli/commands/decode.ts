import { readFileSync } from 'node:fs';
import { Argument, type Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { DECODABLE, decodeForDisplay, type Decodable } from '../../../devices/formats/decode.js';

function readInput(kind: Decodable, input: string): string {
  if (!input.startsWith('@')) return input;
  const path = input.slice(1);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    throw new InputError('E_FILE_NOT_FOUND', `cannot read ${path}`, { file: path });
  }
  // Binary formats read from a file arrive as raw bytes; text formats as text.
  return kind === 'escpos' || kind === 'tlv' ? (/^[\s0-9a-fA-F]*$/.test(data.toString('latin1')) ? data.toString('latin1') : data.toString('hex')) : data.toString('utf8').trim();
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('Decode what a terminal sent: magstripe tracks, an EMV merchant QR, EMV TLV, or ESC/POS receipt bytes. Card numbers are masked.')
    .addArgument(new Argument('<format>', 'what the input is').choices(DECODABLE))
    .argument('<input>', 'the data: text, hex (for tlv and escpos), or @FILE')
    .addHelpText(
      'after',
      `
Prints JSON; exits 2 with the reason and the offset when the input does not decode.

Examples:
  $ poshil decode track ';4111111111111111=30121010000000000000?'
  $ poshil decode qr '00020101021126340013eu.poshil.pay…6304928E'
  $ poshil decode tlv '9F0206000000001000 5A084111111111111111 5F2A020978'
  $ poshil decode escpos @receipt.bin`,
    )
    .action((format: Decodable, input: string) => {
      const decoded = decodeForDisplay(format, readInput(format, input));
      if (!decoded.ok) {
        throw new InputError(`E_DECODE_${decoded.error.code}`, `${format} does not decode: ${decoded.error.reason} (at offset ${decoded.error.offset})`);
      }
      process.stdout.write(JSON.stringify(decoded.value, null, 2) + '\n');
    });
}
