/**
 * The evidence manifest: the SHA-256 of every file in a run directory, so that a certificate
 * signed over the manifest's hash covers every byte of evidence; and, for the evidence written in
 * segments (the transcript, the receipts: segments.ts), each chain's segments in order, so that
 * `verify` can follow the chain and name the segment where it breaks.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { segmentFiles } from './segments.js';

export const MANIFEST_FILE = 'manifest.json';
export const CERTIFICATE_FILE = 'certificate.json';

export interface Manifest {
  algorithm: 'sha256';
  files: { path: string; sha256: string; bytes: number }[];
  /** Each segmented stream's files in chain order (absent in manifests of older runs). */
  segments?: { stream: string; files: string[] }[];
}

/** The streams poshil writes in segments. */
export const SEGMENTED_STREAMS = ['transcript', 'receipts'] as const;

/** Files the manifest does not cover: itself, and the certificate that signs it. */
const UNCOVERED = new Set([MANIFEST_FILE, CERTIFICATE_FILE]);

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function bundleFiles(dir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d)
      .sort()
      .flatMap((name) => {
        const path = join(d, name);
        return statSync(path).isDirectory() ? walk(path) : [relative(dir, path).split(sep).join('/')];
      });
  return walk(dir).filter((path) => !UNCOVERED.has(path) && !path.endsWith('.tmp'));
}

export function buildManifest(dir: string): Manifest {
  const segments = SEGMENTED_STREAMS.map((stream) => ({ stream, files: segmentFiles(dir, stream) })).filter((s) => s.files.length > 0);
  return {
    algorithm: 'sha256',
    files: bundleFiles(dir).map((path) => {
      const data = readFileSync(join(dir, path));
      return { path, sha256: sha256(data), bytes: data.length };
    }),
    ...(segments.length ? { segments } : {}),
  };
}
