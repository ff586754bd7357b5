/** The comparison of two runs as a page a vendor attaches to a release. */
import type { Comparison } from '../core/comparison.js';
import { render } from './html-render.js';

export function renderCompareHtml(comparison: Comparison): string {
  const order = ['regressed', 'recovered', 'still failing', 'added', 'removed', 'still skipped', 'still passing'];
  const cases = [...comparison.cases].sort((a, b) => order.indexOf(a.change) - order.indexOf(b.change));
  return render('compare', { c: comparison, cases });
}
