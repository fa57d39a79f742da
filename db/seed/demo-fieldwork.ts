import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { users, roleAssignments, policies, cases, workEntries } from '../schema/index';
import type { CaseCategory, GuardianSituation, RiskLevel, EntryType, EntryStatus } from '../schema/fieldwork';
import { getRegionByCode, type Region } from '../../src/lib/org/regions';
import { withinSql, pathIds } from '../../src/lib/org/scope';
import { addDays, dayOf, toLocalDateTime } from '../../src/lib/time';
import { FieldError } from '../../src/lib/errors';
import { addPolicyVersion } from '../../src/lib/policy/policy';
import { visitNormsFor, intervalFor, VISIT_NORMS_KIND, MANDATORY_REPORT_KIND, type VisitNorms } from '../../src/lib/fieldwork/rules';
import { nextDueAfter, daysBetween, type IntervalSegment } from '../../src/lib/fieldwork/schedule';
import { createCase, updateCase, closeCase, type FieldActor } from '../../src/lib/fieldwork/cases';
import { submitEntry, amendEntry, verifyEntries, returnEntry, escalateUnreported, type EntryInput } from '../../src/lib/fieldwork/entries';
import { applyVisitNorms } from '../../src/lib/fieldwork/norms-sync';
import { createRng } from './rng';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const CST = 8 * HOUR;

/** Epoch ms of `hours` (may exceed 24) after midnight, China time, of `day`. */
const at = (day: string, hours: number) => Date.parse(`${day}T00:00:00Z`) - CST + hours * HOUR;

// ---------------------------------------------------------------------------------------------------------
// Texts. Written for the demo: no child's name, no ID number, and (outside the flagged visits) none of the
// words of content/policies/mandatory-report.yaml, except the few visits that confirm a word is harmless.
// ---------------------------------------------------------------------------------------------------------

const CHILD = [
  '孩子精神状态良好，身体健康，按时上学。',
  '孩子近期学习有进步，老师反映上课比以前专心。',
  '孩子性格偏内向，交谈时话不多，但情绪稳定。',
  '孩子身高体重正常，饮食和睡眠规律。',
  '孩子前几天感冒，现已痊愈，正常返校上课。',
  '孩子在镇中心小学住校，周末回家，生活基本能自理。',
  '孩子喜欢画画，房间里贴着自己的作品，交流时很开朗。',
  '孩子作业能按时完成，祖母说最近看电视的时间有点长。',
  '孩子与同学相处融洽，放学后常和邻居家的孩子一起写作业。',
  '孩子视力有所下降，已建议监护人带去镇卫生院检查。',
  '孩子有两颗龋齿，已提醒监护人带去看牙。',
  '孩子个子长高了不少，冬衣偏小，已帮助联系爱心衣物。',
  '孩子这学期当上了班级小组长，学习积极性很高。',
  '孩子最近有些厌学情绪，已与班主任沟通，共同关注。',
  '孩子使用手机时间偏长，已和监护人商量约定使用时间。',
  '孩子在家帮忙喂鸡、扫地，懂事有礼貌。',
  '孩子数学成绩偏弱，已联系村里的大学生志愿者周末辅导。',
  '孩子很想念父母，说起父母时情绪有些低落，已给予安慰和鼓励。',
  '孩子在村幼儿园上学，由祖父负责接送，发育正常。',
  '孩子上初中后学习压力变大，睡眠略有不足，已提醒注意休息。',
  '孩子参加了学校的篮球兴趣班，性格比以前活泼。',
  '孩子衣着干净整洁，家中书桌收拾得井井有条。',
];

const GUARDIAN: Record<CaseCategory, string[]> = {
  left_behind: [
    '父母均在外务工，每周与孩子视频通话一到两次。',
    '父亲在广东打工，母亲在县城务工，每月回家一次。',
    '祖父母身体尚可，能照顾孩子的日常生活。',
    '祖母年事已高，腿脚不便，照护能力有所下降，已提醒孩子父母多关心。',
    '受托照护人是孩子的外婆，照顾细心，家中卫生整洁。',
    '父母春节后已外出务工，计划年底回家。',
    '母亲在浙江的工厂上班，每天晚上和孩子通电话。',
    '祖父农忙时早出晚归，孩子放学后先在邻居家写作业。',
    '父母与孩子联系较少，已电话提醒父母每周至少联系一次。',
    '受托照护人对孩子学习关心不够，已进行监护指导。',
    '姑姑一家照顾孩子的饮食起居，孩子与表哥相处很好。',
  ],
  difficult: [
    '孩子患先天性心脏病，定期到市医院复查，本月复查结果稳定。',
    '孩子为听力残疾，已配助听器，在县特殊教育学校就读。',
    '孩子肢体残疾，出行需要轮椅，家中已完成无障碍改造。',
    '父亲重病卧床，家庭收入主要靠母亲打零工，生活较困难。',
    '家庭享受低保，孩子的基本生活补贴已按月发放到位。',
    '母亲患精神疾病，目前病情稳定，父亲在家务农兼照顾家庭。',
    '孩子每周两次到县康复中心做康复训练，家长坚持接送。',
    '家中房屋老旧，已上报镇里纳入危房改造计划。',
    '孩子医疗费用负担较重，已协助家长申请医疗救助。',
    '父母照顾孩子尽心，但家庭收入不稳定，已告知临时救助政策。',
  ],
  unsupported: [
    '父亲正在服刑，母亲离家多年未联系，孩子由伯父伯母抚养。',
    '父母双方均为重度残疾，由姑姑代为照顾孩子的生活。',
    '父亲长期失联，母亲已改嫁，孩子随祖母生活。',
    '事实无人抚养儿童基本生活费已按标准足额发放。',
    '叔叔一家对孩子照顾较好，与自家孩子同吃同住。',
    '实际抚养人年纪较大，收入有限，已协助申请临时救助。',
    '祖母身体还算硬朗，能料理家务，对孩子管教比较严格。',
  ],
  orphan: [
    '孩子父母均已去世，由外公外婆抚养，生活有保障。',
    '孤儿基本生活费按月足额发放，监护人能合理使用。',
    '孩子随叔叔生活，叔叔一家待孩子如亲生。',
    '监护人为孩子开设了专门账户存放孤儿基本生活费。',
    '孩子今年升入初中，已协助申请助学金。',
    '伯父伯母对孩子关心周到，孩子在家里比较放松。',
  ],
  other: [
    '父母离异，孩子随父亲生活，父亲在本村务农。',
    '单亲家庭，母亲在镇上超市上班，能兼顾照顾孩子。',
    '家庭经济条件一般，孩子生活学习正常。',
    '父亲常年在外跑运输，母亲在家照顾两个孩子。',
  ],
};

/** seasonal notes, by month (1–12) */
const SEASON: string[][] = [
  ['寒假期间孩子作息规律，每天按时完成寒假作业。', '春节临近，孩子父母已买好返乡车票。'],
  ['春节期间父母在家，一家人团聚，孩子很开心。', '开学前已帮孩子备好学习用品。'],
  ['新学期已开学，孩子按时报到。', '提醒监护人春季注意预防流感。'],
  ['清明前后提醒监护人注意野外用火安全。', '春季传染病高发，已提醒监护人注意孩子卫生。'],
  ['已提醒监护人注意孩子的防溺水安全，不到池塘和河边玩耍。', '五一期间孩子父亲回家探望了孩子。'],
  ['临近暑假，已向孩子和监护人讲解防溺水知识。', '孩子期末复习认真，成绩稳定。'],
  ['暑假期间孩子上午写作业，下午在村图书室看书。', '再次提醒监护人暑期看护，严禁孩子私自下水。'],
  ['暑假期间孩子去父母务工地住了半个月，已返回。', '开学在即，已确认孩子的入学安排。'],
  ['新学期已开学，孩子升入高年级，适应良好。', '已协助孩子办理秋季学期营养餐补助。'],
  ['国庆期间母亲回家探望，陪伴孩子一周。', '天气转凉，已提醒监护人给孩子添衣。'],
  ['入冬前检查了家中取暖设施和用电安全，无隐患。', '孩子期中考试成绩较上学期有提高。'],
  ['冬季用火用电较多，已提醒监护人注意防火和一氧化碳安全。', '已提醒孩子父母年底按时返乡团聚。'],
];

const ACTION = [
  '已告知监护人遇到困难可随时联系儿童主任。',
  '检查了家中用电和燃气安全，无安全隐患。',
  '已协调学校老师多关注孩子的心理状况。',
  '已告知监护人儿童保障政策和申请渠道。',
  '下次走访时给孩子带去学习用品。',
  '已登记孩子的近期需求，向镇里反映。',
  '与孩子单独谈心约二十分钟，孩子愿意表达自己的想法。',
  '已宣传防溺水、交通安全等安全知识。',
];

const ACTION_ENTRUSTED = '已向受托照护人讲解委托照护的责任和注意事项。';

const SHORT = ['入户走访，孩子在家，情况正常。', '走访了解情况，一切正常。', '孩子和祖母在家，无异常。', '了解了孩子近况，无异常。'];

/** Visits whose findings contain a keyword that on reflection is no mandatory-report situation. */
const HARMLESS = [
  '孩子前几天在院子里玩耍时摔倒，小腿有一处淤青，祖母已带去村卫生室处理，系意外磕碰。',
  '孩子祖父今年春天因病死亡，目前由祖母一人照顾，孩子情绪已基本平复。',
  '家中存放有老鼠药，已提醒监护人妥善收好，防止孩子误食中毒。',
];

const FOLLOW_UP = ['下周再次入户查看', '协调镇卫生院上门体检', '联系学校申请营养餐补助', '协助申请临时救助', '与孩子父母电话沟通照护安排', '跟进危房改造进度'];

const SUPPLEMENT = ['补充：', '补充说明：'];

/** Flagged visits: findings and the situations ticked; the report that answers each. */
const FLAGGED = [
  {
    findings: '入户时发现孩子手臂和后背有多处淤青，孩子称是继父酒后殴打所致。已安抚孩子，当场联系派出所。',
    situations: ['abuse_injuries'],
    reportedTo: 'police',
    receipt: '镇派出所值班民警当面受理',
    note: '民警已到场了解情况，孩子暂住外婆家；已报告乡镇儿童督导员。',
  },
  {
    findings: '孩子祖母住院一周，父母在外地未归，孩子近几天独自在家，无人照料。已临时安排到邻近亲属家。',
    situations: ['abandoned_uncared'],
    reportedTo: 'civil_affairs',
    receipt: '县民政局值班室电话受理',
    note: '县民政局已联系孩子父亲返乡，村委会安排人员每日查看。',
  },
  {
    findings: '孩子反映放学路上多次被几名社会青年威胁，被索要零花钱，孩子很害怕，不敢上学。',
    situations: ['other_serious'],
    reportedTo: 'police',
    receipt: '派出所接警登记',
    note: '已与学校沟通，安排老师护送放学；派出所已介入调查。',
  },
  {
    findings: '班主任反映孩子在校长期被高年级学生欺凌，入户时孩子情绪低落，手臂有抓伤。',
    situations: ['abuse_injuries'],
    reportedTo: 'education',
    receipt: '县教育局安全办电话受理',
    note: '学校已约谈相关学生家长，安排心理老师跟进。',
  },
  {
    findings: '孩子父亲外出后长期失联，母亲离家，孩子近一个月靠邻居接济，家中无人看管。',
    situations: ['abandoned_uncared'],
    reportedTo: 'civil_affairs',
    receipt: '镇民政办登记受理',
    note: '已启动临时监护，孩子由镇里安排到亲属家生活。',
  },
];

const CASE_NOTE: Record<CaseCategory, string[]> = {
  left_behind: ['父母均在外务工，由祖父母照料', '父亲外出务工，母亲在外地照顾老人，由外婆照料', '父母在浙江务工，委托姑姑照料', '父母在广东务工，由祖母照料'],
  difficult: ['孩子残疾，家庭享受低保', '父亲重病，家庭困难', '孩子患重病，需长期治疗'],
  unsupported: ['父亲服刑，母亲离家，由伯父抚养', '父母重残，由亲属照料', '父亲失联，母亲改嫁，随祖母生活'],
  orphan: ['父母双亡，由祖父母抚养', '父母双亡，由叔叔抚养'],
  other: ['单亲家庭，随父亲生活', '父母离异，随母亲生活'],
};

const AGREEMENT_NOTE = ['与受托人当面签订，父母双方签字确认', '协议一式三份，村委会存档一份', '明确了受托人的照护责任和联系方式', '父母远程确认后签订，已拍照存档'];

const OUTREACH_PLACE = ['村委会会议室', '村小学', '村文化广场', '村党群服务中心', '镇中心小学', '村卫生室', '村幼儿园'];
const OUTREACH_TOPIC = ['《未成年人保护法》宣传', '防溺水安全教育', '强制报告制度宣讲', '留守儿童关爱政策宣讲', '儿童福利政策解读', '家庭教育促进法宣传', '预防校园欺凌', '假期安全教育', '监护责任宣传', '防范电信诈骗宣传'];

const INFO_CASELESS = [
  '按季度更新全国儿童福利信息管理系统中本村儿童的走访记录',
  '核对本村困境儿童名册，更新系统信息',
  '更新本村留守儿童基础信息台账并同步到系统',
  '完成本村儿童信息季度核查',
];
const INFO_CASE = ['更新监护人联系电话和家庭住址', '更新儿童就学信息', '更新受托照护人信息', '更新儿童基本生活费发放信息', '更新儿童健康状况信息'];

const RETURN_COMMENTS: Record<Exclude<EntryType, 'report'> | 'short', string[]> = {
  short: ['走访情况过于简单，请补充儿童近况和监护人情况。', '请补充孩子的就学、健康情况和监护人的照护能力。'],
  visit: ['请写明孩子目前的就学情况，并补充监护人照护情况的评估。', '走访发现的问题请写明后续跟进措施。', '请补充与孩子本人交流的情况。'],
  agreement: ['协议有效期填写有误，请对照协议原件核实。', '请在备注中注明协议签订和存档情况。'],
  outreach: ['参加人数与签到表不一致，请核实后修改。', '请补充宣讲的具体内容和参加对象。'],
  info_update: ['请写明在系统中更新了哪些信息。'],
};

const CLOSE_REASON: Record<CaseCategory, ('aged_out' | 'moved' | 'situation_changed' | 'placed')[]> = {
  left_behind: ['situation_changed', 'situation_changed', 'moved', 'aged_out'],
  difficult: ['moved', 'aged_out', 'situation_changed'],
  unsupported: ['placed', 'aged_out', 'situation_changed'],
  orphan: ['placed', 'aged_out'],
  other: ['situation_changed', 'moved'],
};

// ---------------------------------------------------------------------------------------------------------
// The plan: cases, visits and other entries per director, then the supervisors' verification sessions.
// Everything is planned first and then carried out through the product's functions in time order, so
// ids follow the order things happened and every call sees a realistic `now`.
// ---------------------------------------------------------------------------------------------------------

type Rng = ReturnType<typeof createRng>;

interface Dir {
  userId: number;
  phone: string;
  actor: FieldActor;
  townshipId: number;
  countyPath: string;
  /** 0.35–1: how dutifully this director visits, logs, signs agreements and holds outreach sessions */
  d: number;
  /** the demo director 李春燕: her village shows every state */
  demo: boolean;
}

interface Change {
  day: string;
  /** the new risk level; null: a visit-norms version takes effect (the daily job moves the case to it) */
  risk: RiskLevel | null;
}

type DemoRole = 'dueSoon' | 'overdue' | 'returned' | 'awaiting';

interface PCase {
  ref: number;
  dir: Dir;
  code: string;
  category: CaseCategory;
  guardian: GuardianSituation;
  risk: RiskLevel;
  note: string;
  openedOn: string;
  /** registered at the start of the simulated year (the child was followed before) */
  pre: boolean;
  createAt: number;
  changes: Change[];
  history: IntervalSegment[];
  closeOn: string | null;
  closeAt: number | null;
  closeReason: 'aged_out' | 'moved' | 'situation_changed' | 'placed' | null;
  /** forced visit days (flagged visit, demo states) and the last day a visit may fall on */
  forced: string[];
  stopAfter: string | null;
  demoRole: DemoRole | null;
  flag: { kind: 'same' | 'late' | 'never'; text: (typeof FLAGGED)[number]; day: string } | null;
  lastSubmitAt: number;
  id?: number;
}

type PlanInput =
  | { type: 'visit'; caseRef: number; mode: 'in_person' | 'phone'; findings: string; guardianshipAdequate: boolean; followUp: boolean; followUpNote: string; confirmNoReport: boolean; situations: string[] }
  | { type: 'agreement'; caseRef: number; action: 'signed' | 'renewed'; carer: 'grandparent' | 'relative' | 'other_adult'; validUntil: string; note: string }
  | { type: 'report'; visitRef: number; reportedTo: string; reportedAt: string; receipt: string; note: string }
  | { type: 'outreach'; place: string; topic: string; attendance: number }
  | { type: 'info_update'; caseRef: number | null; note: string };

interface PEntry {
  ref: number;
  dir: Dir;
  input: PlanInput;
  day: string;
  submitAt: number;
  short: boolean;
  /** never decided by the supervisor (the demo's entry awaiting verification) */
  hold: boolean;
  /** returned at this time with this comment and left unamended (the demo's returned entry) */
  forceReturn: { at: number; comment: string } | null;
  caseRef: number | null;
  id?: number;
  /** an amendment was refused: the entry stays returned */
  lost?: boolean;
}

interface Ev {
  t: number;
  run: (db: Db) => void;
}

export interface FieldworkSummary {
  from: string;
  to: string;
  directors: number;
  cases: number;
  closedCases: number;
  entries: Record<EntryType, Record<EntryStatus, number>>;
  amended: number;
  flagged: number;
  escalated: number;
  overdueCases: number;
  /** product refusals (FieldError) met while replaying the plan: 0 unless the plan is wrong */
  refused: number;
  refusals: string[];
  ms: number;
  /** CPU time of the seed (wall time varies with the machine's load) */
  cpuMs: number;
}

/**
 * drizzle asks SQLite to compile every query anew. While the seed runs, statements are reused by their
 * text (the same few dozen queries run ~150,000 times): this halves the seed's time. A statement left in
 * raw mode by drizzle's last use is reset; drizzle sets raw mode again where it wants it.
 */
export function cacheStatements(db: Db): () => void {
  const client = db.$client;
  const original = client.prepare;
  const cache = new Map<string, ReturnType<typeof original>>();
  client.prepare = function (source: string) {
    let stmt = cache.get(source);
    if (!stmt) cache.set(source, (stmt = original.call(client, source)));
    else if (stmt.reader) stmt.raw(false);
    return stmt;
  } as typeof original;
  return () => {
    client.prepare = original;
    cache.clear();
  };
}

/** Diligence: most directors are decent, some excellent, about one in ten poor. */
function diligence(rng: Rng): number {
  const r = rng.next();
  if (r < 0.1) return 0.35 + 0.2 * rng.next();
  if (r < 0.32) return 0.9 + 0.1 * rng.next();
  return 0.62 + 0.28 * rng.next();
}

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  let r = rng.next() * items.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of items) if ((r -= w) < 0) return v;
  return items[items.length - 1]![0];
}

const CATEGORY_MIX = [
  ['left_behind', 80],
  ['difficult', 9],
  ['unsupported', 4],
  ['orphan', 3],
  ['other', 4],
] as const;

function guardianFor(rng: Rng, c: CaseCategory): GuardianSituation {
  switch (c) {
    case 'left_behind':
      return rng.next() < 0.85 ? 'entrusted' : 'relatives';
    case 'difficult':
      return weighted(rng, [['parents', 50], ['single_parent', 35], ['relatives', 15]] as const);
    case 'unsupported':
      return rng.next() < 0.7 ? 'relatives' : 'entrusted';
    case 'orphan':
      return rng.next() < 0.9 ? 'relatives' : 'none';
    default:
      return rng.next() < 0.6 ? 'single_parent' : 'parents';
  }
}

/**
 * A year of field work in 竹山县 and 江陵县 (up to today; never before the rules took effect), made
 * through the product's own functions with a `now` that walks through the year. Needs the demo people
 * and the policy defaults; does nothing without them (unit tests of the seed alone).
 */
export function seedDemoFieldwork(db: Db, now: number): FieldworkSummary | null {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const zhushan = getRegionByCode(db, '420323');
  const jiangling = getRegionByCode(db, '421024');
  if (!zhushan || !jiangling) return null;
  const province = db.select().from(policies).where(and(eq(policies.kind, VISIT_NORMS_KIND), eq(policies.regionPath, `/${pathIds(zhushan.path)[0]}/`))).all();
  const reportRules = db.select().from(policies).where(eq(policies.kind, MANDATORY_REPORT_KIND)).all();
  if (province.length === 0 || reportRules.length === 0) return null;
  const end = dayOf(now);
  const earliest = [province.map((p) => p.effectiveFrom).sort()[0]!, reportRules.map((p) => p.effectiveFrom).sort()[0]!].sort()[1]!;
  const start = [addDays(end, -364), earliest].sort()[1]!;
  if (start > addDays(end, -14)) return null; // the rules are too new for any history
  const rng = createRng(20260);

  // 江陵县 shortens the 留守 interval from mid-year: its own version of the visit norms (versioning).
  const mid = (() => {
    const m = addDays(start, Math.floor(daysBetween(start, end) / 2));
    const first = `${m.slice(0, 7)}-01`;
    const next = new Date(`${first}T00:00:00Z`);
    next.setUTCMonth(next.getUTCMonth() + 1);
    return next.toISOString().slice(0, 10);
  })();
  const jlOfficial = db.select({ id: users.id }).from(users).where(eq(users.phone, '13900000008')).get();
  const override = mid < addDays(end, -30);
  if (override) {
    const base = visitNormsFor(db, jiangling.path, mid).rules;
    const leftBehind = base.intervals.left_behind > 60 ? 60 : Math.max(14, base.intervals.left_behind - 15);
    addPolicyVersion(
      db,
      {
        kind: VISIT_NORMS_KIND,
        regionId: jiangling.id,
        version: '1.1.0',
        effectiveFrom: mid,
        body: { ...base, intervals: { ...base.intervals, left_behind: leftBehind } },
        note: `江陵县：农村留守儿童每${leftBehind}天至少走访1次，其他类别沿用省级默认规则（县级规定，自 ${mid} 起施行）`,
        createdBy: jlOfficial?.id ?? null,
      },
      at(addDays(mid, -20), 10),
    );
  }
  // the days a visit-norms version takes effect inside the year (the daily job applies it to open cases)
  const normsDays = [...new Set(db.select({ d: policies.effectiveFrom }).from(policies).where(eq(policies.kind, VISIT_NORMS_KIND)).all().map((r) => r.d))]
    .filter((d) => d > start && d <= end)
    .sort();
  const normsCache = new Map<string, VisitNorms>();
  const normsAt = (countyPath: string, day: string): VisitNorms => {
    const k = countyPath + day;
    let n = normsCache.get(k);
    if (!n) normsCache.set(k, (n = visitNormsFor(db, countyPath, day).rules));
    return n;
  };

  // People: every active director of the two counties, and each township's supervisor.
  const counties = [zhushan, jiangling];
  const people = (role: 'director' | 'supervisor', county: Region) =>
    db
      .select({ userId: roleAssignments.userId, regionId: roleAssignments.regionId, regionPath: roleAssignments.regionPath, phone: users.phone })
      .from(roleAssignments)
      .innerJoin(users, eq(users.id, roleAssignments.userId))
      .where(and(eq(roleAssignments.role, role), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, county.path)))
      .orderBy(roleAssignments.id)
      .all();
  const dirs: Dir[] = [];
  const supervisors = new Map<number, FieldActor & { s: number }>();
  for (const county of counties) {
    for (const p of people('director', county)) {
      const demo = p.phone === '13900000005';
      const d = demo ? 0.9 : p.phone === '13900000007' ? 0.82 : p.phone === '13900000003' ? 0.75 : diligence(rng);
      dirs.push({ userId: p.userId, phone: p.phone, townshipId: pathIds(p.regionPath)[3]!, countyPath: county.path, d, demo, actor: { userId: p.userId, role: 'director', regionId: p.regionId, regionPath: p.regionPath, ip: null } });
    }
    people('supervisor', county).forEach((p, i) => {
      if (supervisors.has(p.regionId)) return;
      // most supervisors keep up; a few (at least one per county) let entries wait past the time limit
      const lax = i === 2 || rng.next() < 0.12;
      const s = p.phone === '13900000004' ? 0.9 : lax ? 0.25 + 0.2 * rng.next() : 0.6 + 0.4 * rng.next();
      supervisors.set(p.regionId, { userId: p.userId, role: 'supervisor', regionId: p.regionId, regionPath: p.regionPath, ip: null, s });
    });
  }

  const events: Ev[] = [];
  const allCases: PCase[] = [];
  const entries: PEntry[] = [];
  const span = daysBetween(start, end);
  const randomDay = (from: string, to: string) => addDays(from, rng.int(Math.max(1, daysBetween(from, to) + 1)));

  /** when the director logs work done on `day` (diligent: that evening; poor: days or weeks later) */
  const submitTime = (dir: Dir, day: string): number => {
    let h: number;
    if (dir.d > 0.85) h = 18 + rng.int(20);
    else if (dir.d > 0.6) h = 18 + rng.int(44);
    else h = rng.next() < 0.15 ? 24 * (8 + rng.int(13)) : 18 + rng.int(24 * 6);
    return at(day, h) + rng.int(3_600_000);
  };

  const addEntry = (dir: Dir, input: PlanInput, day: string, submitAt: number, extra: Partial<PEntry> = {}): PEntry | null => {
    if (submitAt > now) return null; // done, but not logged yet
    const caseRef = 'caseRef' in input ? input.caseRef : null;
    const e: PEntry = { ref: entries.length, dir, input, day, submitAt, short: false, hold: false, forceReturn: null, caseRef, ...extra };
    entries.push(e);
    if (caseRef !== null) allCases[caseRef]!.lastSubmitAt = Math.max(allCases[caseRef]!.lastSubmitAt, submitAt);
    return e;
  };

  const findings = (dir: Dir, c: PCase, day: string, mode: 'in_person' | 'phone'): { text: string; short: boolean } => {
    const shortP = dir.d < 0.55 ? 0.25 : dir.d < 0.9 ? 0.04 : 0.01;
    if (rng.next() < shortP) return { text: rng.pick(SHORT), short: true };
    const parts: string[] = [];
    if (mode === 'phone') parts.push('电话联系监护人了解近况。');
    parts.push(rng.pick(CHILD));
    parts.push(rng.pick(GUARDIAN[c.category]));
    if (rng.next() < 0.45) parts.push(rng.pick(SEASON[Number(day.slice(5, 7)) - 1]!));
    if (mode === 'in_person' && rng.next() < 0.5) parts.push(c.guardian === 'entrusted' && rng.next() < 0.3 ? ACTION_ENTRUSTED : rng.pick(ACTION));
    return { text: parts.join(''), short: false };
  };

  // Flagged visits: a few per county, on cases of ordinary directors (not the demo accounts).
  // kinds: 'same' reported the same day; 'late' two or three days later, after the daily job escalated
  // it; 'never' (escalated, still unreported)
  const flagPlan = new Map<number, { kind: 'same' | 'late' | 'never'; text: (typeof FLAGGED)[number] }[]>();
  let flagText = 0;
  for (const [county, kinds] of [
    [zhushan, ['same', 'same', 'same', 'late', 'never']],
    [jiangling, ['same', 'same', 'late', 'never']],
  ] as const) {
    const pool = dirs.filter((d) => d.countyPath === county.path && !['13900000003', '13900000005', '13900000007'].includes(d.phone));
    for (const kind of kinds) {
      const dir = pool.splice(rng.int(pool.length), 1)[0];
      if (!dir) continue;
      flagPlan.set(dir.userId, [...(flagPlan.get(dir.userId) ?? []), { kind, text: FLAGGED[flagText++ % FLAGGED.length]! }]);
    }
  }
  let caseRefSeq = 0;

  for (const dir of dirs) {
    const flags = flagPlan.get(dir.userId) ?? [];
    // -- the cases
    type Spec = Pick<PCase, 'category' | 'guardian' | 'risk'> & { pre: boolean; opened: string; close: boolean; demoRole?: DemoRole };
    const specs: Spec[] = [];
    if (dir.demo) {
      // 李春燕: six active cases showing every state, and one closed mid-year
      specs.push(
        { category: 'left_behind', guardian: 'entrusted', risk: 'low', pre: true, opened: '', close: false, demoRole: 'dueSoon' },
        { category: 'difficult', guardian: 'single_parent', risk: 'medium', pre: true, opened: '', close: false, demoRole: 'overdue' },
        { category: 'left_behind', guardian: 'entrusted', risk: 'low', pre: true, opened: '', close: false, demoRole: 'returned' },
        { category: 'orphan', guardian: 'relatives', risk: 'low', pre: true, opened: '', close: false, demoRole: 'awaiting' },
        { category: 'unsupported', guardian: 'relatives', risk: 'medium', pre: true, opened: '', close: false },
        { category: 'left_behind', guardian: 'entrusted', risk: 'low', pre: false, opened: '', close: false },
        { category: 'left_behind', guardian: 'entrusted', risk: 'low', pre: true, opened: '', close: true },
      );
    } else {
      // 3–12 cases, most villages few (the seed's cost is mostly visits: keep them to what is realistic)
      const n = 3 + Math.floor(10 * Math.pow(rng.next(), 7));
      for (let i = 0; i < n; i++) {
        const category = weighted(rng, CATEGORY_MIX);
        const risk: RiskLevel = rng.next() < 0.02 ? 'high' : rng.next() < 0.35 ? 'medium' : 'low';
        specs.push({ category, guardian: guardianFor(rng, category), risk, pre: rng.next() > 0.14, opened: '', close: rng.next() < 0.04 });
      }
    }
    for (const s of specs) {
      if (s.pre) {
        s.opened = addDays(start, -(30 + rng.int(700)));
      } else {
        // new children found during the year; 留守 mostly after the Spring Festival, when parents leave
        const lo = addDays(start, 14);
        const hi = addDays(end, -21);
        s.opened = lo > hi ? start : s.category === 'left_behind' && rng.next() < 0.5 ? randomDay(lo, [addDays(lo, 70), hi].sort()[0]!) : randomDay(lo, hi);
      }
    }
    specs.sort((a, b) => (a.opened < b.opened ? -1 : a.opened > b.opened ? 1 : 0));
    const dirCases: PCase[] = [];
    specs.forEach((s, i) => {
      const c: PCase = {
        ref: caseRefSeq++,
        dir,
        code: `V${dir.actor.regionId}-${String(i + 1).padStart(3, '0')}`,
        category: s.category,
        guardian: s.guardian,
        risk: s.risk,
        note: rng.pick(CASE_NOTE[s.category]),
        openedOn: s.opened,
        pre: s.pre,
        createAt: s.pre ? at(start, 9) + i * 120_000 + rng.int(60_000) : at(s.opened, 10 + rng.int(3)) + rng.int(3_600_000),
        changes: [],
        history: [],
        closeOn: null,
        closeAt: null,
        closeReason: null,
        forced: [],
        stopAfter: null,
        demoRole: s.demoRole ?? null,
        flag: null,
        lastSubmitAt: 0,
      };
      if (c.category === 'left_behind' && c.risk === 'high') c.risk = 'medium';
      allCases.push(c);
      dirCases.push(c);
      // risk changes: high-risk cases mostly come down after a few months; a few cases go up for a while
      if (c.risk === 'high' && rng.next() < 0.8) c.changes.push({ day: randomDay(addDays(start, 30), addDays(start, 120)), risk: 'medium' });
      else if (c.risk !== 'high' && !s.close && !dir.demo && rng.next() < 0.012) {
        const up = randomDay(addDays(c.pre ? start : c.openedOn, 20), addDays(end, -40));
        if (up < end) {
          c.changes.push({ day: up, risk: 'high' });
          const down = addDays(up, 21 + rng.int(21));
          if (down < end) c.changes.push({ day: down, risk: c.risk });
        }
      }
      if (s.close) {
        const from = addDays(c.pre ? start : c.openedOn, 60);
        const to = addDays(end, -10);
        if (from < to) {
          c.closeOn = randomDay(from, to);
          c.closeReason = rng.pick(CLOSE_REASON[c.category]);
        }
      }
      // the demo village: a visit overdue (none in the last 36 days of a 30-day case), one awaiting
      // verification (yesterday), one returned (six days ago); 'due within a week' is set below
      if (s.demoRole === 'overdue') c.stopAfter = addDays(end, -36);
      if (s.demoRole === 'awaiting') c.forced.push(addDays(end, -1));
      if (s.demoRole === 'returned') c.forced.push(addDays(end, -6));
    });
    // flagged visits: on a case not at the end of the year; the case becomes high risk for some weeks
    for (const f of flags) {
      const candidates = dirCases.filter((c) => !c.closeOn && c.forced.length === 0 && c.changes.length === 0);
      const c = candidates.length ? rng.pick(candidates) : null;
      if (!c) continue;
      const lo = addDays(c.pre ? start : c.openedOn, 20);
      const day = f.kind === 'never' ? randomDay(addDays(end, -40), addDays(end, -14)) : randomDay(lo, addDays(end, -30));
      if (day <= lo) continue;
      c.forced.push(day);
      c.flag = { ...f, day };
      const base = c.risk;
      c.changes.push({ day, risk: 'high' });
      const down = addDays(day, 21 + rng.int(21));
      if (down < end) c.changes.push({ day: down, risk: base === 'high' ? 'medium' : base });
    }
    // the product's daily job moves open cases to a visit-norms version on the day it takes effect
    // (before anything else that day)
    for (const c of dirCases) {
      for (const day of normsDays) if (day > c.openedOn && !(c.closeOn && c.closeOn <= day)) c.changes.push({ day, risk: null });
    }
    for (const c of dirCases) {
      c.changes.sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : (a.risk === null ? 0 : 1) - (b.risk === null ? 0 : 1)));
      c.forced.sort();
      // the interval history the product will build from createCase and updateCase
      const createDay = c.pre ? start : c.openedOn;
      let risk = c.risk;
      let days = intervalFor(normsAt(dir.countyPath, createDay), c.category, risk);
      c.history = [{ from: c.openedOn, days }];
      for (const ch of c.changes) {
        if (c.closeOn && ch.day >= c.closeOn) continue;
        if (ch.risk) risk = ch.risk;
        const nd = intervalFor(normsAt(dir.countyPath, ch.day), c.category, risk);
        if (nd !== days) {
          if (c.history.length > 1 && c.history[c.history.length - 1]!.from === ch.day) c.history.pop();
          c.history.push({ from: ch.day, days: nd });
          days = nd;
        }
      }
      if (c.demoRole === 'dueSoon') {
        // last visit one interval minus four days ago: due within the week
        const x = addDays(end, 4 - c.history[c.history.length - 1]!.days);
        c.forced.push(x);
        c.stopAfter = x;
      }
      planCase(c);
    }
    // 政策宣讲: 0–6 a year by diligence
    const talks = Math.max(0, Math.min(6, Math.round(((dir.d - 0.3) * 8 + (rng.next() - 0.5) * 2) * (span / 365))));
    for (let i = 0; i < talks; i++) {
      const day = randomDay(start, end);
      addEntry(dir, { type: 'outreach', place: rng.pick(OUTREACH_PLACE), topic: rng.pick(OUTREACH_TOPIC), attendance: 8 + rng.int(rng.next() < 0.2 ? 150 : 50) }, day, submitTime(dir, day));
    }
    // 信息系统更新: quarterly roll-ups and case-level corrections
    for (let m = 0; m < span / 30; m += 3) {
      if (rng.next() > 0.6 * dir.d) continue;
      const day = addDays(start, m * 30 + 5 + rng.int(15));
      if (day > end) break;
      addEntry(dir, { type: 'info_update', caseRef: null, note: rng.pick(INFO_CASELESS) }, day, submitTime(dir, day));
    }
    for (let i = Math.round(dir.d * 2 * rng.next()); i > 0; i--) {
      const c = rng.pick(dirCases);
      const from = c.pre ? start : c.openedOn;
      const to = c.closeOn ? addDays(c.closeOn, -1) : end;
      if (from >= to) continue;
      const day = randomDay(from, to);
      addEntry(dir, { type: 'info_update', caseRef: c.ref, note: rng.pick(INFO_CASE) }, day, submitTime(dir, day));
    }
  }

  /** Visits of one case, and the agreements, reports and information-system updates that go with them. */
  function planCase(c: PCase) {
    const dir = c.dir;
    const d = dir.d;
    // excellent directors are almost always on time, decent ones mostly, poor ones about half the time
    const pOnTime = 1 - 0.8 * Math.pow(1 - d, 1.4);
    const stop = [c.stopAfter ?? end, c.closeOn ? addDays(c.closeOn, -1) : end, end].sort()[0]!;
    const flag = c.flag;
    const visits: string[] = [];
    let anchor: string;
    if (c.pre) {
      // followed before the year began: the first visit of the year falls due on the case's own
      // rolling schedule (the product counts from the opening day until the first visit it knows of)
      let due = nextDueAfter(c.history, c.openedOn);
      while (due < start) due = nextDueAfter(c.history, due);
      anchor = addDays(due, -c.history[0]!.days);
    } else {
      anchor = c.openedOn;
      visits.push(c.openedOn); // the visit that opened the case
    }
    const forced = [...c.forced];
    for (let guard = 0; guard < 500; guard++) {
      const due = nextDueAfter(c.history, anchor);
      const gap = Math.max(1, daysBetween(anchor, due));
      const r = rng.next();
      let day: string;
      if (r < pOnTime) day = addDays(due, -rng.int(Math.min(Math.floor(gap * 0.3), 10) + 1));
      else if (r < pOnTime + (1 - pOnTime) * 0.65) day = addDays(due, 1 + rng.int(Math.min(gap, 20)));
      else day = addDays(due, gap + rng.int(Math.min(gap, 20) + 1));
      if (day <= anchor) day = addDays(anchor, 1);
      if (day < start) day = start;
      if (forced.length && forced[0]! <= day) day = forced.shift()!;
      if (day > stop) {
        if (forced.length && forced[0]! <= stop) day = forced.shift()!;
        else break;
      }
      if (day !== anchor || visits.length === 0) visits.push(day);
      anchor = day;
    }
    // agreements for entrusted 留守 children: signed (or renewed, for a child followed before) at the
    // first visit of the year by most directors, later or never by some; renewed before they lapse
    const needsAgreement = c.category === 'left_behind' && c.guardian === 'entrusted';
    let agreementUntil: string | null = null;
    const carer = weighted(rng, [['grandparent', 75], ['relative', 20], ['other_adult', 5]] as const);

    let visitNo = 0;
    for (const day of visits) {
      visitNo++;
      const isFlag = flag !== null && flag.day === day;
      const demoReturned = c.demoRole === 'returned' && c.forced.includes(day);
      const demoAwaiting = c.demoRole === 'awaiting' && c.forced.includes(day);
      const highNow = (c.changes.filter((x) => x.day <= day && x.risk).pop()?.risk ?? c.risk) === 'high';
      const mode: 'in_person' | 'phone' = isFlag || highNow || rng.next() > 0.12 ? 'in_person' : 'phone';
      let input: PlanInput;
      let short = false;
      let submitAt: number;
      if (flag && isFlag) {
        input = { type: 'visit', caseRef: c.ref, mode, findings: flag.text.findings, guardianshipAdequate: false, followUp: true, followUpNote: '已报告，继续跟进', confirmNoReport: false, situations: flag.text.situations };
        submitAt = flag.kind === 'same' ? at(day, 12) + rng.int(HOUR) : at(day, 19) + rng.int(2 * HOUR);
      } else if (demoReturned) {
        input = { type: 'visit', caseRef: c.ref, mode: 'in_person', findings: '入户查看，孩子在家，情况正常。', guardianshipAdequate: true, followUp: false, followUpNote: '', confirmNoReport: false, situations: [] };
        short = true;
        submitAt = at(day, 19);
      } else {
        const harmless = rng.next() < 0.0025;
        const f = harmless ? { text: rng.pick(HARMLESS), short: false } : findings(dir, c, day, mode);
        short = f.short;
        const follow = !short && rng.next() < (highNow ? 0.5 : 0.07);
        const adequate = !(highNow ? rng.next() < 0.4 : c.category !== 'left_behind' && rng.next() < 0.08);
        input = { type: 'visit', caseRef: c.ref, mode, findings: f.text, guardianshipAdequate: adequate, followUp: follow, followUpNote: follow ? rng.pick(FOLLOW_UP) : '', confirmNoReport: harmless, situations: [] };
        submitAt = demoAwaiting ? at(day, 20) : submitTime(dir, day);
      }
      const visit = addEntry(dir, input, day, submitAt, { short, hold: demoAwaiting, forceReturn: demoReturned ? { at: at(addDays(end, -3), 15), comment: RETURN_COMMENTS.short[0]! } : null });
      if (!visit) continue;
      if (flag && isFlag && flag.kind !== 'never') {
        const reportedAt = flag.kind === 'same' ? at(day, 14) + rng.int(HOUR) : at(addDays(day, 2 + rng.int(2)), 10);
        const t = flag.text;
        addEntry(dir, { type: 'report', visitRef: visit.ref, reportedTo: t.reportedTo, reportedAt: toLocalDateTime(reportedAt), receipt: t.receipt, note: t.note }, dayOf(reportedAt), reportedAt + HOUR / 2);
      }
      // agreement paperwork done during a visit
      if (needsAgreement) {
        let action: 'signed' | 'renewed' | null = null;
        if (agreementUntil === null) {
          if (rng.next() < (visitNo === 1 ? 0.3 + 0.7 * d : 0.25 * d)) action = c.pre && rng.next() < 0.8 ? 'renewed' : 'signed';
        } else if (day >= addDays(agreementUntil, -30) && rng.next() < d) action = 'renewed';
        if (action) {
          const validUntil = addDays(day, 365);
          agreementUntil = validUntil;
          addEntry(dir, { type: 'agreement', caseRef: c.ref, action, carer, validUntil, note: rng.pick(AGREEMENT_NOTE) }, day, visit.submitAt + 10 * 60_000);
        }
      }
    }
    // a new case gets its record in the information system within days (diligent directors)
    if (!c.pre && rng.next() < d) {
      const day = addDays(c.openedOn, rng.int(5));
      if (day <= end && !(c.closeOn && day >= c.closeOn)) addEntry(dir, { type: 'info_update', caseRef: c.ref, note: '在全国儿童福利信息管理系统中新建儿童档案' }, day, submitTime(dir, day));
    }
    for (const ch of c.changes) {
      if (!ch.risk || (c.closeOn && ch.day >= c.closeOn) || rng.next() > d) continue;
      addEntry(dir, { type: 'info_update', caseRef: c.ref, note: '更新风险等级和帮扶措施' }, ch.day, at(ch.day, 17) + rng.int(HOUR));
    }
    if (c.closeOn) {
      const t = Math.max(at(c.closeOn, 10), c.lastSubmitAt + HOUR);
      if (t <= now) c.closeAt = t;
    }
  }

  // -- events: case creation, changes, closing, entries
  for (const c of allCases) {
    const form = () => ({ category: c.category, guardianSituation: c.guardian, risk: c.risk, note: c.note });
    events.push({
      t: c.createAt,
      run: (tx) => {
        c.id = createCase(tx, c.dir.actor, { code: c.code, openedOn: c.openedOn, ...form() }, c.createAt).id;
      },
    });
    for (const ch of c.changes) {
      if (!ch.risk || (c.closeOn && ch.day >= c.closeOn)) continue;
      const t = at(ch.day, 16) + rng.int(HOUR);
      if (t > now) continue;
      events.push({
        t,
        run: (tx) => {
          c.risk = ch.risk!;
          if (c.id !== undefined) updateCase(tx, c.dir.actor, c.id, form(), t);
        },
      });
    }
    if (c.closeAt !== null) {
      const t = c.closeAt;
      events.push({ t, run: (tx) => void (c.id !== undefined && closeCase(tx, c.dir.actor, c.id, { closedOn: c.closeOn!, closeReason: c.closeReason! }, t)) });
    }
  }
  const toInput = (e: PEntry, input: PlanInput): EntryInput | null => {
    const clientId = `demo-${e.ref.toString(36).padStart(6, '0')}`;
    switch (input.type) {
      case 'visit':
      case 'agreement': {
        const id = allCases[input.caseRef]!.id;
        if (id === undefined) return null;
        const rest: Record<string, unknown> = { ...input };
        delete rest.caseRef;
        return { ...rest, clientId, day: e.day, caseId: id } as EntryInput;
      }
      case 'info_update': {
        const id = input.caseRef === null ? null : allCases[input.caseRef]!.id;
        if (id === undefined) return null;
        return { type: 'info_update', clientId, day: e.day, caseId: id, note: input.note };
      }
      case 'report': {
        const visitId = entries[input.visitRef]!.id;
        if (visitId === undefined) return null;
        return { type: 'report', clientId, caseId: null, visitId, reportedTo: input.reportedTo, reportedAt: input.reportedAt, receipt: input.receipt, note: input.note, situations: [] };
      }
      case 'outreach':
        return { ...input, clientId, day: e.day };
    }
  };
  for (const e of entries) {
    events.push({
      t: e.submitAt,
      run: (tx) => {
        const input = toInput(e, e.input);
        if (input) e.id = submitEntry(tx, e.dir.actor, input, e.submitAt).entry.id;
      },
    });
  }

  // -- the server's scheduled jobs (src/server/jobs.ts), just after midnight: a visit-norms version
  //    taking effect that day, and flagged visits left unreported past their limit escalated. Only the
  //    days when they can change anything are replayed (the limit of a visit on day D ends at D+2 00:00).
  let escalated = 0;
  const jobDays = new Set(normsDays);
  for (const c of allCases) if (c.flag) for (let i = 2; i <= 4; i++) jobDays.add(addDays(c.flag.day, i));
  for (const day of [...jobDays].sort()) {
    if (day > end) continue;
    const t = at(day, 0) + 10 * 60_000;
    const newNorms = normsDays.includes(day);
    events.push({
      t,
      run: (tx) => {
        if (newNorms) applyVisitNorms(tx, day);
        escalated += escalateUnreported(tx, t);
      },
    });
  }

  // -- verification: each supervisor works through the queue every few days (their own diligence);
  //    ~3 % are returned with a comment and most are amended; the township without one stays unverified
  const byTownship = new Map<number, PEntry[]>();
  for (const e of entries) {
    const list = byTownship.get(e.dir.townshipId) ?? [];
    list.push(e);
    byTownship.set(e.dir.townshipId, list);
  }
  let amendedCount = 0;
  for (const [townshipId, list] of byTownship) {
    const sup = supervisors.get(townshipId);
    if (!sup) continue;
    list.sort((a, b) => a.submitAt - b.submitAt);
    const maxGap = 1 + Math.round((1 - sup.s) * 14);
    // they look at entries a day or more old (time to ring the family), the less diligent later
    const minAge = (1 + Math.round((1 - sup.s) * 3)) * DAY;
    let next = 0;
    let pending: { e: PEntry; since: number }[] = [];
    const amends: { e: PEntry; since: number }[] = [];
    for (const e of list) {
      if (e.forceReturn) {
        const fr = e.forceReturn;
        events.push({ t: fr.at, run: (tx) => void (e.id !== undefined && returnEntry(tx, sup, e.id, fr.comment, fr.at)) });
      }
    }
    for (let t = at(addDays(start, 1 + rng.int(maxGap)), 15); t <= now; t = at(addDays(dayOf(t), 1 + rng.int(maxGap)), 14 + rng.int(4)) + rng.int(HOUR)) {
      while (next < list.length && list[next]!.submitAt < t - minAge) {
        const e = list[next++]!;
        if (!e.hold && !e.forceReturn) pending.push({ e, since: e.submitAt });
      }
      for (let i = amends.length - 1; i >= 0; i--) {
        if (amends[i]!.since < t - minAge) pending.push(amends.splice(i, 1)[0]!);
      }
      const verify: PEntry[] = [];
      const keep: typeof pending = [];
      const sessionAt = t;
      for (const p of pending) {
        const e = p.e;
        const first = p.since === e.submitAt;
        // (a flagged visit is not sent back for its wording: the supervisor presses for the report instead)
        const flaggedVisit = e.input.type === 'visit' && e.input.situations.length > 0;
        const pReturn = !first || flaggedVisit || e.input.type === 'report' || e.dir.demo ? 0 : e.short ? 0.3 : 0.017;
        if (rng.next() < pReturn) {
          const type = e.input.type as Exclude<EntryType, 'report'>;
          const comment = rng.pick(RETURN_COMMENTS[e.short ? 'short' : type]);
          events.push({ t: sessionAt, run: (tx) => void (e.id !== undefined && returnEntry(tx, sup, e.id, comment, sessionAt)) });
          // the director amends most returned entries within a week
          const amendAt = sessionAt + (1 + rng.int(Math.round(2 + (1 - e.dir.d) * 10))) * DAY + rng.int(4 * HOUR);
          const c = e.caseRef !== null ? allCases[e.caseRef]! : null;
          const caseOpen = !c || c.closeAt === null || amendAt < c.closeAt;
          if (rng.next() < 0.5 + 0.5 * e.dir.d && amendAt <= now && caseOpen && e.day >= addDays(dayOf(amendAt), -90)) {
            const amended = amendInput(e);
            events.push({
              t: amendAt,
              run: (tx) => {
                const input = e.id === undefined ? null : toInput(e, amended);
                if (!input) return;
                try {
                  amendEntry(tx, e.dir.actor, e.id!, input, amendAt);
                } catch (err) {
                  e.lost = true;
                  throw err;
                }
              },
            });
            amendedCount++;
            amends.push({ e, since: amendAt });
          }
        } else if (rng.next() < 0.06) keep.push(p);
        else verify.push(e);
      }
      pending = keep;
      if (verify.length) events.push({ t: sessionAt, run: (tx) => void verifyEntries(tx, sup, verify.filter((e) => e.id !== undefined && !e.lost).map((e) => e.id!), sessionAt) });
    }
  }

  function amendInput(e: PEntry): PlanInput {
    const i = e.input;
    switch (i.type) {
      case 'visit': {
        const c = allCases[i.caseRef]!;
        const more = rng.pick(CHILD) + rng.pick(GUARDIAN[c.category]);
        return { ...i, findings: e.short ? `${i.findings}${rng.pick(SUPPLEMENT)}${more}` : `${i.findings}${rng.pick(SUPPLEMENT)}${rng.pick(ACTION)}` };
      }
      case 'agreement':
        return { ...i, note: `${i.note}（已对照协议原件核实）` };
      case 'outreach':
        return { ...i, attendance: Math.max(1, i.attendance + rng.int(7) - 3), topic: i.topic };
      case 'info_update':
        return { ...i, note: `${i.note}：核对并更新了系统中的监护人信息和走访记录` };
      default:
        return i;
    }
  }

  // -- carry it all out, in the order it happened, in one transaction (each call's own is a savepoint)
  events.sort((a, b) => a.t - b.t);
  const refusals: string[] = [];
  const uncache = cacheStatements(db);
  try {
    db.transaction((tx) => {
      const t = tx as unknown as Db;
      for (const ev of events) {
        try {
          ev.run(t);
        } catch (err) {
          if (!(err instanceof FieldError)) throw err;
          refusals.push(`${new Date(ev.t).toISOString()} ${err.message}`);
        }
      }
      // what the server's jobs would do at start-up anyway
      applyVisitNorms(t, end);
      escalated += escalateUnreported(t, now);
    });
  } finally {
    uncache();
  }

  // -- what was made
  const inScope = sql`(${withinSql(workEntries.regionPath, zhushan.path)} or ${withinSql(workEntries.regionPath, jiangling.path)})`;
  const counts = db.select({ type: workEntries.type, status: workEntries.status, n: sql<number>`count(*)` }).from(workEntries).where(inScope).groupBy(workEntries.type, workEntries.status).all();
  const entriesBy = {} as FieldworkSummary['entries'];
  for (const type of ['visit', 'agreement', 'report', 'outreach', 'info_update'] as const) entriesBy[type] = { submitted: 0, verified: 0, returned: 0 };
  for (const r of counts) entriesBy[r.type][r.status] = r.n;
  const caseRows = db
    .select({ n: sql<number>`count(*)`, closed: sql<number>`sum(case when ${cases.status} = 'closed' then 1 else 0 end)`, overdue: sql<number>`sum(case when ${cases.status} = 'active' and ${cases.nextDueDay} < ${end} then 1 else 0 end)` })
    .from(cases)
    .get();
  const flagged = db.select({ n: sql<number>`count(*)` }).from(workEntries).where(and(inScope, eq(workEntries.flagged, true))).get()?.n ?? 0;
  return {
    from: start,
    to: end,
    directors: dirs.length,
    cases: caseRows?.n ?? 0,
    closedCases: caseRows?.closed ?? 0,
    entries: entriesBy,
    amended: amendedCount,
    flagged,
    escalated,
    overdueCases: caseRows?.overdue ?? 0,
    refused: refusals.length,
    refusals: refusals.slice(0, 20),
    ms: Math.round(performance.now() - t0),
    cpuMs: Math.round((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000),
  };
}
