import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPackage, DEFAULT_LIMITS, pathProblem, type PackageLimits } from '../../../src/lib/h5p/package';
import { FieldError } from '../../../src/lib/errors';
import { buildZip, validH5pEntries, type ZipEntrySpec } from '../../factories/zip';
import { translator } from '../../../src/i18n/index';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tonghu-h5p-'));
  dirs.push(d);
  return d;
}

/** The refusal of an archive: its message key and parameters (fails the test when it is accepted). */
async function refusal(entries: ZipEntrySpec[] | Buffer, limits: PackageLimits = DEFAULT_LIMITS): Promise<FieldError> {
  const buf = Buffer.isBuffer(entries) ? entries : buildZip(entries);
  try {
    const p = await openPackage(buf, limits);
    p.close();
  } catch (e) {
    expect(e).toBeInstanceOf(FieldError);
    expect((e as FieldError).field).toBe('file');
    return e as FieldError;
  }
  throw new Error('the package was accepted');
}

const zh = translator('zh-CN');
const say = (e: FieldError) => zh.field(e.field, { key: e.key, params: e.params });

describe('a valid package', () => {
  it('opens, reports its h5p.json, and extracts only regular files below the target', async () => {
    const p = await openPackage(buildZip(validH5pEntries('走访练习')));
    expect(p.h5p.title).toBe('走访练习');
    expect(p.h5p.mainLibrary).toBe('Tonghu.QuestionSet');
    expect(p.files).toBe(7); // .DS_Store is skipped, the directory entry is not a file
    const dest = join(tmp(), 'out');
    await p.extractTo(dest);
    p.close();
    expect(readdirSync(dest).sort()).toEqual(['Tonghu.QuestionSet-1.0', 'Tonghu.Theme-1.0', 'content', 'h5p.json']);
    expect(existsSync(join(dest, '.DS_Store'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dest, 'content', 'content.json'), 'utf8')).questions).toHaveLength(3);
    expect(lstatSync(join(dest, 'content', 'images', 'dot.png')).isFile()).toBe(true);
  });
});

describe('malicious or broken packages are refused, with the reason in Chinese', () => {
  it('zip-slip: ../../evil.js', async () => {
    const e = await refusal([...validH5pEntries(), { name: '../../evil.js', data: 'alert(1)' }]);
    expect(e.key).toBe('v.h5p.zipSlip');
    expect(say(e)).toContain('../../evil.js');
    expect(say(e)).toContain('跳出解压目录');
  });

  it('zip-slip hidden in a library folder and with Windows separators', async () => {
    expect((await refusal([...validH5pEntries(), { name: 'Tonghu.Theme-1.0/../../../etc/cron.d/x.css', data: 'x' }])).key).toBe('v.h5p.zipSlip');
    expect((await refusal([...validH5pEntries(), { name: 'content\\..\\..\\evil.json', data: '{}' }])).key).toBe('v.h5p.zipSlip');
  });

  it('absolute paths', async () => {
    const e = await refusal([...validH5pEntries(), { name: '/etc/passwd.txt', data: 'x' }]);
    expect(e.key).toBe('v.h5p.absolutePath');
    expect(say(e)).toContain('绝对路径');
    expect((await refusal([...validH5pEntries(), { name: 'C:/Windows/evil.txt', data: 'x' }])).key).toBe('v.h5p.absolutePath');
  });

  it('symlinks (Unix mode in the external attributes)', async () => {
    const e = await refusal([...validH5pEntries(), { name: 'content/images/link.png', data: '/etc/passwd', mode: 0o120777 }]);
    expect(e.key).toBe('v.h5p.symlink');
    expect(say(e)).toContain('符号链接');
  });

  it('other non-regular files (a FIFO)', async () => {
    expect((await refusal([...validH5pEntries(), { name: 'content/pipe.txt', data: '', mode: 0o010644 }])).key).toBe('v.h5p.specialFile');
  });

  it('too many entries', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `content/images/${i}.png`, data: 'x' }));
    const e = await refusal([...validH5pEntries(), ...many], { ...DEFAULT_LIMITS, maxEntries: 25 });
    expect(e.key).toBe('v.h5p.tooManyEntries');
    expect(e.params).toMatchObject({ max: 25 });
  });

  it('a zip bomb by declared size: the total unpacked size is over the cap', async () => {
    const e = await refusal([...validH5pEntries(), { name: 'content/big.txt', data: 'small', deflate: true, declaredSize: 3_000_000_000 }]);
    expect(['v.h5p.entryTooBig', 'v.h5p.tooBigUnpacked']).toContain(e.key);
    const e2 = await refusal(
      [...validH5pEntries(), ...Array.from({ length: 5 }, (_, i) => ({ name: `content/z${i}.txt`, data: Buffer.alloc(300_000), deflate: true }))],
      { ...DEFAULT_LIMITS, maxUnpackedBytes: 1_000_000 },
    );
    expect(e2.key).toBe('v.h5p.tooBigUnpacked');
    expect(say(e2)).toContain('压缩炸弹');
  });

  it('a zip bomb that lies about its size is stopped while extracting', async () => {
    const p = await openPackage(buildZip([...validH5pEntries(), { name: 'content/liar.txt', data: Buffer.alloc(2_000_000), deflate: true, declaredSize: 100 }]));
    const dest = join(tmp(), 'out');
    await expect(p.extractTo(dest)).rejects.toMatchObject({ key: 'v.h5p.corrupt' });
    p.close();
  });

  it('file types outside H5P\'s whitelist, and scripts in content/', async () => {
    const e = await refusal([...validH5pEntries(), { name: 'content/run.exe', data: 'MZ' }]);
    expect(e.key).toBe('v.h5p.extension');
    expect(e.params).toMatchObject({ ext: 'exe' });
    expect((await refusal([...validH5pEntries(), { name: 'content/page.html', data: '<script>' }])).key).toBe('v.h5p.extension');
    expect((await refusal([...validH5pEntries(), { name: 'Tonghu.Theme-1.0/x.php', data: '<?php' }])).key).toBe('v.h5p.extension');
    expect((await refusal([...validH5pEntries(), { name: 'content/evil.js', data: 'alert(1)' }])).key).toBe('v.h5p.scriptInContent');
    expect((await refusal([...validH5pEntries(), { name: 'README', data: 'x' }])).key).toBe('v.h5p.extension');
  });

  it('missing or malformed h5p.json', async () => {
    const withoutJson = validH5pEntries().filter((e) => e.name !== 'h5p.json');
    const e = await refusal(withoutJson);
    expect(e.key).toBe('v.h5p.noH5pJson');
    expect(say(e)).toContain('h5p.json');
    const broken = validH5pEntries().map((e) => (e.name === 'h5p.json' ? { ...e, data: '{ "title": ' } : e));
    expect((await refusal(broken)).key).toBe('v.h5p.h5pJsonSyntax');
    const noDeps = validH5pEntries().map((e) => (e.name === 'h5p.json' ? { ...e, data: JSON.stringify({ title: 'x', mainLibrary: 'Tonghu.QuestionSet', preloadedDependencies: [] }) } : e));
    const e3 = await refusal(noDeps);
    expect(e3.key).toBe('v.h5p.h5pJson');
    expect(e3.params).toMatchObject({ path: 'preloadedDependencies' });
    const noTitle = validH5pEntries().map((e) => (e.name === 'h5p.json' ? { ...e, data: JSON.stringify({ mainLibrary: 'Tonghu.QuestionSet', preloadedDependencies: [{ machineName: 'Tonghu.QuestionSet', majorVersion: 1, minorVersion: 0 }] }) } : e));
    const e4 = await refusal(noTitle);
    expect(e4.params).toMatchObject({ path: 'title', problem: '缺少此项' });
    expect(say(e4)).toBe('.h5p 文件：h5p.json 的“title”有误：缺少此项。');
    const mainNotListed = validH5pEntries().map((e) => (e.name === 'h5p.json' ? { ...e, data: JSON.stringify({ title: 'x', mainLibrary: 'H5P.Other', preloadedDependencies: [{ machineName: 'Tonghu.QuestionSet', majorVersion: 1, minorVersion: 0 }] }) } : e));
    expect((await refusal(mainNotListed)).params).toMatchObject({ path: 'mainLibrary' });
  });

  it('missing content.json or a missing library', async () => {
    expect((await refusal(validH5pEntries().filter((e) => e.name !== 'content/content.json'))).key).toBe('v.h5p.noContentJson');
    const e = await refusal(validH5pEntries().filter((e) => !e.name.startsWith('Tonghu.Theme-1.0/')));
    expect(e.key).toBe('v.h5p.missingLibrary');
    expect(e.params).toMatchObject({ folder: 'Tonghu.Theme-1.0' });
  });

  it('not a zip at all, a truncated zip, too large a file', async () => {
    expect((await refusal(Buffer.from('this is not a zip file at all, just text'))).key).toBe('v.h5p.notZip');
    const good = buildZip(validH5pEntries());
    expect((await refusal(good.subarray(0, good.length - 30))).key).toBe('v.h5p.notZip');
    const e = await refusal(good, { ...DEFAULT_LIMITS, maxUploadBytes: 1000 });
    expect(e.key).toBe('v.h5p.tooLarge');
  });

  it('encrypted entries, unknown compression, duplicate names', async () => {
    expect((await refusal([...validH5pEntries(), { name: 'content/secret.txt', data: 'x'.repeat(100), deflate: true, encrypted: true }])).key).toBe('v.h5p.encrypted');
    expect((await refusal([...validH5pEntries(), { name: 'content/odd.txt', data: 'x', method: 12 }])).key).toBe('v.h5p.compression');
    expect((await refusal([...validH5pEntries(), { name: 'content/Content.json', data: '{}' }])).key).toBe('v.h5p.duplicate');
  });
});

describe('pathProblem', () => {
  it('names the problem', () => {
    expect(pathProblem('content/a.png')).toBeNull();
    expect(pathProblem('../a')?.key).toBe('zipSlip');
    expect(pathProblem('a/../../b')?.key).toBe('zipSlip');
    expect(pathProblem('/a')?.key).toBe('absolutePath');
    expect(pathProblem('\\\\server\\share')?.key).toBe('absolutePath');
    expect(pathProblem('d:\\x')?.key).toBe('absolutePath');
    expect(pathProblem('a\u0000b')?.key).toBe('badName');
    expect(pathProblem('')?.key).toBe('badName');
    expect(pathProblem('a..b/c..d.png')).toBeNull();
  });
});
