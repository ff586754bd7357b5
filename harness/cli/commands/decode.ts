import { Argument, type Command } from 'commander';
import { DECODABLE } from '../../../devices/formats/decodable.js';
import type { Format } from './decode-input.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description(COMMAND_SUMMARIES.decode.description)
    .addArgument(new Argument('<format>', 'what the input is').choices([...DECODABLE, 'zvt', 'ecr']))
    .argument('<input>', 'the data: text, hex (for tlv, escpos and zvt), or @FILE')
    .addHelpText(
      'after',
      `
Prints a readable view on a terminal and JSON when piped (or with --json); exits 2 with the reason and the offset when the input does not decode.

Examples:
  $ poshil decode track ';4111111111111111=30121010000000000000?'
  $ poshil decode qr '00020101021126340013eu.poshil.pay…6304928E'
  $ poshil decode tlv '9F0206000000001000 5A084111111111111111 5F2A020978'
  $ poshil decode escpos @receipt.bin
  $ poshil decode zvt '06 01 07 04 00 00 00 00 10 00'
  $ poshil decode ecr --protocol devices/protocols/concert-v2.ecr.yaml '02 30 31 …'`,
    )
    .option('--json', 'print JSON also on a terminal (JSON is the default when piped)')
    .option('--protocol <file>', 'for ecr: the protocol description (*.ecr.yaml) that names the fields')
    .action(async (format: Format, input: string, options: { json?: boolean; protocol?: string }) => {
      // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
      (await import('./decode-input.js')).printDecoded(format, input, options);
    });
}

