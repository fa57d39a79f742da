import type { APIRoute } from 'astro';
import { getDb } from '../../../server/db';
import { certificateView } from '../../../server/certificates';
import { requestOrigin } from '../../../server/request';
import { getOwnCertificate } from '../../../lib/certification/certificates';
import { renderCertificatePdf } from '../../../lib/certification/pdf';

/** /learn/certificates/<id>.pdf — the holder downloads their own certificate. */
export const GET: APIRoute = async ({ params, locals, request, url }) => {
  const m = /^(\d{1,12})\.pdf$/.exec(params.file ?? '');
  const c = m ? getOwnCertificate(getDb(), locals.session!.user.id, Number(m[1])) : null;
  if (!c) return new Response('Not found', { status: 404 });
  const pdf = await renderCertificatePdf(certificateView(c, requestOrigin(request, url)));
  return new Response(new Uint8Array(pdf), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="certificate-${c.year}-${c.seq}.pdf"; filename*=UTF-8''${encodeURIComponent(`${c.title}-${c.serial}.pdf`)}`,
      'Cache-Control': 'private, no-store',
    },
  });
};
