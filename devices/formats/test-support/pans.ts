import fc from 'fast-check';
import { luhnCheckDigit } from '../luhn.js';

/**
 * A Luhn-valid PAN of a card scheme, 13 to 19 digits: first digit 3-6 or 8, or in MII 2 Mir's
 * 2200-2204 or Mastercard's 2221-2720.
 */
export const schemePan = fc
  .tuple(
    fc.oneof(fc.constantFrom('3', '4', '5', '6', '8'), fc.integer({ min: 2221, max: 2720 }).map(String), fc.integer({ min: 2200, max: 2204 }).map(String)),
    fc.integer({ min: 13, max: 19 }),
    fc.stringMatching(/^[0-9]{18}$/),
  )
  .map(([first, length, digits]) => {
    const body = (first + digits).slice(0, length - 1);
    return body + luhnCheckDigit(body);
  });

/**
 * A scheme PAN as receipts print it: groups of digits split by one to three separators, mixed or
 * not (4-4-4-4, Amex's 4-6-5, Diners' 4-6-4 and the like): a first and second group of 3 to 6
 * digits, then one to three groups of at most 6.
 */
export const groupedPan = fc
  .tuple(schemePan, fc.integer({ min: 3, max: 6 }), fc.integer({ min: 3, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.constantFrom(' ', '-', '  ', ' - ', '   ', '.', '/', '\t', '?', ',', '_', '\u00b7', '\u0001'), { minLength: 4, maxLength: 4 }))
  .map(([pan, first, second, wanted, separators]) => {
    const rest = pan.length - first - second;
    const count = Math.min(rest, Math.max(wanted, Math.ceil(rest / 6)));
    const groups = [pan.slice(0, first), pan.slice(first, first + second)];
    for (let g = 0, at = first + second; g < count; g++) {
      const size = Math.ceil((pan.length - at) / (count - g));
      groups.push(pan.slice(at, at + size));
      at += size;
    }
    return { pan, printed: groups.map((g, i) => (i === 0 ? g : separators[i - 1] + g)).join('') };
  });
