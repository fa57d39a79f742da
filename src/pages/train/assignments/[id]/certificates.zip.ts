import type { APIRoute } from 'astro';
import { and, eq, inArray } from 'drizzle-orm';
import { getDb } from '../../../../server/db';
import { parseIdParam } from '../../../../server/forms';
import { certificateView } from '../../../../server/certificates';
import { requestOrigin } from '../../../../server/request';
import { getAssignmentDetail } from '../../../../lib/learning/progress';
import { renderCertificatePdf } from '../../../../lib/certification/pdf';
import { zipStore } from '../../../../lib/zip';
import { writeAudit } from '../../../../lib/audit/audit';
import { certificates, enrollments } from '../../../../../db/schema/index';
import { withinSql } from '../../../../lib/org/scope';

/** All valid certificates of a cohort's curriculum, for the learners inside the trainer's jurisdiction, as one zip. */
export const GET: APIRoute = async ({ params, locals, request, url }) => {
  const a = locals.session!.active!;
  const db = getDb();
  const id = parseIdParam(params.id);
  const detail = id ? getAssignmentDetail(db, a, id, { pageSize: 1 }) : null;
  if (!detail || !detail.summary.assignment.curriculumId) return new Response('Not found', { status: 404 });
  const userIds = db
    .select({ userId: enrollments.userId })
    .from(enrollments)
    .where(and(eq(enrollments.assignmentId, detail.summary.assignment.id), withinSql(enrollments.regionPath, detail.focus.path)))
    .all()
    .map((r) => r.userId);
  const certs = userIds.length
    ? db
        .select()
        .from(certificates)
        .where(and(eq(certificates.curriculumId, detail.summary.assignment.curriculumId), eq(certificates.status, 'valid'), inArray(certificates.userId, userIds)))
        .limit(2000)
        .all()
    : [];
  const origin = requestOrigin(request, url);
  const entries = [];
  for (const c of certs) entries.push({ name: `${c.holderName}-${c.year}-${String(c.seq).padStart(6, '0')}.pdf`, data: await renderCertificatePdf(certificateView(c, origin)) });
  writeAudit(db, { actorUserId: locals.session!.user.id, action: 'certificate.export', entityType: 'learning_assignment', entityId: detail.summary.assignment.id, regionPath: detail.focus.path, after: { certificates: certs.length } });
  return new Response(new Uint8Array(zipStore(entries)), {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="certificates-${detail.summary.assignment.id}.zip"`,
      'Cache-Control': 'private, no-store',
    },
  });
};
