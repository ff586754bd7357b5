/**
 * A corpus of malformed input, generated from every bundled suite, profile and plan (broken
 * syntax, wrong types, unknown keys, limits, encodings, sizes, special files), through
 * `poshil validate` and `poshil run`: each ends in exit 2 naming the file, never a stack trace
 * or an internal error, and in bounded time. Then a tamper sweep over a signed certificate
 * bundle: every change to every file is named by verify.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../certify/verify.js';
import { poshil, ROOT, runDir, simulatorProfile, workspace } from './test-support/cli.js';
import { mutationsOf } from './test-support/mutations.js';

interface Input {
  path: string;
  mustFail: boolean;
}

/** Writes the corpus beside copies of the bundled files (so fixtures and $refs resolve) and returns it. */
function buildCorpus(dir: string): Input[] {
  cpSync(join(ROOT, 'suites'), join(dir, 'suites'), { recursive: true });
  mkdirSync(join(dir, 'devices'));
  const sources = [
    ...readdirSync(join(ROOT, 'suites')).filter((f) => f.endsWith('.suite.yaml')).map((f) => join('suites', f)),
    ...readdirSync(join(ROOT, 'suites', 'plans')).map((f) => join('suites', 'plans', f)),
    ...readdirSync(join(ROOT, 'devices')).filter((f) => f.endsWith('.json')).map((f) => join('devices', f)),
  ];
  const corpus: Input[] = [];
  for (const source of sources) {
    const text = readFileSync(join(ROOT, source), 'utf8');
    for (const m of mutationsOf(text, source.endsWith('.json'))) {
      const path = join(dir, source.replace(basename(source), `m-${m.name}.${basename(source)}`));
      writeFileSync(path, m.content);
      corpus.push({ path, mustFail: m.mustFail });
    }
  }
  // Special files: a FIFO (read would block), a folder, a device, a missing file.
  execFileSync('mkfifo', [join(dir, 'suites', 'fifo.suite.yaml')]);
  mkdirSync(join(dir, 'suites', 'folder.suite.yaml'));
  corpus.push(
    { path: join(dir, 'suites', 'fifo.suite.yaml'), mustFail: true },
    { path: join(dir, 'suites', 'folder.suite.yaml'), mustFail: true },
    { path: '/dev/zero', mustFail: true },
    { path: join(dir, 'devices', 'missing.json'), mustFail: true },
  );
  return corpus;
}

describe('malformed input corpus', () => {
  let dir: string;
  let corpus: Input[];
  beforeAll(() => {
    dir = workspace();
    corpus = buildCorpus(dir);
  });

  it('validate refuses every malformed file by name, with exit 2 and no stack trace', async () => {
    expect(corpus.length).toBeGreaterThan(350);
    const started = performance.now();
    const result = await poshil(['validate', ...corpus.map((c) => c.path)], { cwd: dir, timeout: 120_000 });
    const seconds = (performance.now() - started) / 1000;
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(2);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at |RangeError|TypeError/);
    const verdicts = new Map(result.stdout.split('\n').filter(Boolean).map((line) => [line.slice(9).replace(/ \(\w+\)$/, ''), line.slice(0, 7).trim()]));
    for (const input of corpus) {
      // stdout echoes the path as given; errors show it relative to the working directory.
      const shown = input.path.startsWith('/dev') ? input.path : relative(dir, input.path);
      const verdict = verdicts.get(input.path);
      expect(verdict, `${shown} was not reported`).toBeDefined();
      if (input.mustFail) expect(verdict, shown).toBe('invalid');
      if (verdict === 'invalid') expect(result.stderr, `the error for ${shown} names it`).toContain(shown);
    }
    // Bounded: hundreds of files, megabyte ones among them, in one process.
    expect(seconds).toBeLessThan(100);
  }, 130_000);

  it('run refuses a malformed suite or profile before it starts anything', async () => {
    const profile = join(dir, 'sim.json');
    writeFileSync(profile, JSON.stringify(simulatorProfile('tcp')));
    const sample = corpus.filter((c) => c.mustFail && /m-(unknown-nested-key|alias-bomb|oversize|utf16|deep-nesting)\.(smoke\.suite\.yaml|simulator\.json)$|fifo|missing/.test(c.path));
    expect(sample.length).toBeGreaterThanOrEqual(10);
    for (const input of sample) {
      const isProfile = input.path.endsWith('.json');
      const args = isProfile ? ['run', '-d', input.path, '-o', join(dir, 'out'), join(dir, 'suites', 'smoke.suite.yaml')] : ['run', '-d', profile, '-o', join(dir, 'out'), input.path];
      const result = await poshil(args, { cwd: dir, timeout: 20_000 });
      expect(result.exitCode, `${input.path}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(relative(dir, input.path));
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  }, 240_000);

  it('run names what the simulator said of arguments it refused, with exit 2, as a child and in-process', async () => {
    const bad = workspace({ 'bad.json': simulatorProfile('tcp', ['--defect', 'approve-declinedd']), 'b.bench.yaml': '' });
    writeFileSync(join(bad, 'b.bench.yaml'), `bench: b\ndevices:\n  - name: t1\n    profile: ${join(bad, 'bad.json')}\n`);
    for (const args of [['-d', join(bad, 'bad.json')], ['--bench', join(bad, 'b.bench.yaml'), '--in-process-simulators']]) {
      const result = await poshil(['run', ...args, '-o', join(bad, 'out'), join(ROOT, 'suites', 'smoke.suite.yaml')], { cwd: bad, timeout: 30_000 });
      expect(result.exitCode, result.stdout + result.stderr).toBe(2);
      expect(result.stdout + result.stderr).toContain('the simulator did not start: ');
      expect(result.stdout + result.stderr).toContain('unknown --defect "approve-declinedd"');
    }
  }, 60_000);
});

describe('tamper sweep over a certificate bundle', () => {
  let bundle: string;
  beforeAll(async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    await poshil(['keygen', '--out', join(dir, 'lab')]);
    const out = join(dir, 'out');
    const plan = join(dir, 'quick.plan.yaml');
    writeFileSync(plan, `plan: quick\nversion: "1"\nsuites:\n  - suite: ${join(ROOT, 'suites', 'smoke.suite.yaml')}\n  - suite: ${join(ROOT, 'suites', 'printing.suite.yaml')}\n`);
    const result = await poshil(['certify', '--plan', plan, '--device', join(dir, 'sim.json'), '--key', join(dir, 'lab.key'), '--lab', 'Lab', '--tester', 'T', '-o', out], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    bundle = runDir(out);
  }, 130_000);

  const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));

  it('names the file for every single-byte change at many offsets of every file', () => {
    expect(verifyBundle(bundle).ok).toBe(true);
    let tries = 0;
    for (const file of files(bundle)) {
      const path = join(bundle, file);
      const original = readFileSync(path);
      const offsets = new Set([0, original.length - 1, Math.floor(original.length / 2), ...Array.from({ length: 12 }, (_, i) => Math.floor(((i * 7919 + 1) % 997) / 997 * original.length))]);
      for (const at of offsets) {
        for (const flip of [0x01, 0x80, 0x20]) {
          const changed = Buffer.from(original);
          changed[at] = changed[at]! ^ flip;
          writeFileSync(path, changed);
          const result = verifyBundle(bundle);
          tries++;
          expect(result.ok, `${file} @${at} ^${flip}`).toBe(false);
          expect(result.problems.join('\n'), `${file} @${at}`).toContain(file === 'certificate.json' ? 'certificate.json' : file);
        }
      }
      writeFileSync(path, original);
    }
    expect(tries).toBeGreaterThan(200);
    expect(verifyBundle(bundle).ok).toBe(true);
  });

  it('names every deleted, added and renamed file', () => {
    for (const file of files(bundle)) {
      const path = join(bundle, file);
      const original = readFileSync(path);
      // Without certificate.json there is nothing to verify: that is an error naming it.
      const problems = () => {
        try {
          return verifyBundle(bundle).problems.join('\n');
        } catch (error) {
          return (error as Error).message;
        }
      };
      rmSync(path);
      expect(problems(), `deleted ${file}`).toContain(file);
      writeFileSync(path, original);
      renameSync(path, `${path}.renamed`);
      expect(problems(), `renamed ${file}`).toContain(file);
      renameSync(`${path}.renamed`, path);
    }
    writeFileSync(join(bundle, 'extra.txt'), 'added after signing');
    expect(verifyBundle(bundle).problems).toContain('extra.txt: not in the manifest (added after signing)');
    rmSync(join(bundle, 'extra.txt'));
    expect(verifyBundle(bundle).ok).toBe(true);
  });
});
