import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { h5pJsonSchema, libraryFolder, libraryJsonSchema, type H5pJson } from './h5p-json';
import { zhErrorMap } from './issues';

/**
 * Built-in activities: content/h5p/<slug>/ (h5p.json + content/content.json) played with the libraries in
 * content/h5p/libraries/ (Tonghu.BranchingScenario, Tonghu.QuestionSet, Tonghu.Theme), which are written
 * here in H5P library format because content-type libraries are not published on npm.
 */

export const LIBRARIES_DIR = 'libraries';
export const ACTIVITY_SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface BuiltinActivity {
  slug: string;
  title: string;
  mainLibrary: string;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/** A built-in activity's slug. "u-" + 16 hex digits is reserved for uploaded packages. */
export function isActivitySlug(slug: string): boolean {
  return ACTIVITY_SLUG.test(slug) && slug !== LIBRARIES_DIR && slug.length <= 80 && !/^u-[0-9a-f]{16}$/.test(slug);
}

/** Slugs of the folders under content/h5p that hold an h5p.json (no parsing: cheap enough per request). */
export function builtinActivitySlugs(h5pRoot: string): string[] {
  if (!existsSync(h5pRoot)) return [];
  return readdirSync(h5pRoot)
    .filter((d) => isActivitySlug(d) && existsSync(join(h5pRoot, d, 'h5p.json')))
    .sort();
}

export function getBuiltinActivity(h5pRoot: string, slug: string): BuiltinActivity | null {
  if (!isActivitySlug(slug)) return null;
  const file = join(h5pRoot, slug, 'h5p.json');
  if (!existsSync(file)) return null;
  const parsed = h5pJsonSchema.safeParse(readJson(file));
  if (!parsed.success) return null;
  return { slug, title: parsed.data.title, mainLibrary: parsed.data.mainLibrary };
}

export function listBuiltinActivities(h5pRoot: string): BuiltinActivity[] {
  return builtinActivitySlugs(h5pRoot)
    .map((s) => getBuiltinActivity(h5pRoot, s))
    .filter((a): a is BuiltinActivity => a !== null);
}

// ---------------------------------------------------------------- content of the built-in types

const text = z.string().trim().min(2).max(400);
const texts = z.union([text, z.array(text).min(1).max(6)]);
const id = z.string().regex(/^[a-z0-9-]{1,40}$/);

export const scenarioContentSchema = z.object({
  title: z.string().min(2).max(60),
  intro: texts,
  start: id,
  maxScore: z.number().int().min(1).max(100),
  passScore: z.number().int().min(0).max(100).optional(),
  labels: z.record(z.string()).optional(),
  nodes: z
    .array(
      z.object({
        id,
        title: z.string().max(60).optional(),
        text: texts,
        question: z.string().max(120).optional(),
        choices: z
          .array(z.object({ text: z.string().trim().min(2).max(160), next: id, feedback: texts.optional(), tone: z.enum(['bad', 'warn']).optional() }))
          .min(2)
          .max(5),
      }),
    )
    .min(1),
  endings: z
    .array(
      z.object({
        id,
        title: z.string().min(2).max(60),
        score: z.number().int().min(0),
        feedback: texts,
        citations: z.array(z.string().min(2).max(80)).optional(),
      }),
    )
    .min(2),
});
export type ScenarioContent = z.infer<typeof scenarioContentSchema>;

export const questionSetContentSchema = z.object({
  title: z.string().min(2).max(60),
  intro: texts,
  passRatio: z.number().min(0).max(1).optional(),
  labels: z.record(z.string()).optional(),
  questions: z
    .array(
      z.object({
        id,
        text: z.string().trim().min(4).max(200),
        options: z.array(z.string().trim().min(1).max(100)).min(2).max(6),
        answer: z.number().int().min(0),
        explanation: texts,
        citation: z.string().max(120).optional(),
      }),
    )
    .min(3)
    .max(30),
});
export type QuestionSetContent = z.infer<typeof questionSetContentSchema>;

/** Problems of a scenario beyond its shape: dangling links, unreachable steps, no passing ending. */
export function scenarioProblems(c: ScenarioContent): string[] {
  const problems: string[] = [];
  const nodes = new Map(c.nodes.map((n) => [n.id, n]));
  const endings = new Map(c.endings.map((e) => [e.id, e]));
  if (nodes.size !== c.nodes.length || endings.size !== c.endings.length) problems.push('有重复的 id');
  for (const k of nodes.keys()) if (endings.has(k)) problems.push(`id ${k} 既是步骤又是结局`);
  if (!nodes.has(c.start)) problems.push(`start ${c.start} 不是一个步骤`);
  const passScore = c.passScore ?? c.maxScore;
  if (passScore > c.maxScore) problems.push('passScore 大于 maxScore');
  for (const e of c.endings) if (e.score > c.maxScore) problems.push(`结局 ${e.id} 的得分大于 maxScore`);
  for (const n of c.nodes) for (const ch of n.choices) if (!nodes.has(ch.next) && !endings.has(ch.next)) problems.push(`步骤 ${n.id} 的选项指向不存在的 ${ch.next}`);
  // every step and ending reachable from the start; a passing ending reachable
  const seen = new Set<string>();
  const queue = [c.start];
  while (queue.length) {
    const k = queue.shift()!;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const ch of nodes.get(k)?.choices ?? []) queue.push(ch.next);
  }
  for (const k of [...nodes.keys(), ...endings.keys()]) if (!seen.has(k)) problems.push(`${k} 从开头走不到`);
  if (!c.endings.some((e) => e.score >= passScore && seen.has(e.id))) problems.push('没有能走到的及格结局');
  if (!c.endings.some((e) => e.score < passScore)) problems.push('没有不及格的结局：选项都对，练不出判断');
  return problems;
}

export function questionSetProblems(c: QuestionSetContent): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const q of c.questions) {
    if (ids.has(q.id)) problems.push(`题目 id ${q.id} 重复`);
    ids.add(q.id);
    if (q.answer >= q.options.length) problems.push(`题目 ${q.id} 的答案序号超出选项`);
    if (new Set(q.options).size !== q.options.length) problems.push(`题目 ${q.id} 有重复选项`);
  }
  return problems;
}

/**
 * Every problem of the built-in activities and libraries (content test and start-up checks): h5p.json
 * well-formed, every dependency present in content/h5p/libraries with a valid library.json and its files,
 * and content.json valid for its content type.
 */
export function checkBuiltinActivities(h5pRoot: string): string[] {
  const problems: string[] = [];
  const libDir = join(h5pRoot, LIBRARIES_DIR);
  const checkedLibs = new Set<string>();
  const checkLibrary = (folder: string, where: string) => {
    if (checkedLibs.has(folder)) return;
    checkedLibs.add(folder);
    const file = join(libDir, folder, 'library.json');
    if (!existsSync(file)) {
      problems.push(`${where}: 缺少库 ${folder}（content/h5p/libraries/${folder}/library.json）`);
      return;
    }
    const lib = libraryJsonSchema.safeParse(readJson(file), { errorMap: zhErrorMap });
    if (!lib.success) {
      problems.push(`libraries/${folder}/library.json: ${lib.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      return;
    }
    if (libraryFolder(lib.data) !== folder) problems.push(`libraries/${folder}: 目录名应为 ${libraryFolder(lib.data)}`);
    for (const f of [...(lib.data.preloadedJs ?? []), ...(lib.data.preloadedCss ?? [])]) {
      if (!existsSync(join(libDir, folder, f.path))) problems.push(`libraries/${folder}: 缺少文件 ${f.path}`);
    }
    for (const d of lib.data.preloadedDependencies ?? []) checkLibrary(libraryFolder(d), `libraries/${folder}`);
  };
  for (const slug of builtinActivitySlugs(h5pRoot)) {
    const where = `content/h5p/${slug}`;
    let h5p: H5pJson;
    try {
      const parsed = h5pJsonSchema.safeParse(readJson(join(h5pRoot, slug, 'h5p.json')), { errorMap: zhErrorMap });
      if (!parsed.success) {
        problems.push(`${where}/h5p.json: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
        continue;
      }
      h5p = parsed.data;
    } catch (e) {
      problems.push(`${where}/h5p.json: 不是有效的 JSON (${(e as Error).message})`);
      continue;
    }
    for (const d of h5p.preloadedDependencies) checkLibrary(libraryFolder(d), where);
    const contentFile = join(h5pRoot, slug, 'content', 'content.json');
    if (!existsSync(contentFile)) {
      problems.push(`${where}: 缺少 content/content.json`);
      continue;
    }
    let content: unknown;
    try {
      content = readJson(contentFile);
    } catch (e) {
      problems.push(`${where}/content/content.json: 不是有效的 JSON (${(e as Error).message})`);
      continue;
    }
    if (h5p.mainLibrary === 'Tonghu.BranchingScenario') {
      const c = scenarioContentSchema.safeParse(content, { errorMap: zhErrorMap });
      if (!c.success) problems.push(`${where}/content/content.json: ${c.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      else for (const p of scenarioProblems(c.data)) problems.push(`${where}: ${p}`);
      if (c.success && c.data.title !== h5p.title) problems.push(`${where}: h5p.json 与 content.json 的标题不一致`);
    } else if (h5p.mainLibrary === 'Tonghu.QuestionSet') {
      const c = questionSetContentSchema.safeParse(content, { errorMap: zhErrorMap });
      if (!c.success) problems.push(`${where}/content/content.json: ${c.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
      else for (const p of questionSetProblems(c.data)) problems.push(`${where}: ${p}`);
      if (c.success && c.data.title !== h5p.title) problems.push(`${where}: h5p.json 与 content.json 的标题不一致`);
    }
  }
  return problems;
}
