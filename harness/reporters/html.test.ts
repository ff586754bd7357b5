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

  it('lists each link outage: when, during what, where the terminal came back (escaped), or that it did not', () => {
    const record = sampleRecord();
    const base = { downAt: '2026-11-26T00:48:53.720Z', cause: 'the link is <closed>', addressBefore: 'serial:/dev/pts/1', attempts: 3 };
    record.outages = [
      { ...base, backAt: '2026-11-26T00:48:54.128Z', downMs: 408, expected: true, during: 'upgrade/x step 9 (do upgrade)', addressAfter: 'serial:/dev/pts/3', identityAfter: { model: 'm', serialNumber: 's', firmware: '1.5.0', capabilities: [] } },
      { ...base, downMs: 1500, expected: false, during: 'between cases', gaveUp: 'it did not come back within 1500 ms' },
    ];
    const page = renderHtml(record);
    expect(page).toContain('<h3>Link outages</h3>');
    expect(page).toContain('serial:/dev/pts/3 · firmware 1.5.0');
    expect(page).toContain('<span class="badge PASS">expected</span>');
    expect(page).toContain('<span class="badge ERROR">lost</span>');
    expect(page).toContain('did not come back');
    expect(page).toContain('the link is &lt;closed&gt;');
    expect(html).not.toContain('Link outages');
  });

  it('marks a partial record from a crash', () => {
    expect(renderHtml(sampleRecord('crashed'))).toContain('this record is partial (crashed)');
  });
});

describe('renderHtml for triage', () => {
  const receipts = [{ file: 'receipts/001-customer.json', copy: 'customer', txnId: 'T1', text: ['POSHIL MART', 'VISA ************1111', 'TOTAL EUR 12.50'] }];

  it('opens with an index of failures and flaky cases linking to each case', () => {
    const html = renderHtml(sampleRecord());
    const index = html.slice(html.indexOf('<section class="failures">'), html.indexOf('</section>'));
    expect(index.match(/<li>/g)).toHaveLength(3);
    expect(index).toContain('<a href="#smoke-identify"><span class="badge FAIL">FAIL</span> smoke/identify</a>');
    expect(index).toContain('<a href="#smoke-flaky"><span class="badge FLAKY">FLAKY</span> smoke/flaky</a>');
    expect(html).toContain('id="smoke-identify" data-state="failed" data-search="smoke/identify "');
    expect(html).toContain('data-filter="flaky" aria-pressed="false">flaky (1)</button>');
  });

  it('shows a receipt as text next to the step that received it, and links the run folder\'s files', () => {
    const html = renderHtml(sampleRecord(), { receipts, runFolder: '' });
    expect(html).toMatch(/<pre class="receipt">POSHIL MART\nVISA \*{12}1111\nTOTAL EUR 12.50<\/pre>/);
    expect(html).toContain('<a href="transcript.ndjson">transcript</a>');
    expect(html).toContain('<a href="receipts/">receipts (1)</a>');
    expect(renderHtml(sampleRecord(), { runFolder: '../run-1' })).toContain('<a href="../run-1/junit.xml">JUnit XML</a>');
    expect(renderHtml(sampleRecord())).not.toContain('class="links"');
  });

  it('trims a long transcript excerpt to the frames up to the failure', () => {
    const record = sampleRecord();
    const step = record.suites[0]!.cases[0]!.attempts[0]!.steps[0]!;
    step.transcript = { from: 0, to: 40, excerpt: Array.from({ length: 40 }, (_, i) => ({ seq: i, ms: i, channel: 'link', dir: 'rx' as const, text: `frame-${i}.` })) };
    const html = renderHtml(record);
    expect(html).toContain('… 26 frames left out …');
    expect(html).toContain('frame-1.');
    expect(html).not.toContain('frame-2.');
    expect(html).toContain('frame-39.');
  });

  it('draws the time per case of each suite', () => {
    const html = renderHtml(sampleRecord());
    expect(html.match(/<svg [^>]*class="durations"/g)).toHaveLength(2);
    expect(html).toContain('<title>smoke/identify: FAIL, 40 ms</title>');
  });
});
