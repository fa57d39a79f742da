import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z, type ZodTypeAny } from 'zod';
import { zhCN } from '../../../src/i18n/zh-CN';
import { en } from '../../../src/i18n/en';
import { parseSkillRules } from '../../../src/lib/skills/rules';
import { loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { ROLES } from '../../../db/schema/auth';

/**
 * Issue 10: every field that can carry an error has a label in both catalogs, so a message never shows
 * "field.xxx". The list is read from the code — schema keys, FieldError fields, errors set by pages, the
 * offline outbox's rejections, fields rendered with t.field — so a new field without a label fails here.
 */

const HAN = /\p{Script=Han}/u;
const zh = zhCN as Record<string, string>;
const enCat = en as Record<string, string>;

function walk(dir: string, exts: string[]): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p, exts) : exts.some((e) => p.endsWith(e)) ? [p] : [];
  });
}

const SRC = walk(resolve('src'), ['.ts', '.astro', '.svelte']).filter((f) => !f.includes(`${join('src', 'i18n')}`));
const read = (f: string) => readFileSync(f, 'utf8');

/** Fields the code names as the bearer of an error, with where they were found. */
function fieldsFromCode(): Map<string, string> {
  const found = new Map<string, string>();
  const add = (name: string, where: string) => {
    // a_<key>: practical-rubric areas, labelled by the area's name from the policy (train/skills/[id].astro)
    if (!name.startsWith('a_') && !found.has(name)) found.set(name, where);
  };
  for (const f of SRC) {
    const src = read(f);
    const rel = f.slice(resolve('.').length + 1);
    // new FieldError('x', …) and new FieldError(cond ? 'x' : 'y', …)
    for (const m of src.matchAll(/new FieldError\(\s*([^,]+?),/g)) {
      const arg = m[1]!.replace(/[\w.]+\s*===?\s*'[^']*'/g, '');
      for (const q of arg.matchAll(/'([A-Za-z_]\w*)'/g)) add(q[1]!, `${rel}: FieldError`);
    }
    // errors.x = …, errors['x'] = …, { x: { key: 'v.…' } }
    for (const m of src.matchAll(/\b\w*[eE]rrors(?:\.(\w+)|\[['"](\w+)['"]\])\s*=[^=]/g)) add((m[1] ?? m[2])!, `${rel}: errors.x =`);
    for (const m of src.matchAll(/[{,]\s*(\w+):\s*\{\s*key:\s*'v\./g)) add(m[1]!, `${rel}: { x: { key } }`);
    // the outbox's rejections: reject(id, 'x', …)
    for (const m of src.matchAll(/\breject\(\s*[\w.]+,\s*'(\w+)'/g)) add(m[1]!, `${rel}: reject()`);
    // rendered: t.field('x', …), <Field name="x">, <WorkControl name="x">
    for (const m of src.matchAll(/\bt\.field\(\s*'(\w+)'/g)) add(m[1]!, `${rel}: t.field`);
    for (const m of src.matchAll(/<(?:Field|WorkControl)\b[^>]*?\sname="(\w+)"/g)) add(m[1]!, `${rel}: <Field name>`);
  }
  return found;
}

/** Top-level keys of a zod schema (objects, intersections, effects, pipelines). */
function keysOf(s: ZodTypeAny): string[] {
  if (s instanceof z.ZodObject) return Object.keys(s.shape as object);
  if (s instanceof z.ZodEffects) return keysOf(s.innerType());
  if (s instanceof z.ZodIntersection) return [...keysOf(s._def.left), ...keysOf(s._def.right)];
  if (s instanceof z.ZodPipeline) return keysOf(s._def.in);
  if (s instanceof z.ZodDiscriminatedUnion) return [...new Set((s.options as ZodTypeAny[]).flatMap(keysOf))];
  return [];
}

describe('field labels (zh-CN and en) for every field that can carry an error', () => {
  it('fields named in the code have a Chinese and an English label', () => {
    const fields = fieldsFromCode();
    expect(fields.size).toBeGreaterThan(40);
    const missing = [...fields].filter(([f]) => !HAN.test(zh[`field.${f}`] ?? '') || !enCat[`field.${f}`]).map(([f, where]) => `field.${f} (${where})`);
    expect(missing, 'add the labels to src/i18n (modules/*.zh-CN.ts and *.en.ts)').toEqual([]);
  });

  it('keys of every form schema (src/lib/**/schemas.ts, appealFormSchema) have both labels', async () => {
    const rules = parseSkillRules(loadPolicyDefaults(resolve('content')).find((d) => d.kind === 'skill-levels')!.body);
    const files = [...walk(resolve('src/lib'), ['schemas.ts']), resolve('src/lib/subsidy/director.ts')];
    const keys = new Map<string, string>();
    for (const f of files) {
      const mod = (await import(pathToFileURL(f).href)) as Record<string, unknown>;
      for (const [name, v] of Object.entries(mod)) {
        const schema = v instanceof z.ZodType ? v : typeof v === 'function' && /FormSchema$/.test(name) ? ((v as (r: unknown) => unknown)(rules) as ZodTypeAny) : null;
        if (!(schema instanceof z.ZodType)) continue;
        // a query schema (peopleQuerySchema) never fails: bad parameters are dropped with .catch
        if (/QuerySchema$/.test(name)) continue;
        for (const k of keysOf(schema)) if (!k.startsWith('a_') && !keys.has(k)) keys.set(k, name);
      }
    }
    expect(keys.size).toBeGreaterThan(40);
    const missing = [...keys].filter(([k]) => !HAN.test(zh[`field.${k}`] ?? '') || !enCat[`field.${k}`]).map(([k, s]) => `field.${k} (${s})`);
    expect(missing).toEqual([]);
  });

  it('every validation message key used in the code exists in both catalogs', () => {
    const keys = new Set<string>();
    const formOnly = new Map<string, boolean>();
    for (const f of SRC) {
      const src = read(f);
      for (const m of src.matchAll(/new FieldError\(\s*'(\w+)',\s*'(v\.[\w.]+)'/g)) formOnly.set(m[2]!, (formOnly.get(m[2]!) ?? true) && m[1] === '_form');
      for (const m of src.matchAll(/\bmsg\(\s*'(v\.[\w.]+)'/g)) keys.add(m[1]!);
      for (const m of src.matchAll(/new FieldError\([^;]*?'(v\.[\w.]+)'/g)) keys.add(m[1]!);
      // v.* and module-local validation keys such as so.v.tooLong
      for (const m of src.matchAll(/\bkey:\s*'((?:[a-z]+\.)?v\.[\w.]+)'/g)) keys.add(m[1]!);
      for (const m of src.matchAll(/\breject\([^;]*?'(v\.[\w.]+)'/g)) keys.add(m[1]!);
    }
    // built at run time: `v.roleLevel.${role}`
    for (const r of ROLES) keys.add(`v.roleLevel.${r}`);
    expect(keys.size).toBeGreaterThan(60);
    const missing = [...keys].filter((k) => !(k in zh) || !(k in enCat));
    expect(missing).toEqual([]);
    // every message of a form field puts the label first (the import's per-row messages, and messages only
    // ever raised on the whole form, are sentences of their own)
    const noField = [...keys].filter((k) => !k.startsWith('v.import.') && !formOnly.get(k) && !zh[k]!.startsWith('{field}：'));
    expect(noField, 'zh-CN field messages start with "{field}："').toEqual([]);
  });
});
