/**
 * `poshil verify DIR`: checks the certificate's signature, the manifest's hash, and the hash of
 * every file the manifest lists, and names each file that changed, went missing or appeared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { bundleFiles, CERTIFICATE_FILE, sha256, type Manifest } from '../evidence/manifest.js';
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
  if (!existsSync(certPath)) throw new InputError('E_NO_CERTIFICATE', `${dir} holds no ${CERTIFICATE_FILE}`, { file: dir, hint: 'give the run directory that `poshil certify` wrote' });
  const problems: string[] = [];
  let certificate: Certificate;
  try {
    certificate = JSON.parse(readFileSync(certPath, 'utf8')) as Certificate;
  } catch {
    return { ok: false, problems: [`${CERTIFICATE_FILE}: not valid JSON (changed or damaged)`], trustedKey: false, checkedFiles: 0 };
  }
  const { signature, ...body } = certificate;
  if (!signature?.value || !signature.publicKey) {
    return { ok: false, problems: [`${CERTIFICATE_FILE}: no signature`], trustedKey: false, checkedFiles: 0 };
  }
  const key = trustedPublicKeyPath ? loadPublicKey(trustedPublicKeyPath) : loadPublicKey(signature.publicKey, false);
  if (trustedPublicKeyPath && keyId(key) !== signature.keyId) problems.push(`${CERTIFICATE_FILE}: signed with key ${signature.keyId}, not with the key given (${keyId(key)})`);
  else if (!verifyDocument(body, signature.value, key)) problems.push(`${CERTIFICATE_FILE}: the signature does not match its content (the certificate was changed)`);

  const manifestPath = join(dir, body.evidence.manifest);
  let manifest: Manifest | undefined;
  if (!existsSync(manifestPath)) problems.push(`${body.evidence.manifest}: missing`);
  else {
    const text = readFileSync(manifestPath);
    if (sha256(text) !== body.evidence.manifestSha256) problems.push(`${body.evidence.manifest}: changed (its hash differs from the one the certificate signs)`);
    try {
      manifest = JSON.parse(text.toString('utf8')) as Manifest;
    } catch {
      problems.push(`${body.evidence.manifest}: not valid JSON`);
    }
  }
  let checked = 0;
  if (manifest) {
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const file of manifest.files) {
      const path = join(dir, file.path);
      if (!existsSync(path)) {
        problems.push(`${file.path}: missing`);
        continue;
      }
      checked++;
      if (sha256(readFileSync(path)) !== file.sha256) problems.push(`${file.path}: changed (SHA-256 differs from the manifest)`);
    }
    for (const path of bundleFiles(dir)) if (!listed.has(path)) problems.push(`${path}: not in the manifest (added after signing)`);
  }
  return { ok: problems.length === 0, problems, verdict: body.verdict, keyId: signature.keyId, trustedKey: Boolean(trustedPublicKeyPath), checkedFiles: checked };
}
