/**
 * A lab job that ran a plan is judged by it, as `poshil run --plan` and `poshil certify` judge:
 * `verdict.json` in the device's folder names the plan, the verdict and its reasons, the device's
 * identity and the lab job (id, attempt, lease, worker host). With a signing key the worker also
 * issues the signed certificate and evidence bundle, whose `job` block names the same.
 */
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decide, planVerdict } from '../../certify/verdict.js';
import { issueCertificate } from '../../certify/issue.js';
import type { Plan } from '../../config/plan.js';
import type { PlanVerdict, RunRecord } from '../../core/record.js';
import { readRecordLines } from '../../evidence/record-json.js';
import { renderCertificateHtml } from '../../reporters/html-certificate.js';

export interface Signing {
  privateKey: KeyObject;
  labName?: string;
  tester: string;
}

/** Judges the run in `deviceDir` by the plan; returns whether the plan was met, undefined without a record. */
export function judgePlanRun(deviceDir: string, plan: Plan, signing?: Signing): { met: boolean; reasons: string[] } | undefined {
  const record = readRecordLines(join(deviceDir, 'record.json'));
  if (!record) return undefined;
  const verdict = decide(record, plan);
  writeFileSync(
    join(deviceDir, 'verdict.json'),
    JSON.stringify({ plan: { id: plan.id, version: plan.version, file: plan.file, sha256: plan.sha256 }, verdict: verdict.verdict, reasons: verdict.reasons, device: record.device.identity ?? null, job: record.lab ?? null }, null, 2) + '\n',
  );
  if (signing) issueCertificate({ runDir: deviceDir, record, plan, lab: { ...(signing.labName ? { name: signing.labName } : {}), tester: signing.tester }, privateKey: signing.privateKey, renderHtml: renderCertificateHtml });
  return { met: verdict.verdict === 'CERTIFIED', reasons: verdict.reasons };
}

/** The verdict kept in the run's own record, so that its JUnit and HTML report carry it. */
export function planJudge(plan: Plan): (record: RunRecord) => PlanVerdict {
  return (record) => planVerdict(record, plan);
}
