import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CertificateBody } from '../core/certificate.js';
import { buildManifest, CERTIFICATE_FILE, MANIFEST_FILE, sha256, type Manifest } from '../evidence/manifest.js';
import { SegmentedNdjson } from '../evidence/segments.js';
import { signCertificate } from './certificate.js';
import { verifyBundle } from './verify.js';

const root = mkdtempSync(join(tmpdir(), 'poshil-verify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const { privateKey } = generateKeyPairSync('ed25519');

/** Signs the folder as certify does: manifest over every file, certificate over the manifest's hash. */
function sign(dir: string, manifest: Manifest = buildManifest(dir)): Manifest {
  const text = JSON.stringify(manifest, null, 2) + '\n';
  writeFileSync(join(dir, MANIFEST_FILE), text);
  // verify reads only the evidence, the run id and the verdict of the body; the rest is the certificate's business.
  const body = { verdict: 'CERTIFIED', run: { runId: 'run-1' }, evidence: { manifest: MANIFEST_FILE, manifestSha256: sha256(text) } } as unknown as CertificateBody;
  writeFileSync(join(dir, CERTIFICATE_FILE), JSON.stringify(signCertificate(body, privateKey), null, 2) + '\n');
  return manifest;
}

describe('verifyBundle and the layouts of a run folder', () => {
  it('verifies an older run folder: one transcript.ndjson and a file per receipt, no chains in its manifest', () => {
    const dir = join(root, 'old');
    mkdirSync(join(dir, 'receipts'), { recursive: true });
    writeFileSync(join(dir, 'transcript.ndjson'), '{"seq":0,"ms":1,"channel":"link","dir":"tx","text":"a"}\n');
    writeFileSync(join(dir, 'receipts', '001-merchant.json'), '{"copy":"merchant","text":["A"]}\n');
    writeFileSync(join(dir, 'record.json'), '{}\n');
    const manifest = sign(dir);
    expect(manifest.segments).toBeUndefined();
    expect(verifyBundle(dir)).toMatchObject({ ok: true, problems: [], checkedFiles: 3 });
  });

  it('verifies the chains of a folder in segments, and refuses a manifest whose chain names a file it does not list', async () => {
    const dir = join(root, 'new');
    const transcript = new SegmentedNdjson(dir, 'transcript', 'run-1', 512);
    for (let i = 0; i < 50; i++) transcript.append({ seq: i, ms: i, channel: 'link', dir: 'tx', text: 'x'.repeat(30) });
    const files = (await transcript.end()).map((s) => s.file);
    const manifest = sign(dir);
    expect(manifest.segments).toEqual([{ stream: 'transcript', files }]);
    expect(verifyBundle(dir).ok).toBe(true);

    sign(dir, { ...manifest, segments: [{ stream: 'transcript', files: [...files, 'transcript/99999.ndjson'] }] });
    expect(verifyBundle(dir).problems).toEqual([`${MANIFEST_FILE}: segments entry 0 (transcript) names "transcript/99999.ndjson", which the manifest does not list`]);

    // A manifest re-signed without a segment: the chain still gives the gap away.
    const without = files.filter((_, i) => i !== 2);
    rmSync(join(dir, files[2]!));
    sign(dir, { ...manifest, files: manifest.files.filter((f) => f.path !== files[2]), segments: [{ stream: 'transcript', files: without }] });
    const problems = verifyBundle(dir).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${files[3]!.replace('.', '\\.')}: the transcript chain is broken: it is segment 4 but follows segment 2`));
  });

  it("names a first segment swapped in from another run by that run's id, and the genuine ones after it only where the chain breaks", async () => {
    const dir = join(root, 'swapped');
    const other = join(root, 'other');
    for (const [folder, runId] of [[dir, 'run-1'], [other, 'run-2']] as const) {
      const transcript = new SegmentedNdjson(folder, 'transcript', runId, 512);
      for (let i = 0; i < 50; i++) transcript.append({ seq: i, ms: i, channel: 'link', dir: 'tx', text: `${runId} `.repeat(6) });
      await transcript.end();
    }
    sign(dir);
    const first = 'transcript/00001.ndjson';
    writeFileSync(join(dir, first), readFileSync(join(other, first)));
    expect(verifyBundle(dir).problems).toEqual([
      `${first}: changed (SHA-256 differs from the manifest)`,
      `${first}: the transcript chain is broken: it comes from run run-2, not run-1`,
      `transcript/00002.ndjson: the transcript chain is broken: ${first} is not the segment that was sealed before it (its SHA-256 or size differs from this header's)`,
    ]);
  });

  it('names each file or folder replaced by a symbolic link, and reads nothing through it', async () => {
    const dir = join(root, 'linked');
    const outside = join(root, 'linked-outside');
    mkdirSync(outside);
    const transcript = new SegmentedNdjson(dir, 'transcript', 'run-1', 512);
    for (let i = 0; i < 20; i++) transcript.append({ seq: i, ms: i, channel: 'link', dir: 'tx', text: 'x'.repeat(30) });
    await transcript.end();
    writeFileSync(join(dir, 'report.html'), '<html></html>\n');
    writeFileSync(join(dir, 'record.json'), '{}\n');
    sign(dir);
    // The same bytes, moved out of the bundle: every hash still matches, and the bundle is no longer whole.
    for (const name of ['transcript', 'report.html']) {
      renameSync(join(dir, name), join(outside, name));
      symlinkSync(join(outside, name), join(dir, name));
    }
    const result = verifyBundle(dir);
    expect(result.problems).toEqual([
      `report.html: a symbolic link (to ${join(outside, 'report.html')}); verify follows no link: a signed bundle holds its evidence itself`,
      `transcript: a symbolic link (to ${join(outside, 'transcript')}); verify follows no link: a signed bundle holds its evidence itself`,
    ]);
    expect(result).toMatchObject({ ok: false, checkedFiles: 1 });

    // A link that stays inside the bundle is refused too: a copy or an archive of the bundle may not keep it.
    rmSync(join(dir, 'report.html'));
    copyFileSync(join(outside, 'report.html'), join(dir, 'report.html'));
    rmSync(join(dir, 'transcript'));
    renameSync(join(outside, 'transcript'), join(dir, 'transcript'));
    expect(verifyBundle(dir).ok).toBe(true);
    renameSync(join(dir, 'record.json'), join(dir, 'transcript', 'record.json'));
    symlinkSync('transcript/record.json', join(dir, 'record.json'));
    expect(verifyBundle(dir).problems).toEqual([
      'record.json: a symbolic link (to transcript/record.json); verify follows no link: a signed bundle holds its evidence itself',
      'transcript/record.json: not in the manifest (added after signing)',
    ]);
    rmSync(join(dir, 'record.json'));
    renameSync(join(dir, 'transcript', 'record.json'), join(dir, 'record.json'));

    // The certificate itself, the genuine one, kept elsewhere.
    renameSync(join(dir, CERTIFICATE_FILE), join(outside, CERTIFICATE_FILE));
    symlinkSync(join(outside, CERTIFICATE_FILE), join(dir, CERTIFICATE_FILE));
    expect(verifyBundle(dir)).toMatchObject({ ok: false, problems: [`${CERTIFICATE_FILE}: a symbolic link (to ${join(outside, CERTIFICATE_FILE)}); verify follows no link: a signed bundle holds its evidence itself`] });
  });

  it('names a file replaced by a FIFO instead of waiting for it to be written', () => {
    const dir = join(root, 'fifo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'record.json'), '{}\n');
    sign(dir);
    rmSync(join(dir, 'record.json'));
    execFileSync('mkfifo', [join(dir, 'record.json')]);
    expect(verifyBundle(dir).problems).toEqual(['record.json: a FIFO, not a file; a signed bundle holds only files and folders']);
  });
});
