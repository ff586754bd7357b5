/**
 * PAN masking for display. PCI DSS: a displayed PAN keeps at most the first six and last four
 * digits. Masking card data inside texts and formats is redaction.ts's and card-data.ts's.
 */
export function maskPan(pan: string): string {
  // A digit masked already (`*`, or a ZVT terminal's BCD filler E) keeps its place.
  const digits = pan.replace(/[Ee]/g, '*').replace(/[^0-9*]/g, '');
  if (digits.length < 13) return '*'.repeat(Math.max(0, digits.length - 4)) + digits.slice(-4);
  return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
}

export function isMaskedPan(text: string): boolean {
  const m = /^(\d{0,6})(\*+)(\d{0,4})$/.exec(text);
  return m !== null && m[1]!.length + m[2]!.length + m[3]!.length >= 8;
}
