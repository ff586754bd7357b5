/**
 * `poshil verify DIR`: checks the certificate's signature, the manifest's hash, the hash of
 * every file the manifest lists, and each chain of segments (transcript, receipts) link by link,
 * and names each file that changed, went missing, appeared, or breaks its chain, and each
 * symbolic link: a bundle must hold its evidence itself, so no link is followed out of it.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { bundleContents, CERTIFICATE_FILE, sha256, type Manifest } from '../evidence/manifest.js';
import { checkChain, segmentFacts, type SegmentFacts } from '../evidence/segments.js';
import { keyId, loadPublicKey, verifyDocument } from '../evidence/signing.js';
import type { Certificate } from '../core/certificate.js';

export interface VerifyResult {
  ok: boolean;
  problems: string[];
  verdict?: string;
  keyId?: string;
  /** True when the caller gave the key to trust; otherwise the embedded key was used. */
  trustedKey: boolean;
  checkedFiles: number;
}

export function verifyBundle(dir: string, trustedPublicKeyPath?: string): VerifyResult {
  const certPath = join(dir, CERTIFICATE_FILE);
  if (!isEntry(certPath)) throw new InputError('E_NO_CERTIFICATE', `${dir} holds no ${CERTIFICATE_FILE}`, { file: dir, hint: 'give the run directory that `poshil certify` wrote' });
  // The folder given may itself be a link (OUT/latest); nothing inside it may be.
  const { files: present, strays } = bundleContents(dir);
  const problems = strays.map((s) => `${s.path}: ${s.what}; ${s.link === undefined ? 'a signed bundle holds only files and folders' : 'verify follows no link: a signed bundle holds its evidence itself'}`);
  const strayPaths = strays.map((s) => s.path);
  const behindStray = (path: string) => strayPaths.some((s) => path === s || path.startsWith(`${s}/`));
  if (behindStray(CERTIFICATE_FILE)) return { ok: false, problems, trustedKey: false, checkedFiles: 0 };
  let certificate: Certificate;
  const text = readFileSync(certPath, 'utf8');
  try {
    certificate = JSON.parse(text) as Certificate;
  } catch {
    return { ok: false, problems: [...problems, `${CERTIFICATE_FILE}: not valid JSON (changed or damaged)`], trustedKey: false, checkedFiles: 0 };
  }
  // The signature covers the content, not the bytes: a byte that changes neither (a base64 pad,
  // white space) must still not pass, so the file must be exactly as certify wrote it.
  if (JSON.stringify(certificate, null, 2) + '\n' !== text) problems.push(`${CERTIFICATE_FILE}: changed (not byte for byte as certify wrote it)`);
  const shapeProblem = certificateShapeProblem(certificate);
  if (shapeProblem) return { ok: false, problems: [...problems, `${CERTIFICATE_FILE}: ${shapeProblem} (changed or damaged)`], trustedKey: false, checkedFiles: 0 };
  const { signature, ...body } = certificate;
  let embedded: ReturnType<typeof loadPublicKey>;
  try {
    embedded = loadPublicKey(signature.publicKey, false);
  } catch {
    return { ok: false, problems: [...problems, `${CERTIFICATE_FILE}: the embedded public key is not an Ed25519 key (changed or damaged)`], trustedKey: false, checkedFiles: 0 };
  }
  const key = trustedPublicKeyPath ? loadPublicKey(trustedPublicKeyPath) : embedded;
  // Every byte of the signature block counts, though the signature checks only the body.
  if (signature.algorithm !== 'Ed25519' || keyId(embedded) !== signature.keyId || embedded.export({ type: 'spki', format: 'pem' }).toString() !== signature.publicKey || Buffer.from(signature.value, 'base64').toString('base64') !== signature.value) {
    problems.push(`${CERTIFICATE_FILE}: the signature block was changed (algorithm, key id, key or signature not as signed)`);
  } else if (trustedPublicKeyPath && keyId(key) !== signature.keyId) problems.push(`${CERTIFICATE_FILE}: signed with key ${signature.keyId}, not with the key given (${keyId(key)})`);
  else if (!verifyDocument(body, signature.value, key)) problems.push(`${CERTIFICATE_FILE}: the signature does not match its content (the certificate was changed)`);

  const manifestPath = join(dir, body.evidence.manifest);
  let manifest: Manifest | undefined;
  // A stray is named above and never read: through a link, the bytes would come from outside the bundle.
  const manifestStray = behindStray(body.evidence.manifest);
  if (!manifestStray && !existsSync(manifestPath)) problems.push(`${body.evidence.manifest}: missing`);
  else if (!manifestStray) {
    const text = readFileSync(manifestPath);
    if (sha256(text) !== body.evidence.manifestSha256) problems.push(`${body.evidence.manifest}: changed (its hash differs from the one the certificate signs)`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.toString('utf8'));
    } catch {
      problems.push(`${body.evidence.manifest}: not valid JSON`);
    }
    if (parsed !== undefined) {
      const problem = manifestShapeProblem(parsed);
      if (problem) problems.push(`${body.evidence.manifest}: ${problem}`);
      else manifest = parsed as Manifest;
    }
  }
  let checked = 0;
  if (manifest) {
    const listed = new Set(manifest.files.map((f) => f.path));
    // Each file is read once: a segment's facts (header, lines) come from the same bytes as its hash.
    const inChain = new Set((manifest.segments ?? []).flatMap((s) => s.files));
    const facts = new Map<string, SegmentFacts>();
    for (const file of manifest.files) {
      if (behindStray(file.path)) continue;
      const path = join(dir, file.path);
      if (!existsSync(path)) {
        problems.push(`${file.path}: missing`);
        continue;
      }
      checked++;
      const data = readFileSync(path);
      if (sha256(data) !== file.sha256) problems.push(`${file.path}: changed (SHA-256 differs from the manifest)`);
      if (inChain.has(file.path)) facts.set(file.path, segmentFacts(data));
    }
    for (const path of present) if (!listed.has(path)) problems.push(`${path}: not in the manifest (added after signing)`);
    for (const chain of manifest.segments ?? []) {
      // A missing file is reported above; the chain names only the links it breaks.
      for (const problem of checkChain(chain.stream, chain.files, (f) => facts.get(f), body.run.runId)) if (!problem.includes(': missing, so')) problems.push(problem);
    }
  }
  return { ok: problems.length === 0, problems, verdict: body.verdict, keyId: signature.keyId, trustedKey: Boolean(trustedPublicKeyPath), checkedFiles: checked };
}

/** Whether anything is at the path, a link that leads nowhere included (named as a stray, not as missing). */
function isEntry(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SHA256 = /^[0-9a-f]{64}$/;
/** A file name inside the bundle: relative, forward slashes, no `..`, nothing absolute. */
const BUNDLE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^\\\0]+$/;

/** What is wrong with the certificate's shape, before any of it is trusted as a path or a key. */
function certificateShapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a certificate object';
  const { signature, evidence } = value;
  if (!isObject(signature) || typeof signature['value'] !== 'string' || typeof signature['publicKey'] !== 'string' || typeof signature['keyId'] !== 'string') return 'no signature';
  if (!isObject(evidence) || typeof evidence['manifest'] !== 'string' || !BUNDLE_PATH.test(evidence['manifest']) || typeof evidence['manifestSha256'] !== 'string') return 'no evidence manifest named';
  if (!isObject(value['run']) || typeof value['run']['runId'] !== 'string') return 'no run named';
  return undefined;
}

function manifestShapeProblem(value: unknown): string | undefined {
  if (!isObject(value) || !Array.isArray(value['files'])) return 'not a manifest (no list of files)';
  const seen = new Set<string>();
  for (const [i, file] of value['files'].entries()) {
    if (!isObject(file) || typeof file['path'] !== 'string' || typeof file['sha256'] !== 'string') return `entry ${i} is not {path, sha256}`;
    if (!BUNDLE_PATH.test(file['path'])) return `entry ${i} names ${JSON.stringify(file['path'])}, which is not a file inside the bundle`;
    if (!SHA256.test(file['sha256'])) return `entry ${i} (${file['path']}) has no SHA-256`;
    if (seen.has(file['path'])) return `${file['path']} is listed twice`;
    seen.add(file['path']);
  }
  const segments = value['segments'];
  if (segments === undefined) return undefined;
  if (!Array.isArray(segments)) return 'segments is not a list';
  for (const [i, chain] of segments.entries()) {
    if (!isObject(chain) || typeof chain['stream'] !== 'string' || !Array.isArray(chain['files'])) return `segments entry ${i} is not {stream, files}`;
    for (const file of chain['files']) {
      if (typeof file !== 'string' || !seen.has(file)) return `segments entry ${i} (${String(chain['stream'])}) names ${JSON.stringify(file)}, which the manifest does not list`;
    }
  }
  return undefined;
}
