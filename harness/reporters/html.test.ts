import { describe, expect, it } from 'vitest';
import { renderHtml } from './html.js';
import { sampleRecord, unreachableRecord } from './test-support/records.js';

describe('renderHtml', () => {
  const html = renderHtml(sampleRecord());

  it('escapes every device- and suite-supplied string', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('Model &lt;X&gt; &amp; &quot;Co&quot;');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
  });

  it('shows a failed step with expected, observed, differences, transcript excerpt and troubleshoot text', () => {
    expect(html).toContain('must be equal to constant');
    expect(html).toContain('transcript excerpt');
    expect(html).toContain('&quot;op&quot;:&quot;identify&quot;');
    expect(html).toContain('Troubleshoot (answer does not match):');
    expect(html).toContain('attempt 1:');
  });

  it('draws the latency chart of a load step and the measurement limits', () => {
    expect(html).toMatch(/<svg [^>]*role="img"/);
    expect(html).toContain('p95 80 ms');
    expect(html).toContain('MARGINAL');
  });

  it('is self-contained', () => {
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/<link[^>]+stylesheet/);
    expect(html).toContain('<style>');
  });

  it('badges a flaky case, counts it, and greys the counts that are zero', () => {
    expect(html).toContain('<span class="badge FLAKY" title="passed only after a retry">FLAKY</span>');
    expect(html).toContain('<th>flaky</th>');
    expect(html).toContain('2 of 5 cases passed (1 flaky)');
    expect(html).toMatch(/<span class="badge zero">0<\/span>/);
  });

  it('puts the reason first when the run never reached its terminal', () => {
    const page = renderHtml(unreachableRecord());
    expect(page.indexOf('The run could not go on')).toBeLessThan(page.indexOf('class="banner'));
    expect(page).toContain('serial port /dev/ttyUSB0 does not exist');
    expect(page).toContain('ERROR — no case ran');
  });

  it('marks a partial record from a crash', () => {
    expect(renderHtml(sampleRecord('crashed'))).toContain('this record is partial (crashed)');
  });
});
