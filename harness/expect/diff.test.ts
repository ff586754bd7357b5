import { describe, expect, it } from 'vitest';
import { differences } from './diff.js';

describe('differences', () => {
  const before = {
    firmware: '1.4.2',
    configuration: { merchantName: 'Bäckerei', tipping: true },
    transactions: [
      { txnId: 'TXN-1', amount: 1250, items: ['Brötchen'] },
      { txnId: 'TXN-2', amount: 349, items: ['Croissant'] },
    ],
  };

  it('finds nothing between equal values and honours ignored pointers', () => {
    expect(differences(before, structuredClone(before))).toEqual([]);
    expect(differences(before, { ...structuredClone(before), firmware: '1.5.0' }, ['/firmware'])).toEqual([]);
  });

  it('names lost records by txnId, changed amounts, re-encoded names and missing settings', () => {
    const after = {
      firmware: '1.4.2',
      configuration: { tipping: true },
      transactions: [{ txnId: 'TXN-1', amount: 1300, items: ['BrÃ¶tchen'] }],
    };
    expect(differences(before, after)).toEqual([
      { path: '/configuration/merchantName', message: 'missing after: "Bäckerei"' },
      { path: '/transactions/0/amount', message: 'changed from 1250 to 1300' },
      { path: '/transactions/0/items/0', message: 'changed from "Brötchen" to "BrÃ¶tchen"' },
      { path: '/transactions/1', message: 'missing after: {"txnId":"TXN-2","amount":349,"items":["Croissant"]}' },
    ]);
  });
});
