/** The printable certificate (certificate.html), rendered from the certificate document. */
import type { CertificateBody } from '../core/certificate.js';
import { render } from './html-render.js';

export function renderCertificateHtml(cert: CertificateBody, signer: { keyId: string }): string {
  const cls = (v: string) => v.replace(/ /g, '-');
  return render('certificate', {
    cert: { ...cert, cases: cert.cases.map((c) => ({ ...c, verdictClass: cls(c.verdict) })) },
    verdictClass: cls(cert.verdict),
    signer,
  });
}
