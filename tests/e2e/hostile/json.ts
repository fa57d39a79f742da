import fc from 'fast-check';
import type Database from 'better-sqlite3';
import { ACCOUNTS } from '../helpers';
import { FIELD_MESSAGE, SERVER_ERROR } from './check';
import { FIXED } from './values';

/**
 * Hostile JSON for the JSON endpoints: wrong types in every field of a valid body, deep nesting, huge
 * arrays, __proto__/constructor keys, non-JSON, an empty body, the wrong content type.
 */
export interface JsonRequest {
  path: string;
  body: string;
  contentType: string | null;
  /** the path names an object that is not there or not the caller's */
  foreignPath?: boolean;
}
interface Ctx {
  db: Database.Database;
  base: string;
  get: (p: string) => Promise<{ status: number; text: string }>;
  /** a bodiless form post as the case's account (the product's own buttons) */
  post: (p: string) => Promise<{ status: number; location: string | null }>;
}
interface Outcome {
  status: number;
  contentType: string;
  text: string;
}
export interface JsonCase<S> {
  name: string;
  as: 'director' | 'caregiver';
  setup: (c: Ctx) => Promise<S>;
  arbitrary: (s: S) => fc.Arbitrary<JsonRequest>;
  judge: (o: Outcome, writes: string[], req: JsonRequest) => string | null;
}

/** A value of the wrong type, or the right type at an absurd size. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, -0, 1e308, 2 ** 53 + 1, -(2 ** 63), 0.5, '', '1', '0x1F', '1e309', [], {}, [1, 2, 3], { __proto__: { polluted: 1 } }, 'x'.repeat(100_000), Array.from({ length: 5000 }, (_, i) => i)),
  fc.constantFrom(...FIXED),
  fc.jsonValue({ maxDepth: 3 }),
);

const deep = (n: number, open: string, close: string, inner = '1') => open.repeat(n) + inner + close.repeat(n);
const RAW_BODIES = [
  '',
  ' ',
  'null',
  '[]',
  '{}',
  '"text"',
  '1e309',
  'NaN',
  '{"items":',
  '{\'single\': 1}',
  '\u0000',
  '\uFEFF{}',
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  deep(4000, '[', ']'),
  deep(3000, '{"a":', '}'),
  JSON.stringify({ items: Array.from({ length: 20_000 }, () => 0) }),
  'ord=1&response=2',
];
const CONTENT_TYPES: (string | null)[] = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', null, 'application/json; charset=x-hostile'];

/** A valid body with fields replaced, removed or added; or a raw hostile body. */
function hostileBody(valid: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  const mutated = fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof({ weight: 4, arbitrary: wrongValue.map((v) => ({ v })) }, { weight: 1, arbitrary: fc.constant(null) })), { minLength: 1, maxLength: 3 }),
      fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'userId', 'x'.repeat(200)), wrongValue), { freq: 3 }),
    )
    .map(([changes, extra]) => {
      const o: Record<string, unknown> = { ...valid };
      for (const [k, c] of changes) {
        if (c === null) delete o[k];
        else o[k] = c.v;
      }
      let s = JSON.stringify(o);
      // a "__proto__" key is written as JSON text: JSON.parse makes it an own property, as an attacker's body would
      if (extra) s = s.replace(/^\{/, `{${JSON.stringify(extra[0])}:${JSON.stringify(extra[1]) ?? 'null'}${s === '{}' ? '' : ','}`);
      return s;
    });
  return fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) });
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The common rules: never ≥ 500; a rejection is JSON whose message names the field; nothing written. */
function rejection(o: Outcome, writes: string[], message: (j: Record<string, unknown>) => unknown): string | null {
  if (o.status >= 500) return `server error ${o.status}: ${o.text.slice(0, 300)}`;
  if (SERVER_ERROR.test(o.text)) return `error text in the answer: ${o.text.slice(0, 300)}`;
  const j = parseJson(o.text);
  if (!j) return `rejection ${o.status} is not a JSON object: ${o.text.slice(0, 200)}`;
  const m = message(j);
  if (typeof m !== 'string' || !FIELD_MESSAGE.test(m)) return `rejection ${o.status} does not name the field in Chinese: ${o.text.slice(0, 300)}`;
  if (writes.length) return `rejected (${o.status}) but wrote ${[...new Set(writes)].join(', ')}`;
  return null;
}

const one = <T>(db: Database.Database, sql: string, ...args: unknown[]) => db.prepare(sql).get(...args) as T | undefined;

interface AnswerSetup {
  own: number;
  foreign: number;
}
const answer: JsonCase<AnswerSetup> = {
  name: 'api/attempts/[id]/answer.ts (autosave of one answer)',
  as: 'director',
  async setup({ db, post }) {
    // the attempt of beforeAll may have been submitted by the attempt page's properties: start (or resume) one
    // with the course page's button
    const started = await post('/learn/courses/classified-support/quiz');
    const fresh = /^\/learn\/attempts\/(\d+)$/.exec(started.location ?? '')?.[1];
    if (fresh) {
      const foreign = one<{ id: number }>(db, 'select a.id from attempts a join users u on u.id = a.user_id where u.phone <> ? and a.submitted_at is null order by a.id limit 1', ACCOUNTS.director.phone)?.id;
      return { own: Number(fresh), foreign: foreign ?? 999_999_999 };
    }
    const own = one<{ id: number }>(db, 'select a.id from attempts a join users u on u.id = a.user_id where u.phone = ? and a.submitted_at is null order by a.id desc limit 1', ACCOUNTS.director.phone)?.id;
    const foreign = one<{ id: number }>(db, 'select a.id from attempts a join users u on u.id = a.user_id where u.phone <> ? and a.submitted_at is null order by a.id limit 1', ACCOUNTS.director.phone)?.id;
    if (!own) throw new Error('the director has no open attempt (beforeAll starts one)');
    return { own, foreign: foreign ?? 999_999_999 };
  },
  arbitrary: (s) =>
    fc.record({
      target: fc.constantFrom(['own', s.own], ['own', s.own], ['own', s.own], ['foreign', s.foreign], ['missing', 999_999_999], ['bad', '0'], ['bad', '1e3'], ['bad', '9'.repeat(30)]) as fc.Arbitrary<[string, number | string]>,
      body: hostileBody({ ord: 0, response: 0 }),
      contentType: fc.constantFrom(...CONTENT_TYPES),
    }).map(({ target, body, contentType }) => ({ path: `/api/attempts/${target[1]}/answer`, body, contentType, foreignPath: target[0] !== 'own' })),
  judge(o, writes, req) {
    if (o.status >= 200 && o.status < 300) return null;
    // an attempt that is not there or not the caller's: 404, nothing about it revealed (and nothing written)
    if (o.status === 404 && req.foreignPath) return writes.length ? `404 but wrote ${writes.join(', ')}` : null;
    return rejection(o, writes, (j) => j.error);
  },
};

interface XapiSetup {
  lessonId: number;
}
const xapi: JsonCase<XapiSetup> = {
  name: 'api/xapi.ts (H5P statements)',
  as: 'director',
  async setup({ db }) {
    const l = one<{ id: number }>(db, "select l.id from lessons l join courses c on c.id = l.course_id where c.slug = 'mandatory-reporting' and l.slug = '03-how-to-report'");
    return { lessonId: l?.id ?? 1 };
  },
  arbitrary: (s) =>
    fc.record({
      body: fc.oneof(
        hostileBody({ activityId: 'reporting-check', lessonId: s.lessonId, statement: { verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, result: { score: { raw: 1, max: 2 } } } }),
        // the statement itself mutated
        hostileBody({ verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, object: { id: 'x' }, result: { completion: true }, context: {}, timestamp: '2026-11-29T00:00:00Z' }).map((st) => `{"activityId":"reporting-check","statement":${st}}`),
      ),
      contentType: fc.constantFrom(...CONTENT_TYPES),
    }).map(({ body, contentType }) => ({ path: '/api/xapi', body, contentType })),
  judge(o, writes) {
    if (o.status >= 200 && o.status < 300) return null;
    return rejection(o, writes, (j) => j.error);
  },
};

const sync: JsonCase<{ lessonId: number; attemptId: number }> = {
  name: 'api/sync.ts (offline outbox)',
  as: 'director',
  async setup({ db }) {
    const lessonId = one<{ id: number }>(db, "select l.id from lessons l join courses c on c.id = l.course_id where c.slug = 'classified-support' order by l.id limit 1")?.id ?? 1;
    const attemptId = one<{ id: number }>(db, 'select a.id from attempts a join users u on u.id = a.user_id where u.phone = ? order by a.id desc limit 1', ACCOUNTS.director.phone)?.id ?? 1;
    return { lessonId, attemptId };
  },
  arbitrary: (s) => {
    const item = fc.oneof(
      hostileBody({ id: 'hostile-lesson-0001', kind: 'lesson', lessonId: s.lessonId }),
      hostileBody({ id: 'hostile-entry-0001', kind: 'entry', type: 'outreach', values: { day: '2026-11-28', topic: '测试', audience: '10' } }),
      hostileBody({ id: 'hostile-quiz-0001', kind: 'quiz', attemptId: s.attemptId, responses: { '0': 0 }, answeredAt: Date.now() }),
      fc.constantFrom('null', '1', '"x"', '[]', '{}'),
    );
    return fc.record({
      body: fc.oneof({ weight: 3, arbitrary: fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => `{"items":[${items.join(',')}]}`) }, { weight: 1, arbitrary: hostileBody({ items: [] }) }),
      contentType: fc.constantFrom('application/json', 'application/json', 'application/json', ...CONTENT_TYPES),
    }).map(({ body, contentType }) => ({ path: '/api/sync', body, contentType }));
  },
  judge(o, writes) {
    if (o.status >= 500) return `server error ${o.status}: ${o.text.slice(0, 300)}`;
    if (o.status === 200) {
      const j = parseJson(o.text) as { results?: { status: string; reason?: string }[] } | null;
      if (!j || !Array.isArray(j.results)) return `200 without results: ${o.text.slice(0, 200)}`;
      const bad = j.results.filter((r) => r.status === 'rejected' && !(typeof r.reason === 'string' && FIELD_MESSAGE.test(r.reason)));
      if (bad.length) return `rejected items without a message naming the field: ${JSON.stringify(bad).slice(0, 300)}`;
      if (j.results.every((r) => r.status !== 'accepted') && writes.length) return `nothing accepted but wrote ${[...new Set(writes)].join(', ')}`;
      return null;
    }
    return rejection(o, writes, (x) => x.error);
  },
};

const quiz: JsonCase<{ slug: string }> = {
  name: 'learn/courses/[slug]/quiz.ts (start a quiz; takes no body)',
  as: 'caregiver',
  async setup() {
    return { slug: 'caregiver-level-5' };
  },
  arbitrary: (s) =>
    fc.record({
      slug: fc.constantFrom(s.slug, s.slug, 'no-such-course', '..%2F..%2Fetc', '%00', encodeURIComponent('<script>'), 'x'.repeat(2000), encodeURIComponent('课程')),
      body: hostileBody({ courseId: 1 }),
      contentType: fc.constantFrom(...CONTENT_TYPES),
    }).map(({ slug, body, contentType }) => ({ path: `/learn/courses/${slug}/quiz`, body, contentType, foreignPath: slug !== s.slug })),
  judge(o, writes, req) {
    if (o.status >= 500) return `server error ${o.status}: ${o.text.slice(0, 300)}`;
    if (o.status === 303) return null;
    if (o.status === 404 && req.foreignPath) return writes.length ? `404 but wrote ${writes.join(', ')}` : null;
    return `unexpected ${o.status}: ${o.text.slice(0, 200)}`;
  },
};

export const jsonCases = [answer, xapi, sync, quiz] as JsonCase<unknown>[];
