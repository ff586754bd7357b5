import { describe, expect, it } from 'vitest';
import type { LoadSeries } from '../core/load-series.js';
import { renderHtml } from './html.js';
import { seriesView } from './series-chart.js';
import { soakRecord } from './test-support/records.js';

const seriesOf = () => soakRecord().suites[0]!.cases[2]!.attempts[0]!.steps[0]!.details!['series'] as LoadSeries;

describe('a load step\'s time series in the report', () => {
  it('charts latency, success and health per window and marks the window over its limit', () => {
    const view = seriesView(seriesOf(), 'soak')!;
    expect(view.charts).toHaveLength(3);
    const [latency, success, health] = view.charts;
    expect(latency).toContain('<title>soak: latency per window</title>');
    expect(latency).toContain('p99 0:25: 480 ms');
    expect(latency).toContain('window 3 (0:20–0:30): p99 over the window limit');
    expect(success).toContain('success %');
    expect(health).toContain('poshil rss MiB');
    expect(health).toContain('terminal °C');
    expect(view.rows.map((r) => [r.n, r.span, r.p99, r.over])).toEqual([
      [1, '0:00–0:10', '60', ''],
      [2, '0:10–0:20', '62', ''],
      [3, '0:20–0:30', '480', 'p99'],
      [4, '0:30–0:40', '70', ''],
    ]);
  });

  it('escapes the step label and what the terminal said, in the charts and in the table', () => {
    const html = renderHtml(soakRecord());
    expect(html).not.toContain('<b>40s</b>');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('load sale for &lt;b&gt;40s&lt;/b&gt;: latency per window');
    expect(html).toContain('status refused: &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toMatch(/<tr class="over"><td>3<\/td>/);
  });

  it('draws nothing for a record from before time series, or a single window', () => {
    expect(seriesView(undefined, 'x')).toBeUndefined();
    const one = { windowMs: 60_000, windows: [seriesOf().windows[0]!] };
    expect(seriesView(one, 'x')!.charts).toEqual([]);
  });
});
