import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ZodTypeAny } from 'zod';
import { hostileRecord, hostileString, hostileValue, notAnObject, params, SEED, TIMEOUT } from './hostile';
import { parseWith, isValidIdNumber, type FieldErrors } from '../../../src/lib/validation/form';
import { translator } from '../../../src/i18n/index';
import { zhCN } from '../../../src/i18n/zh-CN';
import { en } from '../../../src/i18n/en';
import { isValidDay, parseLocalDateTime } from '../../../src/lib/time';
import { ROLES } from '../../../db/schema/auth';
import { CASE_CATEGORIES, ENTRY_TYPES, GUARDIAN_SITUATIONS, RISK_LEVELS } from '../../../db/schema/fieldwork';
import { LEARNER_ROLES } from '../../../src/lib/learning/enrol';
import { personDetailsSchema, assignmentSchema, newPersonSchema, peopleQuerySchema } from '../../../src/lib/people/schemas';
import {
  caseFormSchema,
  caseEditSchema,
  caseCloseSchema,
  visitSchema,
  agreementSchema,
  reportSchema,
  outreachSchema,
  infoUpdateSchema,
  returnSchema,
  VISIT_MODES,
  AGREEMENT_ACTIONS,
  CARERS,
  REPORT_RECIPIENTS,
} from '../../../src/lib/fieldwork/schemas';
import { parseEntryForm } from '../../../src/lib/fieldwork/entries';
import { examFormSchema } from '../../../src/lib/assessment/schemas';
import { assignFormSchema } from '../../../src/lib/learning/schemas';
import { cohortNoticeSchema } from '../../../src/lib/notify/schemas';
import { appealFormSchema } from '../../../src/lib/subsidy/director';
import { kindSchema, practicalFormSchema, defenceFormSchema, hoursFormSchema, SKILL_FORM_KINDS } from '../../../src/lib/skills/schemas';
import { parseSkillRules } from '../../../src/lib/skills/rules';
import { MAX_CREDITED_HOURS } from '../../../src/lib/skills/records';
import { loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { parseOutboxItem } from '../../../src/lib/offline/sync';
import { parseXapiBody, XapiInputError } from '../../../src/lib/h5p/xapi';
import { h5pJsonSchema } from '../../../src/lib/h5p/h5p-json';
import { zhErrorMap, firstIssue } from '../../../src/lib/h5p/issues';
import { parseAuditQuery, auditFilterOf } from '../../../src/lib/audit/query';
import { parseIdParam } from '../../../src/server/forms';

/**
 * Issue 10, hostile input at the library level: every zod schema that a page or an API route parses user
 * input with gets fast-check records of the worst a form or JSON body can carry. parseWith never throws;
 * a failure names only fields of the form (or _form), each with a catalog message that renders in Chinese
 * with the field's label; a success respects the schema's own limits.
 */

const zh = translator('zh-CN');
const HAN = /\p{Script=Han}/u;
const RUNS = 150;

// ---- plausible values (so that hostile records reach the success path too) ----
function idNumberFor(prefix17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(prefix17[i]) * weights[i]!;
  return prefix17 + '10X98765432'[sum % 11];
}
const VALID_ID = idNumberFor('42032319850612003');
expect(isValidIdNumber(VALID_ID)).toBe(true);

const s = (...xs: string[]) => fc.constantFrom(...xs);
const idStr = s('1', '2', '42', ' 7 ', '9007199254740991', '9007199254740992', '0', '-3', '1.0', '01');
const dayStr = s('2026-06-14', ' 2026-06-14 ', '2026-02-28', '2024-02-29', '2026-02-30', '1900-01-01', '9999-12-31', '0000-01-01');
const dateTimeStr = s('2026-12-01T09:30', '2026-12-01T23:59', '2026-12-31T00:00', '2026-02-30T09:00', '2026-12-01 09:30');
const freeTextOf = (max: number) => s('', ' 孩子在家，学习正常。 ', '好', 'x'.repeat(max), 'x'.repeat(max + 1), '证件 110101199003070010', '😀'.repeat(Math.floor(max / 2)));
const clientIdStr = s('client-abcdef-1', 'AbC_12345678', 'short', 'x'.repeat(64), 'x'.repeat(65), 'bad id!!');

const SKILL_DEFAULTS = loadPolicyDefaults(resolve('content')).find((d) => d.kind === 'skill-levels')!;
const skillRules = parseSkillRules(SKILL_DEFAULTS.body);
const levelStr = s(...skillRules.levels.map((l) => String(l.code)), '0', '6', ' 5');
const scoreStr = s('0', '8.5', '８５．５', '100', '100.1', '1.25', '-1', ' 20 ', '9999');

// ---- success checks ----
const trimmed = (v: unknown) => typeof v === 'string' && v === v.trim();
const within = (v: unknown, max: number, min = 0) => typeof v === 'string' && v.length <= max && v.length >= min && trimmed(v);
const safeId = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
const ID_LIKE = /\d{17}[\dXx]|\d{15}/;
const freeOk = (v: unknown, max: number, required = false) => within(v, max, required ? 1 : 0) && !ID_LIKE.test(v as string);
const oneOf = (xs: readonly unknown[], v: unknown) => xs.includes(v);

type Data = Record<string, unknown>;
interface Case {
  /** how the form is parsed (usually parseWith of the schema) */
  parse: (input: unknown) => { ok: true; data: unknown } | { ok: false; errors: FieldErrors };
  /** the form's fields (plausible values) */
  fields: Record<string, fc.Arbitrary<unknown>>;
  /** error keys allowed besides the form's fields and _form */
  extraErrorKeys?: string[];
  /** what every accepted record must satisfy */
  ok: (d: Data) => boolean;
  /** the parser's type takes an object (a form read by formToObject): no null or array as a whole */
  objectOnly?: boolean;
  /** the input is a URL query (Object.fromEntries of URLSearchParams): strings only */
  stringsOnly?: boolean;
}

const via = (schema: ZodTypeAny) => (input: unknown) => parseWith(schema, input);

const personFields = { name: s('张三', ' 欧阳·娜娜 ', 'Anna Li', '张'.repeat(30), '张'.repeat(31), 'a1'), phone: s('13800138000', '138 0013-8000', '12800138000'), idNumber: s('', VALID_ID, VALID_ID.toLowerCase(), '110101199002300010') };
const personOk = (d: Data) =>
  within(d.name, 30, 1) && /^[\p{Script=Han}A-Za-z·• .-]+$/u.test(d.name as string) && typeof d.phone === 'string' && /^1[3-9]\d{9}$/.test(d.phone) && (d.idNumber === null || (typeof d.idNumber === 'string' && isValidIdNumber(d.idNumber)));
const assignFields = { role: s(...ROLES, 'root'), regionId: idStr, institutionId: s('', '3', 'abc', '99999999999999999') };
const assignOk = (d: Data) => oneOf(ROLES, d.role) && safeId(d.regionId) && (d.institutionId === null || safeId(d.institutionId));

const caseFields = { code: s('V12-001', ' v12-001 ', 'AB', 'A'.repeat(32), 'A'.repeat(33), '-AB'), category: s(...CASE_CATEGORIES), guardianSituation: s(...GUARDIAN_SITUATIONS), risk: s(...RISK_LEVELS), openedOn: dayStr, note: freeTextOf(200) };
const caseOk = (d: Data) => oneOf(CASE_CATEGORIES, d.category) && oneOf(GUARDIAN_SITUATIONS, d.guardianSituation) && oneOf(RISK_LEVELS, d.risk) && freeOk(d.note, 200);
const codeOk = (d: Data) => typeof d.code === 'string' && /^[A-Z0-9][A-Z0-9-]{2,31}$/.test(d.code);
const dayOk = (v: unknown) => typeof v === 'string' && isValidDay(v);
const yesNo = s('yes', 'no', 'YES', 'on');

const visitFields = { clientId: clientIdStr, day: dayStr, caseId: idStr, mode: s(...VISIT_MODES), findings: freeTextOf(500), guardianshipAdequate: yesNo, followUp: yesNo, followUpNote: freeTextOf(200), confirmNoReport: yesNo };
const visitOk = (d: Data) => dayOk(d.day) && safeId(d.caseId) && oneOf(VISIT_MODES, d.mode) && freeOk(d.findings, 500, true) && freeOk(d.followUpNote, 200) && typeof d.guardianshipAdequate === 'boolean' && typeof d.followUp === 'boolean';
const agreementFields = { clientId: clientIdStr, day: dayStr, caseId: idStr, action: s(...AGREEMENT_ACTIONS), carer: s(...CARERS), validUntil: s('', '2027-06-14', '2027-02-30'), note: freeTextOf(200) };
const agreementOk = (d: Data) => dayOk(d.day) && safeId(d.caseId) && oneOf(AGREEMENT_ACTIONS, d.action) && oneOf(CARERS, d.carer) && (d.validUntil === null || dayOk(d.validUntil)) && freeOk(d.note, 200);
const reportFields = { clientId: clientIdStr, caseId: s('', '3', '0'), visitId: s('', '4', 'x'), reportedTo: s(...REPORT_RECIPIENTS), reportedAt: dateTimeStr, receipt: freeTextOf(100), note: freeTextOf(300) };
const reportOk = (d: Data) => (d.caseId === null || safeId(d.caseId)) && (d.visitId === null || safeId(d.visitId)) && oneOf(REPORT_RECIPIENTS, d.reportedTo) && freeOk(d.receipt, 100) && freeOk(d.note, 300) && typeof d.reportedAt === 'string';
const outreachFields = { clientId: clientIdStr, day: dayStr, place: freeTextOf(50), topic: freeTextOf(50), attendance: s('1', '2000', '2001', '0', '１２', ' 30 ', '1.5') };
const outreachOk = (d: Data) => dayOk(d.day) && freeOk(d.place, 50, true) && freeOk(d.topic, 50, true) && Number.isInteger(d.attendance) && (d.attendance as number) >= 1 && (d.attendance as number) <= 2000;
const infoFields = { clientId: clientIdStr, day: dayStr, caseId: s('', '3'), note: freeTextOf(200) };
const infoOk = (d: Data) => dayOk(d.day) && (d.caseId === null || safeId(d.caseId)) && freeOk(d.note, 200, true);
const clientOk = (d: Data) => typeof d.clientId === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(d.clientId);

const SITUATIONS = ['abuse', 'neglect'];
const entryFields: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  visit: { ...visitFields, situation_abuse: s('on', 'yes', 'off') },
  agreement: agreementFields,
  report: { ...reportFields, situation_neglect: s('on') },
  outreach: outreachFields,
  info_update: infoFields,
};
const entryOk: Record<string, (d: Data) => boolean> = { visit: visitOk, agreement: agreementOk, report: reportOk, outreach: outreachOk, info_update: infoOk };

const examFields = { courseId: idStr, title: s('五级理论考试', ' 期末 ', '考', '考'.repeat(40), '考'.repeat(41)), role: s(...LEARNER_ROLES, 'admin'), regionId: idStr, opensAt: dateTimeStr, closesAt: dateTimeStr, durationMinutes: s('5', '240', '241', '4', '30.5', '１２'), passMark: s('1', '100', '0', '101', '60') };
const examOk = (d: Data) =>
  safeId(d.courseId) && within(d.title, 40, 2) && oneOf(LEARNER_ROLES, d.role) && safeId(d.regionId) && Number.isFinite(d.opensAt) && Number.isFinite(d.closesAt) && Number.isInteger(d.durationMinutes) && (d.durationMinutes as number) >= 5 && (d.durationMinutes as number) <= 240 && Number.isInteger(d.passMark) && (d.passMark as number) >= 1 && (d.passMark as number) <= 100;

const assignFormFields = { target: s('curriculum:1', 'course:2', 'course:0', 'course:123456789', 'course:1234567890', 'lesson:1'), role: s(...LEARNER_ROLES), regionId: idStr, dueDate: dayStr };
const assignFormOk = (d: Data) => {
  const t = d.target as { curriculumId: number | null; courseId: number | null };
  // the form checks the shape of the date; createLearningAssignment checks it is a real day (FieldError)
  return oneOf(LEARNER_ROLES, d.role) && safeId(d.regionId) && /^\d{4}-\d{2}-\d{2}$/.test(d.dueDate as string) && (t.curriculumId === null) !== (t.courseId === null) && (safeId(t.curriculumId) || safeId(t.courseId));
};

const noticeFields = { role: s(...ROLES), regionId: idStr, subject: s('培训通知', ' 通知 ', '通'.repeat(40), '通'.repeat(41)), message: s('请于本周内完成。', '内'.repeat(500), '内'.repeat(501)), link: s('', '/learn', '/learn?x=1', '//evil.example', 'https://evil.example', '/a b', 'javascript:alert(1)') };
const noticeOk = (d: Data) =>
  oneOf(ROLES, d.role) && safeId(d.regionId) && within(d.subject, 40, 1) && within(d.message, 500, 1) && typeof d.link === 'string' && (d.link === '' || (/^\/[A-Za-z0-9/_\-?=&.%]*$/.test(d.link) && !d.link.startsWith('//')));

const appealFields = { lineId: idStr, appealReason: s('走访记录漏算了两次。', '漏算', 'x'.repeat(200), 'x'.repeat(201)) };
const appealOk = (d: Data) => safeId(d.lineId) && freeOk(d.appealReason, 200, true) && (d.appealReason as string).length >= 4;

const AREA_NAMES = new Map(skillRules.areas.map((a) => [a.key, a.name]));
const areaFields = Object.fromEntries(skillRules.areas.map((a) => [`a_${a.key}`, fc.oneof({ weight: 4, arbitrary: s('0', String(a.max), ` ${Math.floor(a.max / 2)}.5 `) }, { weight: 1, arbitrary: scoreStr })]));
const noteOk = (v: unknown) => within(v, 200);
const correctsOk = (v: unknown) => v === null || safeId(v);
const levelOk = (v: unknown, codes: number[]) => codes.includes(v as number);
const oneDecimal = (v: unknown, max: number) => typeof v === 'number' && v >= 0 && v <= max && Math.round(v * 10) === v * 10;

const CASES: Record<string, Case> = {
  personDetailsSchema: { parse: via(personDetailsSchema), fields: personFields, ok: personOk },
  assignmentSchema: { parse: via(assignmentSchema), fields: assignFields, ok: assignOk },
  newPersonSchema: { parse: via(newPersonSchema), fields: { ...personFields, ...assignFields }, ok: (d) => personOk(d) && assignOk(d) },
  peopleQuerySchema: {
    parse: via(peopleQuerySchema),
    fields: { q: s('张', 'x'.repeat(31)), role: s(...ROLES, 'x'), status: s('active', 'inactive', 'all', 'x'), page: s('1', '0', '100000', '100001', '2.5'), region: s('3', '-1', '1e20') },
    stringsOnly: true,
    // a query string never fails: bad parameters are dropped
    ok: (d) =>
      (d.q === undefined || (typeof d.q === 'string' && d.q.length <= 30)) &&
      (d.role === undefined || oneOf(ROLES, d.role)) &&
      (d.status === undefined || oneOf(['active', 'inactive', 'all'], d.status)) &&
      (d.page === undefined || (Number.isInteger(d.page) && (d.page as number) >= 1 && (d.page as number) <= 100000)) &&
      (d.region === undefined || safeId(d.region)),
  },
  caseFormSchema: { parse: via(caseFormSchema), fields: caseFields, ok: (d) => caseOk(d) && codeOk(d) && dayOk(d.openedOn) },
  caseEditSchema: { parse: via(caseEditSchema), fields: { category: caseFields.category, guardianSituation: caseFields.guardianSituation, risk: caseFields.risk, note: caseFields.note }, ok: caseOk },
  caseCloseSchema: { parse: via(caseCloseSchema), fields: { closedOn: dayStr, closeReason: s('aged_out', 'moved', 'situation_changed', 'placed', 'other', 'x') }, ok: (d) => dayOk(d.closedOn) && typeof d.closeReason === 'string' },
  visitSchema: { parse: via(visitSchema), fields: visitFields, ok: (d) => visitOk(d) && clientOk(d) },
  agreementSchema: { parse: via(agreementSchema), fields: agreementFields, ok: (d) => agreementOk(d) && clientOk(d) },
  reportSchema: { parse: via(reportSchema), fields: reportFields, ok: (d) => reportOk(d) && clientOk(d) },
  outreachSchema: { parse: via(outreachSchema), fields: outreachFields, ok: (d) => outreachOk(d) && clientOk(d) },
  infoUpdateSchema: { parse: via(infoUpdateSchema), fields: infoFields, ok: (d) => infoOk(d) && clientOk(d) },
  returnSchema: { parse: via(returnSchema), fields: { comment: s('请补充走访照片说明。', '好', ' 好的 ', 'x'.repeat(201)) }, ok: (d) => freeOk(d.comment, 200) && (d.comment as string).length >= 2 },
  examFormSchema: { parse: via(examFormSchema), fields: examFields, ok: examOk },
  assignFormSchema: { parse: via(assignFormSchema), fields: assignFormFields, ok: assignFormOk },
  cohortNoticeSchema: { parse: via(cohortNoticeSchema), fields: noticeFields, ok: noticeOk },
  appealFormSchema: { parse: via(appealFormSchema), fields: appealFields, ok: appealOk },
  kindSchema: { parse: via(kindSchema), fields: { kind: s(...SKILL_FORM_KINDS, 'x') }, ok: (d) => oneOf(SKILL_FORM_KINDS, d.kind) },
  practicalFormSchema: {
    parse: via(practicalFormSchema(skillRules)),
    fields: { level: levelStr, note: freeTextOf(200), correctsId: s('', '3', 'x'), ...areaFields },
    ok: (d) =>
      levelOk(d.level, skillRules.levels.map((l) => l.code)) &&
      noteOk(d.note) &&
      correctsOk(d.correctsId) &&
      skillRules.areas.every((a) => oneDecimal((d.areas as Record<string, unknown>)[a.key], a.max)),
  },
  defenceFormSchema: {
    parse: via(defenceFormSchema(skillRules)),
    fields: { level: levelStr, score: scoreStr, note: freeTextOf(200), correctsId: s('', '3') },
    ok: (d) => levelOk(d.level, skillRules.levels.filter((l) => l.defence).map((l) => l.code)) && oneDecimal(d.score, 100) && noteOk(d.note) && correctsOk(d.correctsId),
  },
  hoursFormSchema: {
    parse: via(hoursFormSchema(skillRules)),
    fields: { level: levelStr, hours: s('0', '0.5', '12', String(MAX_CREDITED_HOURS), String(MAX_CREDITED_HOURS + 1), '１２．５'), note: s('县级岗前培训 2026-05', '培', 'x'.repeat(201)), correctsId: s('', '3') },
    ok: (d) => levelOk(d.level, skillRules.levels.map((l) => l.code)) && oneDecimal(d.hours, MAX_CREDITED_HOURS) && within(d.note, 200, 2) && correctsOk(d.correctsId),
  },
};

// entry forms are parsed by parseEntryForm (schema plus ticked situations), one case per type
for (const type of ENTRY_TYPES) {
  CASES[`parseEntryForm:${type}`] = {
    parse: (input) => parseEntryForm(type, input as Record<string, string>, SITUATIONS),
    fields: entryFields[type]!,
    extraErrorKeys: ['situations'],
    objectOnly: true,
    ok: (d) => d.type === type && entryOk[type]!(d) && clientOk(d) && (d.situations === undefined || (Array.isArray(d.situations) && (d.situations as string[]).every((x) => SITUATIONS.includes(x)))),
  };
}

/**
 * Exported schemas that never see a form or a JSON body of a user: they check policy YAML, course content
 * and bundled H5P files written by the project (loaded at start-up or by an administrator's policy version).
 */
const NOT_USER_INPUT: Record<string, string> = {
  skillRulesSchema: 'policy body (content/policies)',
  notifyRulesSchema: 'policy body',
  planTargetsSchema: 'policy body',
  subsidyRulesSchema: 'policy body',
  visitNormsSchema: 'policy body',
  mandatoryReportSchema: 'policy body',
  performanceSchema: 'policy body',
  quizSettingsSchema: 'question bank YAML in content/',
  questionSchema: 'question bank YAML in content/',
  bankSchema: 'question bank YAML in content/',
  courseSchema: 'course YAML in content/',
  citationSchema: 'course YAML in content/',
  lessonActivitySchema: 'lesson front matter in content/',
  lessonFrontmatterSchema: 'lesson front matter in content/',
  curriculumSchema: 'curriculum YAML in content/',
  scenarioContentSchema: 'bundled H5P content',
  questionSetContentSchema: 'bundled H5P content',
  libraryJsonSchema: 'bundled H5P libraries (an upload is checked through h5pJsonSchema, below)',
  dependencySchema: 'part of h5pJsonSchema (below)',
  // covered below with their own parsers (JSON bodies)
  outboxItemSchema: 'parseOutboxItem, below',
  xapiBodySchema: 'parseXapiBody, below',
  h5pJsonSchema: 'below, with the Chinese error map of uploads',
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function checkFailure(name: string, c: Case, input: unknown, errors: FieldErrors) {
  const allowed = new Set([...Object.keys(c.fields), '_form', ...(c.extraErrorKeys ?? [])]);
  const keys = Object.keys(errors);
  expect(keys.length, `${name}: a failure names at least one field`).toBeGreaterThan(0);
  for (const [field, m] of Object.entries(errors)) {
    expect(allowed.has(field), `${name}: error on "${field}", not a field of the form (input ${safeJson(input)})`).toBe(true);
    expect(m.key in zhCN, `${name}.${field}: message key ${m.key} is in the zh-CN catalog`).toBe(true);
    expect(m.key in en, `${name}.${field}: message key ${m.key} is in the en catalog`).toBe(true);
    // the practical form labels its a_<key> fields with the rubric area's name (train/skills/[id].astro)
    const label = field.startsWith('a_') ? (AREA_NAMES.get(field.slice(2)) ?? `field.${field}`) : zh.dyn(`field.${field}`);
    expect(HAN.test(label) && !label.startsWith('field.'), `${name}: field.${field} has a Chinese label`).toBe(true);
    const text = zh.dyn(m.key, { ...m.params, field: label });
    expect(text.startsWith(`${label}：`), `${name}.${field}: "${text}" starts with "${label}："`).toBe(true);
    expect(text, `${name}.${field}: no unfilled parameter`).not.toMatch(/\{\w+\}/);
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))?.slice(0, 300) ?? String(v);
  } catch {
    return String(v);
  }
}

describe(`hostile records against every form schema (seed ${SEED})`, { timeout: TIMEOUT }, () => {
  it('every exported *Schema of src/lib has a hostile-input case here or a reason it never sees user input', () => {
    const names = new Set<string>();
    for (const f of walk(resolve('src/lib'))) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/export\s+(?:const|function)\s+(\w+Schema)\b/g)) names.add(m[1]!);
    }
    expect(names.size).toBeGreaterThan(20);
    const missing = [...names].filter((n) => !(n in CASES) && !(n in NOT_USER_INPUT));
    expect(missing, 'schemas without a hostile-input case (add one to CASES, or a reason to NOT_USER_INPUT)').toEqual([]);
    const stale = [...Object.keys(CASES), ...Object.keys(NOT_USER_INPUT)].filter((n) => !n.includes(':') && !names.has(n));
    expect(stale, 'cases for schemas that no longer exist').toEqual([]);
  });

  it('every schema a page parses a form with is covered', () => {
    const pages = walk(resolve('src/pages')).concat(
      readdirSync(resolve('src/pages'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.astro'))
        .map((f) => join(resolve('src/pages'), f)),
    );
    const used = new Set<string>();
    for (const f of pages) for (const m of readFileSync(f, 'utf8').matchAll(/parseWith\(\s*(\w+)/g)) used.add(m[1]!);
    // `z`: login.astro and password.astro build their small schema in the page (covered end to end);
    // `schema`: train/skills/[id].astro picks practical/defence/hoursFormSchema, all three covered here
    const inline = new Set(['z', 'schema']);
    const missing = [...used].filter((n) => !inline.has(n) && !(n in CASES));
    expect(missing).toEqual([]);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: never throws; failures name form fields in Chinese; successes respect the limits`, () => {
      let successes = 0;
      let failures = 0;
      const input = c.objectOnly ? hostileRecord(c.fields) : fc.oneof({ weight: 9, arbitrary: hostileRecord(c.fields, { stringsOnly: c.stringsOnly }) }, { weight: 1, arbitrary: notAnObject });
      fc.assert(
        fc.property(input, (rec) => {
          let r: ReturnType<Case['parse']>;
          try {
            r = c.parse(rec);
          } catch (e) {
            throw new Error(`${name} threw ${String(e)} on ${safeJson(rec)}`);
          }
          if (r.ok) {
            successes++;
            expect(c.ok(r.data as Data), `${name}: accepted data within limits: ${safeJson(r.data)} from ${safeJson(rec)}`).toBe(true);
          } else {
            failures++;
            checkFailure(name, c, rec, r.errors);
          }
        }),
        params(RUNS),
      );
      // hostile records are rejected (a query string drops bad parameters instead); successes are checked
      // by the next test, whose plausible records must be accepted some of the time
      if (name !== 'peopleQuerySchema') expect(failures).toBeGreaterThan(0);
      else expect(successes).toBeGreaterThan(0);
    });

    it(`${name}: accepts a record of plausible values some of the time`, () => {
      let successes = 0;
      fc.assert(
        fc.property(fc.record(c.fields), (rec) => {
          const r = c.parse(rec);
          if (r.ok) {
            successes++;
            expect(c.ok(r.data as Data), `${name}: ${safeJson(r.data)}`).toBe(true);
          } else checkFailure(name, c, rec, r.errors);
        }),
        params(100),
      );
      expect(successes, `${name}: plausible records are accepted sometimes`).toBeGreaterThan(0);
    });
  }
});

describe(`hostile JSON bodies (seed ${SEED})`, { timeout: TIMEOUT }, () => {
  const outboxFields = {
    id: s('client-abcdef-1', 'x', 'x'.repeat(65)),
    kind: s('lesson', 'entry', 'quiz', 'exam'),
    lessonId: fc.constantFrom<unknown>(1, 0, -1, 1.5, '1', 2 ** 53),
    type: s(...ENTRY_TYPES, 'x'),
    values: fc.dictionary(fc.oneof(hostileString, s('day', 'caseId')), fc.oneof(hostileString, hostileValue), { maxKeys: 5 }),
    attemptId: fc.constantFrom<unknown>(1, 0, '1'),
    responses: fc.dictionary(s('1', '2', 'x', '9999'), hostileValue, { maxKeys: 3 }),
    answeredAt: fc.constantFrom<unknown>(0, -1, Date.now(), 1e309),
  };

  it('parseOutboxItem (POST /api/sync): never throws; a rejection names clientId or _form with a Chinese message', () => {
    fc.assert(
      fc.property(fc.oneof(hostileRecord(outboxFields), notAnObject, hostileValue), (raw) => {
        const r = parseOutboxItem(raw);
        if (r.ok) {
          expect(/^[A-Za-z0-9_-]{8,64}$/.test(r.item.id)).toBe(true);
          return;
        }
        const field = r.result.field!;
        expect(['clientId', '_form']).toContain(field);
        expect(r.result.id.length).toBeLessThanOrEqual(64);
        const text = zh.field(field, r.result.message!);
        expect(text.startsWith(`${zh.dyn(`field.${field}`)}：`)).toBe(true);
        expect(HAN.test(text)).toBe(true);
      }),
      params(400),
    );
  });

  it('parseXapiBody (POST /api/xapi): never throws anything but XapiInputError, whose message is Chinese and names the field', () => {
    const statement = hostileRecord({
      verb: fc.oneof(hostileRecord({ id: s('http://adlnet.gov/expapi/verbs/completed', 'http://adlnet.gov/expapi/verbs/hacked') }), hostileValue),
      object: fc.oneof(hostileRecord({ id: s('https://x/1') }), hostileValue),
      result: fc.oneof(hostileRecord({ score: fc.oneof(hostileRecord({ raw: fc.double(), max: fc.double(), scaled: fc.double() }), hostileValue), completion: fc.boolean(), response: hostileString }), hostileValue),
      timestamp: hostileString,
    });
    const body = hostileRecord({ activityId: s('lesson-1-quiz', 'A', '-x'), lessonId: fc.constantFrom<unknown>(1, null, 0, '1', 1.5), statement });
    fc.assert(
      fc.property(fc.oneof({ weight: 8, arbitrary: body.map((b) => safeJson(b)) }, { weight: 2, arbitrary: hostileString }), (raw) => {
        try {
          const b = parseXapiBody(raw);
          expect(/^[a-z0-9]+(-[a-z0-9]+)*$/.test(b.activityId) && b.activityId.length <= 80).toBe(true);
        } catch (e) {
          expect(e, `parseXapiBody threw ${String(e)} on ${raw.slice(0, 200)}`).toBeInstanceOf(XapiInputError);
          const x = e as XapiInputError;
          expect(x.field.length).toBeGreaterThan(0);
          expect(HAN.test(x.problem), `Chinese problem: ${x.problem}`).toBe(true);
          expect(x.status === 400 || x.status === 413).toBe(true);
        }
      }),
      params(400),
    );
  });

  it('h5p.json of an uploaded package: never throws; the first issue names a path with a Chinese problem', () => {
    const dep = hostileRecord({ machineName: s('H5P.QuestionSet', '1bad'), majorVersion: fc.constantFrom<unknown>(1, '1', -1, 1e309), minorVersion: fc.constantFrom<unknown>(0, '0') });
    const h5p = hostileRecord({ title: s('练习', ''), mainLibrary: s('H5P.QuestionSet'), language: s('zh'), embedTypes: fc.constantFrom<unknown>(['div'], ['x'], 'div'), preloadedDependencies: fc.oneof(fc.array(dep, { maxLength: 3 }), hostileValue) });
    fc.assert(
      fc.property(fc.oneof(h5p, notAnObject), (json) => {
        const r = h5pJsonSchema.safeParse(json, { errorMap: zhErrorMap });
        if (r.success) return;
        const { field, problem } = firstIssue(r.error);
        expect(field.length).toBeGreaterThan(0);
        expect(HAN.test(problem), `Chinese problem for ${field}: ${problem}`).toBe(true);
      }),
      params(300),
    );
  });
});

describe(`hostile query strings and path ids (seed ${SEED})`, { timeout: TIMEOUT }, () => {
  it('parseIdParam: never throws; a positive safe integer or null', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, s('1', '007', '9007199254740991', '9007199254740992', '9999999999999999')), (raw) => {
        const id = parseIdParam(raw);
        expect(id === null || safeId(id)).toBe(true);
      }),
      params(400),
    );
  });

  it('parseAuditQuery and auditFilterOf (/admin/audit and its export): bad values are dropped, never a 500 or a NaN bound', () => {
    const fields = { action: s('user.create', 'x'.repeat(61), 'USER'), entity: s('12', '1'.repeat(16)), actor: s('3', '0', '9007199254740992'), from: s('2026-06-01', '2026-02-30', '0000-01-01', '0099-12-31', '9999-12-31'), to: s('2026-06-30', '1900-01-01'), before: s('100', '1e20', '-1') };
    fc.assert(
      fc.property(hostileRecord(fields, { stringsOnly: true }), (rec) => {
        const u = new URLSearchParams();
        for (const [k, v] of Object.entries(rec)) u.append(k, String(v));
        const q = parseAuditQuery(u);
        expect(q.action === undefined || (/^[a-z0-9_.]+$/.test(q.action) && q.action.length <= 60)).toBe(true);
        expect(q.entity === undefined || /^\d{1,15}$/.test(q.entity)).toBe(true);
        expect(q.actor === undefined || safeId(q.actor)).toBe(true);
        expect(q.before === undefined || safeId(q.before)).toBe(true);
        for (const d of [q.fromDay, q.toDay]) expect(d === undefined || isValidDay(d)).toBe(true);
        const f = auditFilterOf(q, '/1/');
        for (const b of [f.from, f.to]) expect(b === undefined || Number.isFinite(b), `a finite time bound from ${safeJson(rec)}`).toBe(true);
      }),
      params(400),
    );
  });
});
