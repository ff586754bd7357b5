/**
 * What `poshil decode` does once asked: loaded only then, with the protocol decoders and the
 * description loader, so that other commands and `--version` never load them.
 */
import { readFileSync, statSync } from 'node:fs';
import { consoleText } from '../../core/console-text.js';
import { InputError } from '../../core/errors.js';
import { maskValue } from '../../evidence/mask.js';
import { decodeForDisplay, hexToBytes, type Decodable } from '../../../devices/formats/decode.js';
import type { Parsed } from '../../../devices/formats/result.js';
import { decodeZvt } from '../../../devices/protocols/zvt/describe.js';
import { decodeEcr, formatEcrTable, type EcrDescription } from '../../../devices/protocols/ecr/describe.js';
import { loadEcrProtocol } from '../../config/ecr-protocol.js';

export type Format = Decodable | 'zvt' | 'ecr';

function decode(format: Format, input: string, protocolFile?: string): Parsed<unknown> {
  if (format === 'ecr') {
    if (!protocolFile) throw new InputError('E_OPTION', 'decode ecr needs --protocol FILE, the protocol description (*.ecr.yaml)');
    const protocol = loadEcrProtocol(protocolFile);
    const bytes = hexToBytes(input);
    return bytes.ok ? decodeEcr(protocol, bytes.value) : bytes;
  }
  if (format !== 'zvt') return decodeForDisplay(format, input);
  const bytes = hexToBytes(input);
  return bytes.ok ? decodeZvt(bytes.value) : bytes;
}

/** One receipt, frame or payload: a few KiB; 16 MiB leaves room for a whole capture. */
const MAX_DECODE_BYTES = 16 * 1024 * 1024;

function readInput(kind: Format, input: string): string {
  if (!input.startsWith('@')) return input;
  const path = input.slice(1);
  let data: Buffer;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new InputError('E_NOT_A_FILE', `${path} is not a regular file`, { file: path });
    if (stat.size > MAX_DECODE_BYTES) throw new InputError('E_FILE_TOO_LARGE', `${path} is ${stat.size} bytes; decode reads at most ${MAX_DECODE_BYTES}`, { file: path });
    data = readFileSync(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('E_FILE_NOT_FOUND', `cannot read ${path}`, { file: path });
  }
  // Binary formats read from a file arrive as raw bytes; text formats as text.
  return kind === 'escpos' || kind === 'tlv' || kind === 'zvt' || kind === 'ecr' ? (/^[\s0-9a-fA-F]*$/.test(data.toString('latin1')) ? data.toString('latin1') : data.toString('hex')) : data.toString('utf8').trim();
}


/** `poshil decode FORMAT INPUT`: decodes, then prints a readable view on a terminal and JSON when piped. */
export function printDecoded(format: Format, input: string, options: { json?: boolean; protocol?: string }): void {
  const decoded = decode(format, readInput(format, input), options.protocol);
  if (!decoded.ok) {
    throw new InputError(`E_DECODE_${decoded.error.code}`, `${format} does not decode: ${decoded.error.reason} (at offset ${decoded.error.offset})`);
  }
  // Whatever the format, card data in what it decoded to is masked: a receipt's text, an ECR field.
  const value = maskValue(decoded.value);
  const people = process.stdout.isTTY && !options.json;
  process.stdout.write(!people ? JSON.stringify(value, null, 2) + '\n' : format === 'ecr' ? formatEcrTable(value as EcrDescription) : readable(value));
}

/** An indented `key: value` view for people; JSON stays the format for scripts. */
function readable(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}(none)\n`;
    return value.map((item, i) => (typeof item === 'object' && item !== null ? `${indent}- [${i}]\n${readable(item, indent + '    ')}` : `${indent}- ${consoleText(String(item))}\n`)).join('');
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => (typeof v === 'object' && v !== null ? `${indent}${k}:\n${readable(v, indent + '  ')}` : `${indent}${k}: ${consoleText(String(v))}\n`))
      .join('');
  }
  return `${indent}${consoleText(String(value))}\n`;
}
