/** EMV BER-TLV (EMV Book 3, Annex A): multi-byte tags, long-form lengths, nested templates. */
import { maskPan } from './pan.js';
import { failure, type Parsed } from './result.js';

export interface TlvNode {
  tag: string;
  name?: string;
  length: number;
  /** Upper-case hex of the value; for tags 5A and 57 the PAN is masked. */
  value: string;
  children?: TlvNode[];
}

export const TAG_NAMES: Readonly<Record<string, string>> = {
  '4F': 'Application Identifier (AID)', '50': 'Application Label', '57': 'Track 2 Equivalent Data', '5A': 'Application PAN',
  '5F20': 'Cardholder Name', '5F24': 'Application Expiration Date', '5F2A': 'Transaction Currency Code', '5F34': 'PAN Sequence Number',
  '6F': 'FCI Template', '70': 'READ RECORD Response Template', '77': 'Response Message Template Format 2', '82': 'Application Interchange Profile',
  '84': 'Dedicated File (DF) Name', '95': 'Terminal Verification Results', '9A': 'Transaction Date', '9C': 'Transaction Type',
  '9F02': 'Amount, Authorised', '9F03': 'Amount, Other', '9F10': 'Issuer Application Data', '9F1A': 'Terminal Country Code',
  '9F26': 'Application Cryptogram', '9F27': 'Cryptogram Information Data', '9F33': 'Terminal Capabilities', '9F34': 'CVM Results',
  '9F36': 'Application Transaction Counter', '9F37': 'Unpredictable Number', A5: 'FCI Proprietary Template',
};

/** `visit` is told each object's tag and where its value sits (offset from `base`), templates first. */
export function parseTlv(bytes: Uint8Array, base = 0, visit?: (tag: string, offset: number, length: number) => void): Parsed<TlvNode[]> {
  const nodes: TlvNode[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] === 0x00 || bytes[i] === 0xff) {
      i++; // padding between objects
      continue;
    }
    const tagStart = i;
    const first = bytes[i++]!;
    if ((first & 0x1f) === 0x1f) {
      do {
        if (i >= bytes.length) return failure('TRUNCATED', base + tagStart, 'multi-byte tag runs past the end');
      } while ((bytes[i++]! & 0x80) !== 0);
    }
    const tag = Buffer.from(bytes.subarray(tagStart, i)).toString('hex').toUpperCase();
    if (i >= bytes.length) return failure('TRUNCATED', base + i, `tag ${tag} has no length`);
    let length = bytes[i++]!;
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 3 || i + count > bytes.length) return failure('BAD_LENGTH', base + i - 1, `tag ${tag} has an invalid long-form length`);
      length = 0;
      for (let k = 0; k < count; k++) length = length * 256 + bytes[i++]!;
    }
    if (i + length > bytes.length) return failure('TRUNCATED', base + i, `tag ${tag} declares ${length} bytes, ${bytes.length - i} remain`);
    const value = bytes.subarray(i, i + length);
    visit?.(tag, base + i, length);
    const node: TlvNode = { tag, ...(TAG_NAMES[tag] ? { name: TAG_NAMES[tag] } : {}), length, value: displayValue(tag, value) };
    if (first & 0x20) {
      const children = parseTlv(value, base + i, visit);
      if (!children.ok) return children;
      node.children = children.value;
    }
    nodes.push(node);
    i += length;
  }
  return { ok: true, value: nodes };
}

function displayValue(tag: string, value: Uint8Array): string {
  const hex = Buffer.from(value).toString('hex').toUpperCase();
  if (tag === '5A') return maskPan(hex.replace(/F+$/, ''));
  if (tag === '57') {
    const [pan = '', rest = ''] = hex.split('D');
    return `${maskPan(pan)}D${rest.slice(0, 7)}…`;
  }
  return hex;
}
