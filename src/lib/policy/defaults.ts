import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { regions } from '../../../db/schema/index';
import { addPolicyVersion } from './policy';

const defaultSchema = z.object({
  kind: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  note: z.string().optional(),
  body: z.record(z.unknown()),
});
export type PolicyDefault = z.infer<typeof defaultSchema>;

/** content/policies/*.yaml: the province defaults of every rule kind. */
export function loadPolicyDefaults(root: string): PolicyDefault[] {
  const dir = join(root, 'policies');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const r = defaultSchema.safeParse(parseYaml(readFileSync(join(dir, f), 'utf8')));
      if (!r.success) throw new Error(`content/policies/${f}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return r.data;
    });
}

/** Attaches each default to the province (level 1) as an immutable version; existing versions are kept. */
export function syncPolicyDefaults(db: Db, defaults: PolicyDefault[], now = Date.now()): number {
  const province = db.select().from(regions).where(eq(regions.level, 1)).get();
  if (!province) return 0;
  for (const d of defaults) {
    addPolicyVersion(db, { kind: d.kind, regionId: province.id, version: d.version, effectiveFrom: d.effectiveFrom, body: d.body, note: d.note ?? null }, now);
  }
  return defaults.length;
}
