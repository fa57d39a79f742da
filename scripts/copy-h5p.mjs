// Copies the h5p-standalone player (installed from npm, pinned in package.json) into public/h5p-player/
// before `astro build`, so the player is served from this site and never committed. Run by `npm run build`.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'node_modules', 'h5p-standalone', 'dist');
const to = join(root, 'public', 'h5p-player');
const files = ['main.bundle.js', 'frame.bundle.js', 'styles', 'fonts', 'images'];

if (!existsSync(join(from, 'main.bundle.js'))) {
  console.error('copy-h5p: node_modules/h5p-standalone/dist is missing; run npm install first.');
  process.exit(1);
}
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
for (const f of files) cpSync(join(from, f), join(to, f), { recursive: true });
cpSync(join(from, '..', 'LICENSE'), join(to, 'LICENSE.txt'));
console.log(`copy-h5p: h5p-standalone player copied to ${to}`);
