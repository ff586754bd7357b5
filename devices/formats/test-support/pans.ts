import fc from 'fast-check';
import { luhnCheckDigit } from '../luhn.js';

/** A Luhn-valid PAN of a card scheme (major industry identifier 2-6 or 8), 13 to 19 digits. */
export const schemePan = fc
  .tuple(fc.constantFrom('2', '3', '4', '5', '6', '8'), fc.stringMatching(/^[0-9]{11,17}$/))
  .map(([first, body]) => first + body + luhnCheckDigit(first + body));
