/**
 * Text from a terminal (its identity, its error messages) or a database on one console line. A
 * line break, carriage return or escape sequence in it would let the terminal write lines of its
 * own into a CI log: a GitHub Actions workflow command (`::error …`, `::stop-commands::`), a fake
 * PASS, a line rubbed out. Every control character (C0, DEL, C1) and every Unicode line, paragraph
 * or direction mark is shown as an escape instead, so what it was stays readable as evidence.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function consoleText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
