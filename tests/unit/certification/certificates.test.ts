import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { course, curriculum } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug, getCurriculumBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { createLearningAssignment } from '../../../src/lib/learning/enrol';
import { completeLesson } from '../../../src/lib/learning/progress';
import {
  listCertificatesForUser,
  getCertificateByCode,
  revokeCertificate,
  stateOf,
  needsUpdate,
  certificatesNeedingAttention,
  formatSerial,
  issuerFor,
} from '../../../src/lib/certification/certificates';
import { verifyToken } from '../../../src/lib/certification/signing';
import { getSigningKey } from '../../../src/lib/certification/signer';
import { certificates } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const NOW = Date.UTC(2026, 5, 1, 2);
const DAY = 86_400_000;
let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;

function content(version = '1.0.0') {
  return {
    courses: [course('alpha', 2, { version, changelog: [{ version, date: '2026-01-01', note: '版本' }] }), course('solo', 1, { certifying: true })],
    curricula: [curriculum('yearly', ['alpha'], { validityMonths: 12 })],
  };
}

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncContent(db, content(), NOW - DAY);
});
afterEach(() => t.cleanup());

function finish(userId: number, slug: string, at: number) {
  for (const l of listLessons(db, getCourseBySlug(db, slug)!.id)) completeLesson(db, userId, l.id, at);
}

describe('certificates', () => {
  it('are issued automatically when a curriculum is completed, with a unique serial and a signed payload', () => {
    const tr = w.person('trainer', w.zhushan);
    const d1 = w.person('director', w.cgVillage, '李春燕');
    const d2 = w.person('director', w.bfVillage, '王小红');
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { curriculumId: getCurriculumBySlug(db, 'yearly')!.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW);
    finish(d1, 'alpha', NOW);
    finish(d2, 'alpha', NOW + 1000);
    const [c1] = listCertificatesForUser(db, d1);
    const [c2] = listCertificatesForUser(db, d2);
    expect(c1).toMatchObject({ kind: 'curriculum', title: '方案yearly', serial: '鄂童护〔2026〕000001号', issuedOn: '2026-06-01', expiresOn: '2027-05-31', issuer: '竹山县民政局', holderMasked: '李**', status: 'valid' });
    expect(c2!.serial).toBe('鄂童护〔2026〕000002号');
    const v = verifyToken(getSigningKey().publicKeyB64, c1!.token);
    expect(v).toMatchObject({ ok: true, payload: { s: c1!.serial, n: '李**', c: '方案yearly', i: '2026-06-01', e: '2027-05-31' } });
    expect(getCertificateByCode(db, c1!.code)?.id).toBe(c1!.id);
    expect(getCertificateByCode(db, 'aaaaaaaaaaaaaaaa')).toBeNull();
    expect(getCertificateByCode(db, "' or 1=1 --")).toBeNull();
    // completing again issues nothing new
    finish(d1, 'alpha', NOW + 2000);
    expect(listCertificatesForUser(db, d1)).toHaveLength(1);
  });

  it('a certifying course earns its own certificate', () => {
    const d = w.person('director', w.cgVillage);
    finish(d, 'solo', NOW);
    expect(listCertificatesForUser(db, d).map((c) => [c.kind, c.title])).toEqual([['course', '课程solo']]);
  });

  it('expires, is flagged for an update on a new major course version, and revocation is scoped and audited', () => {
    const tr = w.person('trainer', w.zhushan);
    const d = w.person('director', w.cgVillage);
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { curriculumId: getCurriculumBySlug(db, 'yearly')!.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW);
    finish(d, 'alpha', NOW);
    const [c] = listCertificatesForUser(db, d);
    expect(stateOf(c!, '2027-05-31')).toBe('valid');
    expect(stateOf(c!, '2027-06-01')).toBe('expired');
    expect(certificatesNeedingAttention(db, w.zhushan.path, '2027-05-10').expiring).toHaveLength(1);
    expect(needsUpdate(db, c!)).toBe(false);
    syncContent(db, content('2.0.0'), NOW + DAY); // a law amendment: new major version
    expect(needsUpdate(db, c!)).toBe(true);
    expect(certificatesNeedingAttention(db, w.zhushan.path, '2026-07-01').owingUpdate).toHaveLength(1);
    // a county official of another county cannot revoke it; the reason is required
    expect(() => revokeCertificate(db, { userId: tr, scopePath: w.jiangling.path }, c!.id, '信息有误需要撤销')).toThrow();
    expect(() => revokeCertificate(db, { userId: tr, scopePath: w.zhushan.path }, c!.id, '短')).toThrow(/v.reason/);
    revokeCertificate(db, { userId: tr, scopePath: w.zhushan.path }, c!.id, '培训记录有误，撤销重发', NOW + 2 * DAY);
    const after = db.select().from(certificates).where(eq(certificates.id, c!.id)).get()!;
    expect(after).toMatchObject({ status: 'revoked', revokeReason: '培训记录有误，撤销重发' });
    expect(stateOf(after, '2026-07-01')).toBe('revoked');
  });

  it('serials and issuers', () => {
    expect(formatSerial('鄂童护', 2026, 123)).toBe('鄂童护〔2026〕000123号');
    expect(issuerFor(db, w.cgVillage.path)).toBe('竹山县民政局');
    expect(issuerFor(db, w.shiyan.path)).toBe('十堰市民政局');
    expect(issuerFor(db, w.province.path)).toBe('湖北省民政厅');
  });
});

describe('renewal through the shorter refresher path', () => {
  it('an expiring or updated certificate is renewed by passing the course quiz again, without rereading', async () => {
    const { testBank } = await import('../../factories/content');
    const { startQuizAttempt, submitAttempt, getQuizStatus } = await import('../../../src/lib/assessment/attempts');
    const { keyForDisplay } = await import('../../../src/lib/assessment/grading');
    const { attemptItems, questions } = await import('../../../db/schema/index');
    const withQuiz = (version: string) => ({
      courses: [{ ...course('alpha', 2, { version, changelog: [{ version, date: '2026-01-01', note: '版本' }] }), bank: testBank('alpha', { maxAttempts: 1 }) }],
      curricula: [curriculum('yearly', ['alpha'], { validityMonths: 12 })],
    });
    syncContent(db, withQuiz('1.0.0'), NOW);
    const alpha = getCourseBySlug(db, 'alpha')!.id;
    const pass = (userId: number, at: number) => {
      const a = startQuizAttempt(db, userId, alpha, at);
      const rows = db.select({ it: attemptItems, q: questions }).from(attemptItems).innerJoin(questions, eq(questions.id, attemptItems.questionId)).where(eq(attemptItems.attemptId, a)).all();
      return submitAttempt(db, userId, a, Object.fromEntries(rows.map(({ it, q }) => [it.ord, q.type === 'fill' ? (q.answer as string[])[0] : keyForDisplay(q.type, q.answer, it.optionOrder)])), at + 1000);
    };
    const tr = w.person('trainer', w.zhushan);
    const d = w.person('director', w.cgVillage);
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { curriculumId: getCurriculumBySlug(db, 'yearly')!.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW);
    finish(d, 'alpha', NOW);
    expect(pass(d, NOW).passed).toBe(true);
    const [first] = listCertificatesForUser(db, d);
    expect(first!.expiresOn).toBe('2027-05-31');
    // not due yet: the quiz is done and closed (one attempt allowed)
    expect(() => startQuizAttempt(db, d, alpha, NOW + 100 * DAY)).toThrow(/v.quizAlreadyPassed/);
    // 20 days before expiry the refresher opens: pass the quiz again → a new certificate supersedes the old
    const later = Date.UTC(2027, 4, 11, 2);
    expect(getQuizStatus(db, d, alpha, later, first!.issuedAt)!.attemptsLeft).toBe(1);
    expect(pass(d, later).passed).toBe(true);
    const certs = listCertificatesForUser(db, d);
    expect(certs.map((c) => [c.status, c.expiresOn])).toEqual([
      ['valid', '2028-05-10'],
      ['superseded', '2027-05-31'],
    ]);
    expect(certs[0]!.supersedesId).toBe(first!.id);
    // a law amendment (new major version) asks for the update, and passing it renews again
    syncContent(db, withQuiz('2.0.0'), later + DAY);
    const owing = listCertificatesForUser(db, d)[0]!;
    expect(needsUpdate(db, owing)).toBe(true);
    expect(pass(d, later + 2 * DAY).passed).toBe(true);
    const renewed = listCertificatesForUser(db, d)[0]!;
    expect(renewed.supersedesId).toBe(owing.id);
    expect(renewed.basedOn).toEqual([{ courseId: alpha, version: '2.0.0' }]);
    expect(needsUpdate(db, renewed)).toBe(false);
  });
});

describe('corrections', () => {
  it('a corrected certificate is a new one that supersedes the old, keeping its validity; the old is not edited', async () => {
    const { reissueCertificate } = await import('../../../src/lib/certification/certificates');
    const { users } = await import('../../../db/schema/index');
    const tr = w.person('trainer', w.zhushan);
    const d = w.person('director', w.cgVillage, '李春雁');
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { curriculumId: getCurriculumBySlug(db, 'yearly')!.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW);
    finish(d, 'alpha', NOW);
    const [old] = listCertificatesForUser(db, d);
    db.update(users).set({ name: '李春燕' }).where(eq(users.id, d)).run();
    expect(() => reissueCertificate(db, { userId: tr, scopePath: w.jiangling.path }, old!.id, '姓名有误，更正')).toThrow();
    const fresh = reissueCertificate(db, { userId: tr, scopePath: w.zhushan.path }, old!.id, '姓名有误，更正', NOW + DAY);
    expect(fresh).toMatchObject({ holderName: '李春燕', supersedesId: old!.id, expiresOn: old!.expiresOn, status: 'valid' });
    expect(fresh.serial).not.toBe(old!.serial);
    const before = db.select().from(certificates).where(eq(certificates.id, old!.id)).get()!;
    expect(before).toMatchObject({ status: 'superseded', holderName: '李春雁', serial: old!.serial, token: old!.token });
    expect(verifyToken(getSigningKey().publicKeyB64, fresh.token)).toMatchObject({ ok: true, payload: { e: old!.expiresOn } });
  });
});
