import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The route files of src/pages that change state (moved here from harden.spec.ts so other specs can import it without running its tests). */
export interface Route {
  file: string;
  path: string;
  methods: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

/** Files exporting POST/PUT/PATCH/DELETE, and .astro pages that handle a POST. */
export function stateChangingRoutes(root = 'src/pages'): Route[] {
  const out: Route[] = [];
  for (const file of walk(root)) {
    const src = readFileSync(file, 'utf8');
    let methods: string[] = [];
    if (/\.(ts|js)$/.test(file)) {
      methods = [...src.matchAll(/export\s+(?:const|async\s+function|function)\s+(POST|PUT|PATCH|DELETE|ALL)\b/g)].map((m) => (m[1] === 'ALL' ? 'POST' : m[1]!));
    } else if (file.endsWith('.astro') && (/request\.method\s*===?\s*['"]POST['"]/.test(src) || /method=["']post["']/i.test(src))) {
      methods = ['POST'];
    }
    if (methods.length === 0) continue;
    let path = '/' + relative(root, file).replace(/\.(astro|ts|js)$/, '');
    path = path.replace(/\/index$/, '') || '/';
    path = path.replace(/\[\.\.\.[^\]]+\]/g, 'a/b').replace(/\[[^\]]+\]/g, '1');
    out.push({ file, path, methods: [...new Set(methods)] });
  }
  return out;
}

