import type { Certificate } from '../lib/certification/certificates';
import type { CertificateView } from '../lib/certification/pdf';
import { getEnv } from './env';

/** The public verification URL printed in the QR code: the configured public origin, else this request's. */
export function verifyUrl(c: Pick<Certificate, 'code'>, requestOrigin: string): string {
  return `${getEnv().TONGHU_PUBLIC_ORIGIN ?? requestOrigin}/verify/${c.code}`;
}

export function certificateView(c: Certificate, requestOrigin: string): CertificateView {
  return {
    serial: c.serial,
    holderName: c.holderName,
    title: c.title,
    kind: c.kind,
    hours: c.hours,
    issuedOn: c.issuedOn,
    expiresOn: c.expiresOn,
    issuer: c.issuer,
    verifyUrl: verifyUrl(c, requestOrigin),
    token: c.token,
  };
}
