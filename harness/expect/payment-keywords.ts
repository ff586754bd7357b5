/**
 * Payment keywords for expectations. Registered on every Expectations instance so that suites
 * can say `luhn: true`, `maskedPan: true`, … (filled in by the payment-formats work).
 */
import type { Ajv } from 'ajv';

export function addPaymentKeywords(_ajv: Ajv): void {}
