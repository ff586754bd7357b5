/**
 * The evidence manifest: the SHA-256 of every file in a run directory, so that a certificate
 * signed over the manifest's hash covers every byte of evidence; and, for the evidence written in
 * segments (the transcript, the receipts: segments.ts), each chain's segments in order, so that
 * `verify` can follow the chain and name the segment where it breaks.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { InputError } from '../core/errors.js';
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

/**
 * What a walk of a bundle finds. A signed bundle must hold its evidence itself, so the walk
 * follows no symbolic link: a link (to a file or a folder, inside the bundle or out of it) is a
 * stray, as is anything that is neither a file nor a folder (a FIFO would stop a reader dead).
 * Strays are named, never read.
 */
export interface BundleContents {
  /** Regular files the manifest covers, relative, with forward slashes, sorted. */
  files: string[];
  /** Entries a bundle must not hold: `link` is a symbolic link's target, `what` says what it is. */
  strays: Stray[];
}

export interface Stray {
  path: string;
  what: string;
  link?: string;
}

export function bundleContents(dir: string): BundleContents {
  const files: string[] = [];
  const strays: Stray[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const rel = relative(dir, path).split(sep).join('/');
      const stats = lstatSync(path);
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile()) files.push(rel);
      else strays.push({ path: rel, ...strayKind(path, stats) });
    }
  };
  walk(dir);
  return { files: files.filter((path) => !UNCOVERED.has(path) && !path.endsWith('.tmp')), strays };
}

function strayKind(path: string, stats: Stats): Omit<Stray, 'path'> {
  if (stats.isSymbolicLink()) {
    const link = readlinkSync(path);
    return { what: `a symbolic link (to ${link})`, link };
  }
  return { what: stats.isFIFO() ? 'a FIFO, not a file' : stats.isSocket() ? 'a socket, not a file' : 'a device, not a file' };
}

/**
 * The manifest of a run folder about to be signed. A folder holding a stray is refused rather
 * than signed: hashing through a link would sign bytes outside the bundle, and leaving the link
 * out would sign a bundle that `verify` refuses. poshil itself writes no link into a run folder.
 */
export function buildManifest(dir: string): Manifest {
  const { files, strays } = bundleContents(dir);
  if (strays.length > 0) {
    const [first, ...more] = strays.map((s) => `${s.path} is ${s.what}`);
    throw new InputError('E_BUNDLE_STRAY', `cannot sign the run folder: ${first!}`, {
      file: dir,
      also: more,
      hint: 'a signed bundle holds its evidence itself and poshil writes no links into it: find what put it there, and run certify again',
    });
  }
  const segments = SEGMENTED_STREAMS.map((stream) => ({ stream, files: segmentFiles(dir, stream) })).filter((s) => s.files.length > 0);
  return {
    algorithm: 'sha256',
    files: files.map((path) => {
      const data = readFileSync(join(dir, path));
      return { path, sha256: sha256(data), bytes: data.length };
    }),
    ...(segments.length ? { segments } : {}),
  };
}
