import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { buildManifest, bundleContents } from './manifest.js';

const root = mkdtempSync(join(tmpdir(), 'poshil-manifest-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('buildManifest', () => {
  it('covers every file but the manifest, the certificate and files still being written', () => {
    const dir = join(root, 'plain');
    mkdirSync(join(dir, 'receipts'), { recursive: true });
    for (const name of ['record.json', 'receipts/00001.ndjson', 'manifest.json', 'certificate.json', 'report.html.tmp']) writeFileSync(join(dir, name), 'x');
    expect(buildManifest(dir).files.map((f) => f.path)).toEqual(['receipts/00001.ndjson', 'record.json']);
  });

  it('refuses to sign a run folder holding a symbolic link, naming each, rather than hash what lies outside it', () => {
    const dir = join(root, 'linked');
    const outside = join(root, 'outside');
    mkdirSync(join(outside, 'transcript'), { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'not evidence\n');
    mkdirSync(dir);
    writeFileSync(join(dir, 'record.json'), '{}\n');
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'report.html'));
    symlinkSync(join(outside, 'transcript'), join(dir, 'transcript'));
    expect(bundleContents(dir)).toEqual({
      files: ['record.json'],
      strays: [
        { path: 'report.html', what: `a symbolic link (to ${join(outside, 'secret.txt')})`, link: join(outside, 'secret.txt') },
        { path: 'transcript', what: `a symbolic link (to ${join(outside, 'transcript')})`, link: join(outside, 'transcript') },
      ],
    });
    let refusal: unknown;
    try {
      buildManifest(dir);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InputError);
    expect(refusal).toMatchObject({
      code: 'E_BUNDLE_STRAY',
      message: `cannot sign the run folder: report.html is a symbolic link (to ${join(outside, 'secret.txt')})`,
      context: { file: dir, also: [`transcript is a symbolic link (to ${join(outside, 'transcript')})`] },
    });
  });
});
