/**
 * Scale seed: a synthetic national (or provincial) population with a year of field work, for benchmarks.
 *
 * Everything is synthetic: region names like 省01 / 市0101 / 县010101 / 镇010101001 / 村010101001001 are
 * flagged is_demo_name = 1 with code NULL; people are 主任… / 督导… / 干部… with phones 16xxxxxxxxx that
 * cannot collide with the demo's 13x numbers. Rows are written with raw better-sqlite3 prepared
 * statements, one transaction per county, in an order that keeps every index append-mostly (director by
 * director, case by case), so the schema's indexes are kept during the load. Deterministic for a seed.
 *
 * Only for a fresh database: refuses when regions already exist.
 */
import type { Db } from '../client';
import { createRng } from './rng';
import { addDays, dayOf } from '../../src/lib/time';
import { hashPassword } from '../../src/lib/auth/password';
import { nextDueAfter } from '../../src/lib/fieldwork/schedule';
import { loadPolicyDefaults } from '../../src/lib/policy/defaults';
import { visitNormsSchema, intervalFor, VISIT_NORMS_KIND, type VisitNorms } from '../../src/lib/fieldwork/rules';
import type { CaseCategory, GuardianSituation, RiskLevel } from '../schema/fieldwork';
import { rebuildRollups } from '../../src/lib/dashboard/rollups';

export type ScaleName = 'national' | 'province' | 'tiny';
export const SCALES: readonly ScaleName[] = ['national', 'province', 'tiny'];

interface Shape {
  provinces: number;
  /** cities per province: [min, max] or a fixed list for the province scale */
  cities: (rng: Rng, p: number) => number;
  counties: (rng: Rng, city: number) => number;
  townships: (rng: Rng) => number;
  villages: (rng: Rng) => number;
}

type Rng = ReturnType<typeof createRng>;
const between = (rng: Rng, lo: number, hi: number) => lo + rng.int(hi - lo + 1);

const SHAPES: Record<ScaleName, Shape> = {
  // ≈ 31 provinces, ~340 cities, ~2,800 counties, ~40,000 townships, ~670,000 villages
  national: {
    provinces: 31,
    cities: (rng) => between(rng, 8, 14),
    counties: (rng) => 6 + rng.int(5) + (rng.next() < 0.25 ? 1 : 0),
    townships: (rng) => between(rng, 11, 17),
    villages: (rng) => between(rng, 12, 22),
  },
  // Hubei-like: 17 cities, 103 counties, ~1,500 townships, ~29,000 villages
  province: {
    provinces: 1,
    cities: () => 17,
    counties: (_rng, city) => (city < 1 ? 7 : 6),
    townships: (rng) => between(rng, 11, 18),
    villages: (rng) => between(rng, 15, 23),
  },
  // unit tests: 2 counties, 6 townships, ~30 villages
  tiny: {
    provinces: 1,
    cities: () => 1,
    counties: () => 2,
    townships: () => 3,
    villages: (rng) => between(rng, 4, 6),
  },
};

export interface ScaleOptions {
  scale: ScaleName;
  /** months of field work up to `today` (default 12) */
  months?: number;
  /** RNG seed (default 20261) */
  seed?: number;
  /** epoch ms of "now" (default Date.now()) */
  now?: number;
  /** the password every synthetic user gets (hashed once) */
  password?: string;
  /** visit norms (default: content/policies/visit-norms.yaml) */
  norms?: VisitNorms;
  /** share of villages without a director (default 0.025) */
  vacantShare?: number;
  /** called after each county with running totals */
  onProgress?: (done: number, total: number, counts: ScaleCounts) => void;
}

export interface ScaleCounts {
  regions: number;
  users: number;
  roleAssignments: number;
  cases: number;
  workEntries: number;
}

export const SCALE_PASSWORD = 'Tonghu#2026';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const CST = 8 * HOUR;
/** epoch ms of `hours` after midnight, China time, of `day` */
const at = (day: string, hours: number) => dayNum(day) * DAY - CST + hours * HOUR;
const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** days since the epoch ↔ 'YYYY-MM-DD' (memoised: the hot loop works on numbers) */
const dayNumCache = new Map<string, number>();
const dayNum = (day: string) => {
  let n = dayNumCache.get(day);
  if (n === undefined) {
    n = Math.round(Date.parse(`${day}T00:00:00Z`) / DAY);
    dayNumCache.set(day, n);
  }
  return n;
};
const dayStrCache = new Map<number, string>();
const dayStr = (n: number) => {
  let s = dayStrCache.get(n);
  if (s === undefined) {
    s = new Date(n * DAY).toISOString().slice(0, 10);
    dayStrCache.set(n, s);
  }
  return s;
};

function defaultNorms(): VisitNorms {
  const d = loadPolicyDefaults('content').find((p) => p.kind === VISIT_NORMS_KIND);
  if (!d) throw new Error('content/policies: no visit-norms default');
  return visitNormsSchema.parse(d.body);
}

function pickCategory(rng: Rng): CaseCategory {
  const x = rng.next();
  if (x < 0.72) return 'left_behind';
  if (x < 0.86) return 'difficult';
  if (x < 0.92) return 'unsupported';
  if (x < 0.95) return 'orphan';
  return 'other';
}

function pickGuardian(rng: Rng, c: CaseCategory): GuardianSituation {
  if (c === 'left_behind') return rng.next() < 0.7 ? 'entrusted' : 'relatives';
  if (c === 'orphan') return rng.next() < 0.6 ? 'relatives' : 'none';
  if (c === 'unsupported') return rng.next() < 0.5 ? 'relatives' : 'single_parent';
  const x = rng.next();
  return x < 0.5 ? 'parents' : x < 0.8 ? 'single_parent' : 'relatives';
}

function pickRisk(rng: Rng): RiskLevel {
  const x = rng.next();
  return x < 0.7 ? 'low' : x < 0.98 ? 'medium' : 'high';
}

const FINDINGS = [
  '孩子精神状态良好，按时上学。',
  '孩子身体健康，饮食睡眠规律。',
  '孩子学习有进步，情绪稳定。',
  '监护人照顾细心，家中整洁。',
  '孩子感冒已愈，正常返校。',
  '电话联系监护人，了解近况，一切正常。',
  '孩子与父母每周视频通话。',
  '补贴已按月发放到位。',
];
const FOLLOW = ['下次走访时再了解学习情况', '提醒监护人带孩子体检', '联系学校共同关注'];
const PLACES = ['村委会', '村小学', '村文化广场', '镇中心小学'];
const TOPICS = ['未成年人保护法宣讲', '防溺水安全教育', '强制报告制度宣传', '儿童福利政策宣讲'];
const NOTES = ['更新监护人联系电话', '更新就学信息', '更新家庭住址', '补录健康状况'];

/** Generates the population into a fresh, migrated database. Returns the row counts written. */
export async function seedScale(db: Db, opts: ScaleOptions): Promise<ScaleCounts> {
  const shape = SHAPES[opts.scale];
  if (!shape) throw new Error(`unknown scale ${opts.scale}`);
  const sqlite = db.$client;
  const existing = sqlite.prepare('select count(*) as n from regions').get() as { n: number };
  if (existing.n > 0) throw new Error('the database already has regions: the scale seed only fills a fresh database');

  // two streams: the tree (same for a seed whatever the day) and the field work (also depends on the day)
  const tree = createRng(opts.seed ?? 20261);
  const rng = createRng(((opts.seed ?? 20261) * 7919 + 17) >>> 0);
  const now = opts.now ?? Date.now();
  const today = dayOf(now);
  const months = opts.months ?? 12;
  const start = addDays(today, -Math.round(months * 30.44));
  const pending = addDays(today, -14);
  const startN = dayNum(start);
  const norms = opts.norms ?? defaultNorms();
  const vacantShare = opts.vacantShare ?? 0.025;
  const hash = await hashPassword(opts.password ?? SCALE_PASSWORD);
  const roleCreated = now - Math.round((months + 2) * 30.44 * DAY);

  const nextId = (table: string) => (sqlite.prepare(`select coalesce(max(id), 0) + 1 as n from ${table}`).get() as { n: number }).n;
  let regionId = nextId('regions');
  let userId = nextId('users');
  let caseId = nextId('cases');

  const insRegion = sqlite.prepare('insert into regions (id, code, name, level, parent_id, path, full_name, is_demo_name) values (?, null, ?, ?, ?, ?, ?, 1)');
  const insUser = sqlite.prepare(
    'insert into users (id, phone, name, id_number, password_hash, must_change_password, active, created_at, updated_at, password_changed_at) values (?, ?, ?, null, ?, 0, 1, ?, ?, ?)',
  );
  const insRole = sqlite.prepare(
    'insert into role_assignments (user_id, role, region_id, region_path, institution_id, active, onboarding, created_at, ended_at) values (?, ?, ?, ?, null, 1, ?, ?, null)',
  );
  const insCase = sqlite.prepare(
    `insert into cases (id, code, village_id, region_path, category, guardian_situation, risk, status, opened_on, closed_on, close_reason, note,
       last_visit_day, last_verified_visit_day, interval_days, interval_history, next_due_day, created_by, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, 'active', ?, null, null, null, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insEntry = sqlite.prepare(
    `insert into work_entries (user_id, client_id, type, case_id, village_id, region_path, day, data, flagged, situations, linked_entry_id,
       report_due_at, escalated_at, status, submitted_at, decided_at, decided_by, comment, revision, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, 0, '[]', null, null, null, ?, ?, ?, ?, null, 1, ?, ?)`,
  );

  const counts: ScaleCounts = { regions: 0, users: 0, roleAssignments: 0, cases: 0, workEntries: 0 };
  let phoneSeq = 0;
  const newUser = (name: string): number => {
    const id = userId++;
    const phone = String(16_000_000_000 + phoneSeq++);
    insUser.run(id, phone, name, hash, roleCreated, roleCreated, roleCreated);
    counts.users++;
    return id;
  };
  const newRegion = (name: string, level: number, parent: { id: number; path: string; fullName: string } | null) => {
    const id = regionId++;
    const path = `${parent?.path ?? '/'}${id}/`;
    const fullName = `${parent?.fullName ?? ''}${name}`;
    insRegion.run(id, name, level, parent?.id ?? null, path, fullName);
    counts.regions++;
    return { id, path, fullName };
  };
  const official = (name: string, r: { id: number; path: string }) => {
    const u = newUser(name);
    insRole.run(u, 'official', r.id, r.path, null, roleCreated);
    counts.roleAssignments++;
  };

  /** status and timestamps of an entry done on `day` */
  const stamp = (day: string, supervisor: number) => {
    let submittedAt = at(day, 17 + rng.next() * 5);
    if (rng.next() < 0.15) submittedAt += DAY * (1 + rng.int(2));
    if (submittedAt > now) submittedAt = now - rng.int(3_600_000);
    const recent = day > pending;
    if (recent && rng.next() < 0.75) return { status: 'submitted', submittedAt, decidedAt: null, decidedBy: null, updatedAt: submittedAt };
    let decidedAt = submittedAt + HOUR * (2 + rng.next() * (recent ? 48 : 120));
    if (decidedAt > now) decidedAt = now;
    return { status: 'verified', submittedAt, decidedAt, decidedBy: supervisor, updatedAt: decidedAt };
  };

  // plan the tree first (cheap) so progress can report counties done / total
  interface CountyPlan { p: number; c: number; k: number }
  const plan: { provinces: { cities: { counties: number }[] }[] } = { provinces: [] };
  let totalCounties = 0;
  for (let p = 0; p < shape.provinces; p++) {
    const nc = shape.cities(tree, p);
    const cities: { counties: number }[] = [];
    for (let c = 0; c < nc; c++) {
      const n = shape.counties(tree, c);
      cities.push({ counties: n });
      totalCounties += n;
    }
    plan.provinces.push({ cities });
  }

  const prevSync = sqlite.pragma('synchronous', { simple: true });
  const prevFk = sqlite.pragma('foreign_keys', { simple: true });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('foreign_keys = OFF'); // rows are consistent by construction; checked by the unit test
  sqlite.pragma('cache_size = -262144');
  sqlite.pragma('wal_autocheckpoint = 100000');

  let countiesDone = 0;
  try {
    const countyTx = sqlite.transaction((cp: CountyPlan, city: { id: number; path: string; fullName: string }) => {
      const county = newRegion(`县${pad(cp.p + 1, 2)}${pad(cp.c + 1, 2)}${pad(cp.k + 1, 2)}`, 3, city);
      official(`干部${pad(cp.p + 1, 2)}${pad(cp.c + 1, 2)}${pad(cp.k + 1, 2)}`, county);
      const nt = shape.townships(tree);
      for (let t = 0; t < nt; t++) {
        const tCode = `${pad(cp.p + 1, 2)}${pad(cp.c + 1, 2)}${pad(cp.k + 1, 2)}${pad(t + 1, 3)}`;
        const town = newRegion(`镇${tCode}`, 4, county);
        // one supervisor per township, a second in about one in five
        const supervisors = tree.next() < 0.2 ? 2 : 1;
        let firstSupervisor = 0;
        for (let s = 0; s < supervisors; s++) {
          const u = newUser(`督导${tCode}${s + 1}`);
          if (!firstSupervisor) firstSupervisor = u;
          insRole.run(u, 'supervisor', town.id, town.path, 'done', roleCreated);
          counts.roleAssignments++;
        }
        const nv = shape.villages(tree);
        for (let v = 0; v < nv; v++) {
          const vCode = `${tCode}${pad(v + 1, 3)}`;
          const village = newRegion(`村${vCode}`, 5, town);
          const vacant = tree.next() < vacantShare;
          let director = 0;
          if (!vacant) {
            director = newUser(`主任${vCode}`);
            insRole.run(director, 'director', village.id, village.path, 'done', roleCreated);
            counts.roleAssignments++;
          }
          // most directors do well; about one in eight is patchy
          const diligence = rng.next() < 0.12 ? 0.4 + rng.next() * 0.3 : 0.85 + rng.next() * 0.15;
          let clientSeq = 0;
          const entry = (type: string, cid: number | null, day: string, data: string) => {
            const s = stamp(day, firstSupervisor);
            insEntry.run(director, `scale-${(clientSeq++).toString(36)}`, type, cid, village.id, village.path, day, data, s.status, s.submittedAt, s.decidedAt, s.decidedBy, s.submittedAt, s.updatedAt);
            counts.workEntries++;
            return s.status;
          };

          const nCases = 1 + tree.int(2) + tree.int(2) + tree.int(2) + (tree.next() < 0.2 ? 1 : 0); // 1..5, ≈ 2.7
          for (let i = 0; i < nCases; i++) {
            const id = caseId++;
            const category = pickCategory(rng);
            const risk = pickRisk(rng);
            const interval = intervalFor(norms, category, risk);
            // most cases predate the period (their first obligation falls in it); some open during it
            const openedOn =
              rng.next() < 0.85 ? dayStr(startN - rng.int(interval)) : dayStr(startN + rng.int(Math.max(1, Math.round(months * 30.44) - 20)));
            const history = [{ from: openedOn, days: interval }];
            let lastVisit: string | null = null;
            let lastVerified: string | null = null;
            if (director) {
              let anchor = dayNum(openedOn);
              const todayN = dayNum(today);
              for (let guard = 0; guard < 1000; guard++) {
                const due = anchor + interval;
                let dayN: number;
                if (rng.next() < diligence) {
                  dayN = due - rng.int(Math.max(1, Math.min(interval - 1, Math.ceil(interval * 0.3))));
                } else {
                  dayN = due + 1 + rng.int(Math.max(1, Math.ceil(interval * 0.6)));
                }
                if (dayN <= anchor) dayN = anchor + 1;
                if (dayN > todayN) break;
                anchor = dayN;
                const day = dayStr(dayN);
                const inPerson = risk === 'high' || rng.next() > 0.12;
                const adequate = rng.next() > 0.06;
                const follow = !adequate || rng.next() < 0.15;
                const data = JSON.stringify({
                  mode: inPerson ? 'in_person' : 'phone',
                  findings: inPerson ? rng.pick(FINDINGS) : FINDINGS[5],
                  guardianshipAdequate: adequate,
                  followUp: follow,
                  followUpNote: follow ? rng.pick(FOLLOW) : '',
                  confirmedNoReport: false,
                });
                const status = entry('visit', id, day, data);
                lastVisit = day;
                if (status === 'verified') lastVerified = day;
              }
              if (rng.next() < 0.3) {
                const day = dayStr(startN + rng.int(Math.max(1, Math.round(months * 30.44))));
                if (day >= openedOn && day <= today) entry('info_update', id, day, JSON.stringify({ note: rng.pick(NOTES) }));
              }
            }
            const anchor = lastVisit && lastVisit > openedOn ? lastVisit : openedOn;
            const createdAt = at(openedOn, 10);
            insCase.run(
              id,
              `C${pad(cp.p + 1, 2)}${pad(i + 1, 2)}-${id.toString(36)}`,
              village.id,
              village.path,
              category,
              pickGuardian(rng, category),
              risk,
              openedOn,
              lastVisit,
              lastVerified,
              interval,
              JSON.stringify(history),
              nextDueAfter(history, anchor),
              director || null,
              createdAt,
              lastVisit ? at(lastVisit, 20) : createdAt,
            );
            counts.cases++;
          }
          // 信息系统更新 of the village's records as a whole (批量更新, covering every case of the village):
          // a diligent director every 45–90 days, a patchy one at longer gaps
          if (director) {
            const todayN = dayNum(today);
            for (let n = startN - rng.int(60); ; ) {
              n += rng.next() < diligence ? 45 + rng.int(46) : 91 + rng.int(60);
              if (n > todayN) break;
              if (n >= startN) entry('info_update', null, dayStr(n), JSON.stringify({ note: '批量更新本村儿童信息' }));
            }
          }
          // 政策宣讲: about one a quarter
          if (director) {
            for (let m = 0; m < months; m++) {
              if (rng.next() < 0.28) {
                const day = dayStr(startN + Math.round(m * 30.44) + rng.int(30));
                if (day > today) continue;
                entry('outreach', null, day, JSON.stringify({ place: rng.pick(PLACES), topic: rng.pick(TOPICS), attendance: 10 + rng.int(60) }));
              }
            }
          }
        }
      }
    });

    for (let p = 0; p < plan.provinces.length; p++) {
      const province = sqlite.transaction(() => {
        const r = newRegion(`省${pad(p + 1, 2)}`, 1, null);
        official(`干部${pad(p + 1, 2)}`, r);
        return r;
      })();
      const cities = plan.provinces[p]!.cities;
      for (let c = 0; c < cities.length; c++) {
        const city = sqlite.transaction(() => {
          const r = newRegion(`市${pad(p + 1, 2)}${pad(c + 1, 2)}`, 2, province);
          official(`干部${pad(p + 1, 2)}${pad(c + 1, 2)}`, r);
          return r;
        })();
        for (let k = 0; k < cities[c]!.counties; k++) {
          countyTx({ p, c, k }, city);
          countiesDone++;
          opts.onProgress?.(countiesDone, totalCounties, counts);
        }
      }
    }
  } finally {
    sqlite.pragma(`synchronous = ${Number(prevSync) || 1}`);
    sqlite.pragma(`foreign_keys = ${prevFk ? 'ON' : 'OFF'}`);
    sqlite.pragma('wal_autocheckpoint = 1000');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
  }
  // the bulk inserts above bypass the events' rollup hooks: count the dashboards' rollups once
  rebuildRollups(db, dayOf(Date.now()));
  return counts;
}
