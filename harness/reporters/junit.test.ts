import { describe, expect, it } from 'vitest';
import { renderJunit, xmlEscape } from './junit.js';
import { sampleRecord } from './test-support/records.js';

/** A strict enough well-formedness check: balanced tags, escaped text, no stray ampersands. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  for (const m of body.matchAll(/<(\/?)([A-Za-z-]+)([^>]*?)(\/?)>/g)) {
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else if (!m[4]) stack.push(m[2]!);
  }
  return stack.length === 0 && !/&(?!(amp|lt|gt|quot|apos);)/.test(body);
}

describe('renderJunit', () => {
  it('writes one testsuite per suite and one testcase per case with the right elements', () => {
    const xml = renderJunit(sampleRecord());
    expect(wellFormed(xml)).toBe(true);
    expect(xml).toMatch(/<testsuites name="poshil" tests="5" failures="1" errors="1" skipped="1"/);
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml.match(/<testcase /g)).toHaveLength(5);
    expect(xml).toMatch(/<failure message="step 1 \(do identify\): does not match" type="FAIL">/);
    expect(xml).toContain('<error message="no answer" type="TIMEOUT">');
    expect(xml).toContain('<skipped message="the terminal lacks chip"/>');
    expect(xml).toContain('attempt 1: FAIL');
    expect(xml).toContain('<property name="device.model" value="Model &lt;X&gt; &amp; &quot;Co&quot;"/>');
  });

  it('escapes markup and replaces characters XML forbids', () => {
    expect(xmlEscape('a<b>&"c\'\u0001]]>')).toBe('a&lt;b&gt;&amp;&quot;c&apos;\uFFFD]]&gt;');
  });
});
