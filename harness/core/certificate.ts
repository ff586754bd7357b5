/**
 * The certificate document (`certificate.json`). Types only: built and signed by
 * harness/certify, checked by `poshil verify`, rendered by the reporters.
 */
import type { DeviceIdentity, Measurement, RunSummary } from './record.js';

export const CERTIFICATE_SCHEMA = 'poshil-certificate/1';

export type CaseVerdict = 'PASS' | 'FAIL' | 'WAIVED' | 'NOT REQUIRED';

export interface Waiver {
  /** `suite/case` */
  case: string;
  reason: string;
  approver: string;
  /** YYYY-MM-DD; the waiver applies through that day. */
  expires: string;
}

export interface WaiverUse extends Waiver {
  applied: boolean;
  note: string;
}

export interface CertificateCase {
  suite: string;
  id: string;
  title?: string;
  mandatory: boolean;
  outcome: string;
  verdict: CaseVerdict;
  reason?: string;
  /** Every attempt, so a pass after retries shows its earlier failures. */
  attempts: { attempt: number; outcome: string; reason?: string }[];
  measurements: Measurement[];
  /** Where the evidence is: JSON pointers into record.json and transcript ranges. */
  evidence: string[];
}

export interface CertificateBody {
  schema: typeof CERTIFICATE_SCHEMA;
  certificateId: string;
  issuedAt: string;
  tool: { name: 'poshil'; version: string };
  lab: { name?: string; tester?: string };
  /** The lab job the run was (poshil lab worker): job id, attempt, device lease and the worker host. */
  job?: { id: string; attempt: number; lease: string; worker: string; host: string };
  device: { profile: string; name: string; protocol: string; address: string; identity?: DeviceIdentity; identityAtStart?: DeviceIdentity };
  plan: { id: string; version: string; title?: string; file: string; sha256: string };
  run: { runId: string; startedAt: string; finishedAt?: string; status: string; summary: RunSummary };
  verdict: 'CERTIFIED' | 'NOT CERTIFIED';
  reasons: string[];
  cases: CertificateCase[];
  waivers: WaiverUse[];
  evidence: { manifest: string; manifestSha256: string };
}

export interface Certificate extends CertificateBody {
  signature: { algorithm: 'Ed25519'; keyId: string; publicKey: string; value: string };
}
