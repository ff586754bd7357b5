import { describe, expect, it } from 'vitest';
import { referencedNames, resolveReferences } from './saved-refs.js';

const saved = new Map<string, unknown>([['sale', { txnId: 'TXN-000002', amount: 1250, card: { last4: '1111' } }]]);

describe('saved results in args', () => {
  it('are found wherever the args hold them', () => {
    expect(referencedNames({ a: '${sale.txnId}', b: ['x ${other} y'], c: 3 })).toEqual(['sale', 'other']);
  });

  it('keep their type when a string is one reference, and are written in as text inside a longer one', () => {
    expect(resolveReferences({ txnId: '${sale.txnId}', amount: '${sale.amount}', note: 'void ${sale.txnId} of ${sale.amount}', deep: ['${sale.card.last4}'], n: 1 }, saved)).toEqual({
      txnId: 'TXN-000002',
      amount: 1250,
      note: 'void TXN-000002 of 1250',
      deep: ['1111'],
      n: 1,
    });
  });

  it('name what is missing: a result not saved, or a field the saved result lacks', () => {
    expect(() => resolveReferences({ t: '${refund.txnId}' }, saved)).toThrow('${refund.txnId}: nothing was saved as refund in this case yet');
    expect(() => resolveReferences({ t: '${sale.txnid}' }, saved)).toThrow('${sale.txnid}: the result saved as sale has no txnid (it has txnId, amount, card)');
  });
});
