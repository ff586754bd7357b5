/**
 * Reading a text file a line at a time, in blocks: evidence files (a journal, a transcript
 * segment, the receipts) are tens of megabytes and are never read as one string.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Calls `line` for each line of a file, reading it in blocks (no whole-file string). */
export function forEachLine(path: string, line: (text: string) => void, blockBytes = 1 << 20): void {
  const fd = openSync(path, 'r');
  const block = Buffer.alloc(blockBytes);
  let carry: Buffer[] = [];
  try {
    for (;;) {
      const n = readSync(fd, block, 0, block.length, null);
      if (n === 0) break;
      let start = 0;
      for (let nl = block.indexOf(0x0a, 0); nl !== -1 && nl < n; nl = block.indexOf(0x0a, start)) {
        const piece = block.subarray(start, nl);
        line(carry.length ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8'));
        carry = [];
        start = nl + 1;
      }
      if (start < n) carry.push(Buffer.from(block.subarray(start, n)));
    }
    if (carry.length) line(Buffer.concat(carry).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}
