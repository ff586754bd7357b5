import { describe, expect, it } from 'vitest';
import { renderJunit, xmlEscape } from './junit.js';
import { interruptedRecord, sampleRecord, soakRecord, unreachableRecord } from './test-support/records.js';
import { junitEssentials } from './junit.js';

/** A strict enough well-formedness check: balanced tags, escaped text, no stray ampersands. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  for (const m of body.matchAll(/<(\/?)([A-Za-z.-]+)([^>]*?)(\/?)>/g)) {
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

  it('writes earlier attempts as Surefire does: flakyFailure in a case that passed, rerunFailure in one that did not', () => {
    const record = sampleRecord();
    const xml = renderJunit(record);
    const flaky = xml.slice(xml.indexOf('name="flaky"'), xml.indexOf('</testcase>', xml.indexOf('name="flaky"')));
    expect(flaky).toContain('<flakyFailure message="first try failed" type="FAIL">');
    expect(flaky).toContain('<stackTrace>attempt 1: FAIL — first try failed</stackTrace>');
    expect(flaky).not.toContain('<failure');
    const identify = record.suites[0]!.cases[0]!;
    identify.attempts = [{ ...identify.attempts[0]!, attempt: 1, outcome: 'TIMEOUT', reason: 'no answer' }, { ...identify.attempts[0]!, attempt: 2 }];
    const again = renderJunit(record);
    expect(wellFormed(again)).toBe(true);
    expect(again).toContain('<rerunError message="no answer" type="TIMEOUT">');
    expect(again).toMatch(/<failure message="step 1/);
  });

  it('books a run that never reached its terminal as one error, not an error per case', () => {
    const xml = renderJunit(unreachableRecord());
    expect(wellFormed(xml)).toBe(true);
    expect(xml).toMatch(/<testsuites name="poshil" tests="1" failures="0" errors="1"/);
    expect(xml.match(/<error /g)).toHaveLength(1);
    expect(xml).toContain('<error message="serial port /dev/ttyUSB0 does not exist" type="E_PORT_NOT_FOUND">');
    expect(xml).toContain('<property name="run.status" value="error"/>');
  });

  it('writes cases an interruption kept from running as skipped, not as errors', () => {
    const xml = renderJunit(interruptedRecord(30));
    expect(wellFormed(xml)).toBe(true);
    expect(xml).toMatch(/<testsuites name="poshil" tests="31" failures="1" errors="0" skipped="30"/);
    expect(xml.match(/<skipped message="not run: the run was interrupted"\/>/g)).toHaveLength(30);
  });

  it('writes a plan not met as a failed case of its own, and a waived case with its waiver', () => {
    const record = sampleRecord();
    record.plan = { id: 'acceptance', version: '2', met: false, reasons: ['firmware 2.0 does not match the plan\'s /^1\\./'], waived: [{ case: 'smoke/identify', reason: 'known <bug>', approver: 'QA lead', expires: '2099-01-01' }] };
    const xml = renderJunit(record);
    expect(wellFormed(xml)).toBe(true);
    expect(xml).toMatch(/<testsuites name="poshil" tests="6" failures="2" errors="1" skipped="1"/);
    expect(xml).toContain('<testcase classname="poshil.plan" name="acceptance 2" time="');
    expect(xml).toContain('<failure message="plan not met: firmware 2.0 does not match the plan&apos;s /^1\\./" type="PLAN">');
    const identify = xml.slice(xml.indexOf('name="identify'), xml.indexOf('</testcase>', xml.indexOf('name="identify')));
    expect(identify).toContain('<system-out>waived by the plan: known &lt;bug&gt; (QA lead, until 2099-01-01)');
    record.plan = { id: 'acceptance', version: '2', met: true, reasons: [] };
    expect(renderJunit(record)).toMatch(/<testcase classname="poshil.plan" name="acceptance 2" time="[0-9.]+"\/>/);
  });

  it('names in each testsuite the firmware its cases ran on, when an upgrade in the run changed it', () => {
    const record = sampleRecord();
    record.device.identityAtStart = { ...record.device.identity!, firmware: '1.4.2' };
    record.device.identity = { ...record.device.identity!, firmware: '1.5.0' };
    for (const c of record.suites[0]!.cases) c.firmware = '1.4.2';
    record.suites[1]!.cases.forEach((c, i) => (c.firmware = i === 0 ? '1.4.2' : '1.5.0'));
    const [smoke, sales] = renderJunit(record).split('<testsuite ').slice(1);
    expect(smoke).toContain('<property name="device.firmware" value="1.4.2"/>');
    expect(smoke).not.toContain('device.firmwareAtEnd');
    expect(sales).toContain('<property name="device.firmware" value="1.4.2"/>\n      <property name="device.firmwareAtEnd" value="1.5.0"/>');
  });

  it('escapes markup and replaces characters XML forbids', () => {
    expect(xmlEscape('a<b>&"c\'\u0001]]>')).toBe('a&lt;b&gt;&amp;&quot;c&apos;\uFFFD]]&gt;');
  });

  it('summarises a soak\'s windows in the case\'s system-out, also after slimming the case to its essentials', () => {
    const record = soakRecord();
    record.suites = record.suites.map((suite) => ({ ...suite, cases: suite.cases.map(junitEssentials) }));
    const xml = renderJunit(record);
    expect(wellFormed(xml)).toBe(true);
    const soak = xml.slice(xml.indexOf('name="throughput"'), xml.indexOf('</testcase>', xml.indexOf('name="throughput"')));
    expect(soak).toContain('<system-out>step 1 (load sale for &lt;b&gt;40s&lt;/b&gt;): 4 windows of 10 s');
    expect(soak).toContain('window 1 0:00–0:10: 40 transactions, 100 % ok, 4 tps, p50 45 ms, p95 55 ms, p99 60 ms; terminal 65000 KiB free, 35 °C; poshil 80 MiB rss, 15 MiB heap');
    expect(soak).toContain('window 3 0:20–0:30: 40 transactions, 100 % ok, 4 tps, p50 45 ms, p95 475 ms, p99 480 ms; terminal 64998 KiB free, 37 °C; poshil 80 MiB rss, 15 MiB heap; OVER LIMIT: p99');
    expect(soak).toContain('terminal: status refused: &lt;script&gt;');
    expect(soak).toContain('drift compared window 1 with window 4');
  });
});
