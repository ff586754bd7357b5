/**
 * Writes the signed evidence bundle into a finished run directory, in an order that lets every
 * file be covered: the printable certificate first, then the manifest over every file, then the
 * signed certificate.json over the manifest's hash.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Certificate, CertificateBody } from '../core/certificate.js';
import type { RunRecord } from '../core/record.js';
import type { Plan } from '../config/plan.js';
import { buildManifest, CERTIFICATE_FILE, MANIFEST_FILE, sha256 } from '../evidence/manifest.js';
import { keyId } from '../evidence/signing.js';
import { transcriptFileOf } from '../evidence/transcript-reader.js';
import { createPublicKey } from 'node:crypto';
import { buildCertificateBody, signCertificate } from './certificate.js';
import { decide } from './verdict.js';

export interface IssueRequest {
  runDir: string;
  record: RunRecord;
  plan: Plan;
  lab: CertificateBody['lab'];
  privateKey: KeyObject;
  /** Renders the printable certificate (the reporters' job). */
  renderHtml(certificate: CertificateBody, signer: { keyId: string }): string;
}

export function issueCertificate(request: IssueRequest): Certificate {
  const { runDir, record, plan } = request;
  const verdict = decide(record, plan);
  const planRef = { id: plan.id, version: plan.version, ...(plan.title ? { title: plan.title } : {}), file: plan.file, sha256: plan.sha256 };
  const draft = buildCertificateBody({ record, verdict, plan: planRef, lab: request.lab, transcriptFileOf: transcriptFileOf(runDir) }, { file: MANIFEST_FILE, sha256: '' });
  const signer = { keyId: keyId(createPublicKey(request.privateKey)) };
  writeFileSync(join(runDir, 'certificate.html'), request.renderHtml(draft, signer));
  const manifestText = JSON.stringify(buildManifest(runDir), null, 2) + '\n';
  writeFileSync(join(runDir, MANIFEST_FILE), manifestText);
  const body: CertificateBody = { ...draft, evidence: { manifest: MANIFEST_FILE, manifestSha256: sha256(manifestText) } };
  const certificate = signCertificate(body, request.privateKey);
  writeFileSync(join(runDir, CERTIFICATE_FILE), JSON.stringify(certificate, null, 2) + '\n');
  return certificate;
}
