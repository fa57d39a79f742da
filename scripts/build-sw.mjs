/**
 * After `astro build`: writes dist/client/sw.js from scripts/sw/sw.js, prefixed with the exact list of
 * built assets to precache and a version hashed from that list and the worker's own source, so a deploy
 * that changes anything installs a new worker and the old caches are replaced (ADR 0016).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const client = 'dist/client';
if (!existsSync(client)) {
  console.error('build-sw: dist/client is missing; run astro build first');
  process.exit(1);
}
// the shell: built CSS and JS (fonts and the H5P player are fetched when used), icons, manifest, offline page
const assets = readdirSync(join(client, '_astro'))
  .filter((f) => /\.(css|js)$/.test(f))
  .sort()
  .map((f) => `/_astro/${f}`);
const statics = ['/offline.html', '/offline.css', '/manifest.webmanifest', '/favicon.svg', '/icons/icon-192.png'].filter((p) => existsSync(join(client, p)));
const precache = [...statics, ...assets];
const source = readFileSync('scripts/sw/sw.js', 'utf8');
const h = createHash('sha256').update(source);
for (const p of precache) h.update(p).update(readFileSync(join(client, p)));
const version = h.digest('hex').slice(0, 12);
const bytes = precache.reduce((n, p) => n + statSync(join(client, p)).size, 0);
writeFileSync(
  join(client, 'sw.js'),
  `self.TONGHU_VERSION = ${JSON.stringify(version)};\nself.TONGHU_PRECACHE = ${JSON.stringify(precache)};\n${source}`,
);
console.log(`build-sw: sw.js ${version}, ${precache.length} files precached (${Math.round(bytes / 1024)} KB uncompressed)`);
