/** ZVT result codes (BMP 27, abort 06 1E) in words, for reports and error messages. */
const RESULT_CODES: Readonly<Record<number, string>> = {
  0x00: 'no error',
  0x64: 'card not readable (LRC or parity error)',
  0x65: 'card data not present',
  0x66: 'processing error',
  0x67: 'function not permitted for ec- and Maestro cards',
  0x68: 'function not permitted for credit and tank cards',
  0x6a: 'turnover file full',
  0x6b: 'function deactivated (PT not registered)',
  0x6c: 'abort via timeout or abort key',
  0x6e: 'card in blocked list',
  0x6f: 'wrong currency',
  0x71: 'credit not sufficient',
  0x72: 'chip error',
  0x73: 'card data incorrect',
  0x77: 'end-of-day batch not possible',
  0x78: 'card expired',
  0x79: 'card not yet valid',
  0x7a: 'card unknown',
  0x83: 'function not possible',
  0x9c: 'please wait',
  0xa0: 'receiver not ready',
  0xb4: 'already reversed',
  0xb5: 'reversal not possible',
  0xc2: 'diagnosis required',
  0xc3: 'maximum amount exceeded',
  0xff: 'system error',
};

export function resultText(code: number): string {
  return RESULT_CODES[code] ?? `result code 0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
}
