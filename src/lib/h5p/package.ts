import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { FieldError } from '../errors';
import { h5pJsonSchema, libraryFolder, type H5pJson } from './h5p-json';
import { firstIssue, zhErrorMap } from './issues';

/**
 * Reading an uploaded .h5p (a zip) without trusting it. Everything is checked from the central directory
 * before a byte is written: entry count, declared sizes (zip bomb), absolute paths and `..` (zip-slip),
 * symlinks and other non-regular files (Unix mode in the external attributes), encryption, compression
 * method, file types (H5P's default whitelist) and h5p.json. Extraction then writes only regular files,
 * only below the target folder, counting the bytes actually inflated.
 *
 * Every refusal is a FieldError on the field `file` with a `v.h5p.*` message key (src/i18n), so the
 * trainer reads the reason in Chinese.
 */

export interface PackageLimits {
  /** size of the .h5p file itself */
  maxUploadBytes: number;
  maxEntries: number;
  /** all files together once inflated */
  maxUnpackedBytes: number;
  /** one file once inflated */
  maxEntryBytes: number;
}

const MB = 1024 * 1024;
export const DEFAULT_LIMITS: PackageLimits = {
  maxUploadBytes: 20 * MB,
  maxEntries: 2000,
  maxUnpackedBytes: 100 * MB,
  maxEntryBytes: 50 * MB,
};

/**
 * H5P core's default content whitelist (H5PCore::$defaultContentWhitelist in h5p-php-library, with gltf
 * and glb added in 2021), less `swf`: no browser plays Flash and it only widens what an upload can carry.
 * Libraries may also carry js and css ($defaultLibraryWhitelistExtras); content may not.
 */
export const CONTENT_EXTENSIONS = [
  'json', 'png', 'jpg', 'jpeg', 'gif', 'bmp', 'tif', 'tiff', 'svg', 'eot', 'ttf', 'woff', 'woff2', 'otf',
  'webm', 'mp4', 'ogg', 'mp3', 'm4a', 'wav', 'txt', 'pdf', 'rtf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx',
  'odt', 'ods', 'odp', 'xml', 'csv', 'diff', 'patch', 'md', 'textile', 'vtt', 'webvtt', 'gltf', 'glb',
] as const;
export const LIBRARY_EXTRA_EXTENSIONS = ['js', 'css'] as const;

const CONTENT_SET = new Set<string>(CONTENT_EXTENSIONS);
const LIBRARY_SET = new Set<string>([...CONTENT_EXTENSIONS, ...LIBRARY_EXTRA_EXTENSIONS]);

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function reject(key: string, params: Record<string, string | number> = {}): never {
  throw new FieldError('file', `v.h5p.${key}`, params);
}

/** A name fit to show in a message: no control characters, at most 80 characters. */
export function shownName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}…` : clean;
}

function mb(n: number): string {
  return (n / MB).toFixed(n < 10 * MB ? 1 : 0);
}

/** "356 KB", "4.2 MB": a size as a trainer reads it. */
export function fileSize(bytes: number): string {
  return bytes < MB ? `${Math.max(1, Math.ceil(bytes / 1024))} KB` : `${mb(bytes)} MB`;
}

export interface PackageEntry {
  name: string;
  directory: boolean;
  /** operating-system litter (.DS_Store, __MACOSX/): checked for safety, not extracted */
  skipped: boolean;
  size: number;
  entry: yauzl.Entry;
}

/** Why a name is unsafe, or null. Backslashes count as separators (some Windows tools write them). */
export function pathProblem(raw: string): { key: string } | null {
  if (raw.length === 0 || raw.length > 400 || raw.includes('\0')) return { key: 'badName' };
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return { key: 'absolutePath' };
  const segments = name.split('/');
  if (segments.includes('..')) return { key: 'zipSlip' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f:*?"<>|]/.test(name)) return { key: 'badName' };
  return null;
}

/** Unix file type from the external attributes (0 when the zip was not made on Unix). */
export function unixFileType(entry: Pick<yauzl.Entry, 'externalFileAttributes'>): number {
  return ((entry.externalFileAttributes >>> 16) & S_IFMT) >>> 0;
}

function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

async function readAll(stream: NodeJS.ReadableStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new Error('too long');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export interface OpenedPackage {
  h5p: H5pJson;
  entries: PackageEntry[];
  /** regular files that will be extracted */
  files: number;
  unpackedBytes: number;
  /** Writes the files below `dest` (which must not exist yet or be empty). */
  extractTo(dest: string): Promise<void>;
  close(): void;
}

/**
 * Opens and checks an .h5p held in memory. Throws FieldError('file', 'v.h5p.…') with the first reason to
 * refuse it. The caller must `close()` the result.
 */
export async function openPackage(buf: Buffer, limits: PackageLimits = DEFAULT_LIMITS): Promise<OpenedPackage> {
  if (buf.length > limits.maxUploadBytes) reject('tooLarge', { size: mb(buf.length), max: mb(limits.maxUploadBytes) });
  if (buf.length < 22 || buf.readUInt32LE(0) !== 0x04034b50) reject('notZip');
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: false });
  } catch {
    reject('notZip');
  }
  try {
    if (zip.entryCount > limits.maxEntries) reject('tooManyEntries', { n: zip.entryCount, max: limits.maxEntries });
    const entries: PackageEntry[] = [];
    const seen = new Set<string>();
    let unpacked = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        const raw = entry.fileNameRaw;
        const flag = entry.generalPurposeBitFlag;
        // the name yauzl itself would use (UTF-8 flag, Info-ZIP Unicode path field), backslashes intact for the check
        const decoded = yauzl.getFileNameLowLevel(flag, raw, entry.extraFields, true);
        const problem = pathProblem(decoded);
        if (problem) reject(problem.key, { name: shownName(decoded) });
        const name = decoded.replace(/\\/g, '/');
        const type = unixFileType(entry);
        if (type === S_IFLNK) reject('symlink', { name: shownName(name) });
        if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) reject('specialFile', { name: shownName(name) });
        const directory = name.endsWith('/') || type === S_IFDIR;
        if (entry.isEncrypted()) reject('encrypted', { name: shownName(name) });
        if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) reject('compression', { name: shownName(name) });
        const key = name.replace(/\/+$/, '').replace(/\/{2,}/g, '/').toLowerCase();
        if (seen.has(key)) reject('duplicate', { name: shownName(name) });
        seen.add(key);
        if (!directory && entry.uncompressedSize > limits.maxEntryBytes) reject('entryTooBig', { name: shownName(name), max: mb(limits.maxEntryBytes) });
        unpacked += directory ? 0 : entry.uncompressedSize;
        if (unpacked > limits.maxUnpackedBytes) reject('tooBigUnpacked', { max: mb(limits.maxUnpackedBytes) });
        const segments = name.split('/').filter(Boolean);
        const skipped = segments.some((s) => s.startsWith('.') || s === '__MACOSX');
        if (!directory && !skipped) {
          const ext = extensionOf(name);
          const inLibrary = segments.length > 1 && segments[0] !== 'content';
          if (!(inLibrary ? LIBRARY_SET : CONTENT_SET).has(ext)) {
            if (LIBRARY_SET.has(ext)) reject('scriptInContent', { name: shownName(name) });
            reject('extension', { name: shownName(name), ext: ext || '（无扩展名）' });
          }
        }
        entries.push({ name, directory, skipped, size: entry.uncompressedSize, entry });
      }
    } catch (e) {
      if (e instanceof FieldError) throw e;
      reject('notZip');
    }

    const byName = new Map(entries.filter((e) => !e.directory && !e.skipped).map((e) => [e.name, e]));
    const h5pEntry = byName.get('h5p.json');
    if (!h5pEntry) reject('noH5pJson');
    let json: unknown;
    try {
      const text = (await readAll(await zip.openReadStreamPromise(h5pEntry.entry), 256 * 1024)).toString('utf8').replace(/^\uFEFF/, '');
      json = JSON.parse(text);
    } catch {
      reject('h5pJsonSyntax');
    }
    const parsed = h5pJsonSchema.safeParse(json, { errorMap: zhErrorMap });
    if (!parsed.success) {
      const { field, problem } = firstIssue(parsed.error);
      reject('h5pJson', { path: field, problem });
    }
    const h5p = parsed.data;
    if (!byName.has('content/content.json')) reject('noContentJson');
    for (const d of h5p.preloadedDependencies) {
      const folder = libraryFolder(d);
      if (!byName.has(`${folder}/library.json`) && !byName.has(`${d.machineName}/library.json`)) reject('missingLibrary', { folder });
    }
    const files = entries.filter((e) => !e.directory && !e.skipped);
    return {
      h5p,
      entries,
      files: files.length,
      unpackedBytes: files.reduce((n, e) => n + e.size, 0),
      extractTo: (dest) => extract(zip, files, dest),
      close: () => zip.close(),
    };
  } catch (e) {
    zip.close();
    throw e;
  }
}

async function extract(zip: yauzl.ZipFile, files: PackageEntry[], destDir: string): Promise<void> {
  const dest = resolve(destDir);
  mkdirSync(dest, { recursive: true });
  for (const f of files) {
    const target = resolve(dest, f.name);
    // checked above already; a second, independent check right where the write happens
    if (!target.startsWith(dest + sep)) reject('zipSlip', { name: shownName(f.name) });
    mkdirSync(dirname(target), { recursive: true });
    let written = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        if (written > f.size) cb(new Error('entry larger than declared'));
        else cb(null, chunk);
      },
    });
    try {
      const stream = await zip.openReadStreamPromise(f.entry);
      // 'wx': never follow or overwrite anything already there
      await pipeline(stream, limit, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
    } catch {
      reject('corrupt', { name: shownName(f.name) });
    }
  }
}
