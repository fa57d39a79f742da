import { lstatSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { CONTENT_EXTENSIONS, LIBRARY_EXTRA_EXTENSIONS, pathProblem } from './package';

/**
 * Serving H5P files (/h5p/files/...): a path inside one root, of an allowed type, a regular file (never a
 * symlink), with its content type. Anything else is "not found".
 */

export const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  eot: 'application/vnd.ms-fontobject',
  ttf: 'font/ttf',
  otf: 'font/otf',
  woff: 'font/woff',
  woff2: 'font/woff2',
  webm: 'video/webm',
  mp4: 'video/mp4',
  ogg: 'audio/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
  txt: 'text/plain; charset=utf-8',
  md: 'text/plain; charset=utf-8',
  textile: 'text/plain; charset=utf-8',
  diff: 'text/plain; charset=utf-8',
  patch: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml',
  vtt: 'text/vtt; charset=utf-8',
  webvtt: 'text/vtt; charset=utf-8',
  pdf: 'application/pdf',
  gltf: 'model/gltf+json',
  glb: 'model/gltf-binary',
};

const SERVABLE = new Set<string>([...CONTENT_EXTENSIONS, ...LIBRARY_EXTRA_EXTENSIONS]);

export interface ServedFile {
  path: string;
  size: number;
  contentType: string;
}

/** The file `rel` (URL path below the root, already percent-decoded) inside `root`, or null. */
export function resolveServedFile(root: string, rel: string): ServedFile | null {
  if (!rel || rel.endsWith('/') || pathProblem(rel)) return null;
  if (rel.split('/').some((s) => s === '' || s.startsWith('.'))) return null;
  const ext = rel.slice(rel.lastIndexOf('.') + 1).toLowerCase();
  if (!rel.includes('.') || !SERVABLE.has(ext)) return null;
  const base = resolve(root);
  const path = resolve(base, rel);
  if (!path.startsWith(base + sep)) return null;
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return null;
    return { path, size: st.size, contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}

/** A single "bytes=a-b" range within the file, or null (then the whole file is sent). */
export function parseRange(header: string | null, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
