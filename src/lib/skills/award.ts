import type { Db } from '../../../db/client';
import { issueCertificate, type Certificate } from '../certification/certificates';
import { writeAudit } from '../audit/audit';
import { dayOf } from '../time';
import { getSkillPath } from './path';

/** The printed title of a level certificate. */
export function levelCertificateTitle(levelName: string): string {
  return `孤残儿童护理员职业技能等级（${levelName}）`;
}

/**
 * Issues the certificate of every level whose parts are all met and which was never certified before,
 * lowest level first (a new 五级 can make 四级 due at once). Called inside the transaction of whatever
 * may have completed a level — a record by an assessor, an exam window being closed — so a level is
 * certified exactly once. Each award is audited with the policy version and the parts it rests on.
 */
export function awardSkillLevels(db: Db, userId: number, now: number): Certificate[] {
  return db.transaction((tx) => {
    const t = tx as unknown as Db;
    const issued: Certificate[] = [];
    for (let i = 0; i < 5; i++) {
      const path = getSkillPath(t, userId, dayOf(now));
      const due = path?.levels.find((l) => l.complete);
      if (!path || !due) break;
      const cert = issueCertificate(
        t,
        {
          userId,
          kind: 'skill-level',
          level: due.name,
          title: levelCertificateTitle(due.name),
          hours: due.hours.earned,
          // a level rests on assessments, not on a course version: a course update must not flag it
          basedOn: [],
          regionPath: path.caregiver.regionPath,
        },
        now,
      );
      writeAudit(t, {
        actorUserId: null,
        action: 'skills.award',
        entityType: 'certificate',
        entityId: cert.id,
        regionPath: path.caregiver.regionPath,
        after: {
          level: due.name,
          serial: cert.serial,
          policyVersion: path.policy.version,
          hours: due.hours,
          theory: due.theory.score,
          practical: due.practical.score,
          defence: due.defence.required ? due.defence.score : null,
        },
        at: now,
      });
      issued.push(cert);
    }
    return issued;
  });
}
