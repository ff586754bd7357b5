import { describe, expect, it } from 'vitest';
import { TransactionLedger, txnIdOf } from './transactions.js';

describe('TransactionLedger', () => {
  it('gives a transaction to the attempt that first named it, until the link drops', () => {
    let drops = 0;
    const ledger = new TransactionLedger(() => drops);
    ledger.beginAttempt();
    expect(ledger.isEarlier('TXN-1')).toBe(false);
    expect(ledger.isEarlier('TXN-1')).toBe(false);
    ledger.beginAttempt();
    expect(ledger.isEarlier('TXN-1')).toBe(true);
    expect(ledger.isEarlier('TXN-2')).toBe(false);
    // A terminal that restarted may number from the start again: after a drop the id is new.
    drops++;
    ledger.beginAttempt();
    expect(ledger.isEarlier('TXN-1')).toBe(false);
    ledger.beginAttempt();
    expect(ledger.isEarlier('TXN-1')).toBe(true);
  });

  it('reads a txnId only where it is a non-empty string', () => {
    expect(txnIdOf({ txnId: 'T1' })).toBe('T1');
    for (const data of [undefined, null, 'T1', {}, { txnId: '' }, { txnId: 7 }]) expect(txnIdOf(data)).toBeUndefined();
  });
});
