/**
 * An amount in minor units, written as a person reads it: 1250 EUR is "12.50", 1000 JPY is
 * "1000" (the yen has no minor unit). ISO 4217's minor units of the currencies poshil knows
 * (emv-qr.ts's CURRENCY_NUMERIC); an unknown code is taken to have two, as most do.
 */
const MINOR_UNITS: Readonly<Record<string, number>> = { JPY: 0 };

export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/** "12.50" for 1250 in EUR; "1000" for 1000 in JPY. */
export function formatMinor(amount: number, currency: string): string {
  const digits = minorUnits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}

/** "EUR 12.50" */
export function formatAmount(amount: number, currency: string): string {
  return `${currency} ${formatMinor(amount, currency)}`;
}
