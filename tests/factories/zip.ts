import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A tiny zip writer for tests: it writes whatever it is told — names with `..` or a leading slash,
 * symlink modes, declared sizes that lie — so tests can build the malicious packages that ordinary zip
 * tools refuse to make.
 */
export interface ZipEntrySpec {
  name: string;
  data?: Buffer | string;
  /** Unix mode, e.g. 0o100644 (file), 0o120777 (symlink), 0o040755 (directory); written with "made by Unix" */
  mode?: number;
  /** deflate the data (default true for data longer than 64 bytes) */
  deflate?: boolean;
  /** override the uncompressed size written in the headers (a lie, for zip-bomb tests) */
  declaredSize?: number;
  /** set the "encrypted" flag */
  encrypted?: boolean;
  /** compression method to write (default 0 or 8) */
  method?: number;
}

export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const raw = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : (e.data ?? Buffer.alloc(0));
    const deflate = e.deflate ?? raw.length > 64;
    const body = deflate ? deflateRawSync(raw) : raw;
    const method = e.method ?? (deflate ? 8 : 0);
    const crc = crc32(raw) >>> 0;
    const size = e.declaredSize ?? raw.length;
    const flags = 0x0800 | (e.encrypted ? 0x0001 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.mode !== undefined ? (3 << 8) | 20 : 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30);
    central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34);
    central.writeUInt16LE(0, 36);
    central.writeUInt32LE(e.mode !== undefined ? ((e.mode << 16) >>> 0) : 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, cd, end]);
}

/** The files of a small, valid H5P package (a library of our own, so it plays in the sandboxed frame). */
export function validH5pEntries(title = '测试互动练习'): ZipEntrySpec[] {
  return [
    {
      name: 'h5p.json',
      data: JSON.stringify({
        title,
        language: 'zh',
        mainLibrary: 'Tonghu.QuestionSet',
        embedTypes: ['div'],
        preloadedDependencies: [
          { machineName: 'Tonghu.QuestionSet', majorVersion: 1, minorVersion: 0 },
          { machineName: 'Tonghu.Theme', majorVersion: 1, minorVersion: 0 },
        ],
      }),
    },
    {
      name: 'content/content.json',
      data: JSON.stringify({
        title,
        intro: ['三道题。'],
        questions: [
          { id: 'a', text: '发现孩子疑似受到侵害，应当？', options: ['立即报告', '等证据确凿'], answer: 0, explanation: '立即报告。' },
          { id: 'b', text: '紧急情况首先拨打？', options: ['110', '12345'], answer: 0, explanation: '先打110。' },
          { id: 'c', text: '报告人的身份？', options: ['公开', '依法保密'], answer: 1, explanation: '依法保密。' },
        ],
      }),
    },
    { name: 'content/images/', mode: 0o040755 },
    { name: 'content/images/dot.png', data: Buffer.from('89504e470d0a1a0a', 'hex'), mode: 0o100644 },
    {
      name: 'Tonghu.QuestionSet-1.0/library.json',
      data: JSON.stringify({
        title: 'QS',
        machineName: 'Tonghu.QuestionSet',
        majorVersion: 1,
        minorVersion: 0,
        patchVersion: 0,
        runnable: 1,
        preloadedJs: [{ path: 'question-set.js' }],
        preloadedDependencies: [{ machineName: 'Tonghu.Theme', majorVersion: 1, minorVersion: 0 }],
      }),
    },
    { name: 'Tonghu.QuestionSet-1.0/question-set.js', data: '/* set in the test */' },
    {
      name: 'Tonghu.Theme-1.0/library.json',
      data: JSON.stringify({ title: 'Theme', machineName: 'Tonghu.Theme', majorVersion: 1, minorVersion: 0, patchVersion: 0, runnable: 0, preloadedCss: [{ path: 'theme.css' }] }),
    },
    { name: 'Tonghu.Theme-1.0/theme.css', data: '.tonghu-activity{}' },
    { name: '.DS_Store', data: 'junk' },
  ];
}
