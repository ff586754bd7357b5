/**
 * The certificate: what was certified (device, plan, run), the verdict with its reasons, each
 * case with its attempts and evidence references, the waivers — signed with the lab's Ed25519
 * key over its canonical JSON, which includes the hash of the evidence manifest.
 */
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { CERTIFICATE_SCHEMA, type Certificate, type CertificateBody, type CertificateCase } from '../core/certificate.js';
import type { RunRecord } from '../core/record.js';
import { maskText, maskValue } from '../evidence/mask.js';
import { keyId, signDocument } from '../evidence/signing.js';
import type { Verdict } from './verdict.js';

export interface CertificateInput {
  record: RunRecord;
  verdict: Verdict;
  plan: CertificateBody['plan'];
  lab: CertificateBody['lab'];
  /** The transcript file that holds an entry (a segment, or transcript.ndjson of an older run). */
  transcriptFileOf?: (seq: number) => string;
}

export function buildCertificateBody(input: CertificateInput, manifest: { file: string; sha256: string }): CertificateBody {
  const { record, verdict } = input;
  const verdictOf = new Map(verdict.cases.map((c) => [`${c.suite}/${c.id}`, c.verdict]));
  const cases: CertificateCase[] = record.suites.flatMap((suite, si) =>
    suite.cases.map((c, ci) => {
      const last = c.attempts.at(-1);
      const failed = last?.steps.find((s) => s.outcome !== 'PASS' && s.outcome !== 'SKIPPED');
      const evidence = [`record.json#/suites/${si}/cases/${ci}`];
      const steps = last?.steps ?? [];
      const first = steps.find((s) => s.transcript)?.transcript;
      const lastRange = [...steps].reverse().find((s) => s.transcript)?.transcript;
      if (first && lastRange) evidence.push(`${input.transcriptFileOf?.(first.from) ?? 'transcript.ndjson'}#seq=${first.from}-${lastRange.to}`);
      if (failed) evidence.push(`record.json#/suites/${si}/cases/${ci}/attempts/${c.attempts.length - 1}/steps/${failed.index}`);
      return {
        suite: c.suite,
        id: c.id,
        ...(c.title ? { title: c.title } : {}),
        mandatory: c.mandatory,
        outcome: c.outcome,
        verdict: verdictOf.get(`${c.suite}/${c.id}`) ?? 'FAIL',
        ...(c.reason ? { reason: c.reason } : {}),
        attempts: c.attempts.map((a) => ({ attempt: a.attempt, outcome: a.outcome, ...(a.reason ? { reason: a.reason } : {}) })),
        measurements: steps.flatMap((s) => s.measurements ?? []),
        evidence,
      };
    }),
  );
  return {
    schema: CERTIFICATE_SCHEMA,
    certificateId: randomUUID(),
    issuedAt: new Date().toISOString(),
    tool: { name: 'poshil', version: record.tool.version },
    // Typed by a person (--lab, --tester, a plan's title, a waiver's reason): masked like the terminal's text.
    lab: maskValue(input.lab),
    ...(record.lab ? { job: { id: record.lab.jobId, attempt: record.lab.attempt, lease: record.lab.leaseId, worker: record.lab.worker, host: record.lab.host } } : {}),
    device: record.device,
    // Its title only: the plan's SHA-256 is hex the masker could read as BCD digits.
    plan: input.plan.title ? { ...input.plan, title: maskText(input.plan.title) } : input.plan,
    run: {
      runId: record.runId,
      startedAt: record.startedAt,
      ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
      status: record.status,
      summary: record.summary,
    },
    verdict: verdict.verdict,
    reasons: maskValue(verdict.reasons),
    cases,
    waivers: maskValue(verdict.waivers),
    evidence: { manifest: manifest.file, manifestSha256: manifest.sha256 },
  };
}

export function signCertificate(body: CertificateBody, privateKey: KeyObject): Certificate {
  const publicKey = createPublicKey(privateKey);
  return {
    ...body,
    signature: {
      algorithm: 'Ed25519',
      keyId: keyId(publicKey),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      value: signDocument(body, privateKey),
    },
  };
}
