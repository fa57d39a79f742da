import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCertificatePdf, chineseDate, type CertificateView } from '../../../src/lib/certification/pdf';
import { loadOrCreateSigningKey, signPayload, tokenFromPdfBytes, verifyToken, type SigningKey } from '../../../src/lib/certification/signing';

/** poppler-utils (pdftotext, pdftoppm, pdffonts): `npm test` installs it; a bare machine may lack it. */
const hasTool = (cmd: string) => !spawnSync(cmd, ['-v']).error;
const POPPLER = hasTool('pdftotext') && hasTool('pdftoppm') && hasTool('pdffonts');
const SKIP_NOTE = POPPLER ? '' : ' [SKIPPED: pdftotext/pdftoppm/pdffonts not found — apt-get install poppler-utils]';
/** zbarimg (zbar-tools) is optional: when present, the printed QR code is decoded and compared too. */
const ZBAR = hasTool('zbarimg');

let dir: string;
let key: SigningKey;

function view(over: Partial<CertificateView> = {}): CertificateView {
  const base = {
    serial: '鄂童护〔2026〕000123号',
    holderName: '李小红',
    title: '新任儿童主任入职培训',
    kind: 'curriculum' as const,
    hours: 24,
    issuedOn: '2026-03-01',
    expiresOn: '2027-02-28',
    issuer: '十堰市竹山县民政局',
    verifyUrl: 'https://tonghu.example.gov.cn/verify/K7QF3M9X',
    ...over,
  };
  const token = signPayload(key, { v: 1, s: base.serial, n: '李**', c: base.title, k: base.kind, h: base.hours, i: base.issuedOn, e: base.expiresOn, a: base.issuer });
  return { ...base, token, ...over };
}

async function renderToFile(name: string, v: CertificateView): Promise<{ path: string; pdf: Buffer }> {
  const pdf = await renderCertificatePdf(v);
  const path = join(dir, `${name}.pdf`);
  writeFileSync(path, pdf);
  return { path, pdf };
}

const pdftotext = (path: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tonghu-pdf-'));
  key = loadOrCreateSigningKey(join(dir, 'keys'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificate PDF', () => {
  it('renders an A4 landscape PDF of at most 100 KB with the token in its metadata', async () => {
    const v = view();
    const pdf = await renderCertificatePdf(v);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeLessThanOrEqual(100 * 1024);
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 841\.89 595\.28\]/);
    expect(tokenFromPdfBytes(pdf)).toBe(v.token);
    expect(verifyToken(key.publicKeyB64, tokenFromPdfBytes(pdf) ?? '').ok).toBe(true);
  });

  it(`contains the holder's name, what was completed, the heading and the serial as text${SKIP_NOTE}`, async (ctx) => {
    if (!POPPLER) ctx.skip();
    for (const [kind, heading, title] of [
      ['curriculum', '结业证书', '新任儿童主任入职培训'],
      ['course', '培训合格证书', '《未成年人保护法》要点'],
      ['skill-level', '孤残儿童护理员职业技能等级证书', '孤残儿童护理员五级/初级工'],
    ] as const) {
      const { path, pdf } = await renderToFile(kind, view({ kind, title, hours: kind === 'course' ? null : 24, expiresOn: kind === 'curriculum' ? '2027-02-28' : null }));
      expect(pdf.length).toBeLessThanOrEqual(100 * 1024);
      const text = pdftotext(path);
      expect(text).toContain('李小红');
      expect(text.replace(/\s+/g, '')).toContain(title);
      expect(text.replace(/\s+/g, '')).toContain(heading);
      expect(text).toContain('鄂童护〔2026〕000123号');
      expect(text).toContain('十堰市竹山县民政局');
      expect(text).toContain(chineseDate('2026-03-01'));
      expect(text).toContain(kind === 'curriculum' ? '2027年2月28日' : '长期有效');
      expect(text).toContain('扫码核验');
    }
  });

  it(`embeds Noto Sans SC as subsets, and renders to an image with pdftoppm${SKIP_NOTE}`, async (ctx) => {
    if (!POPPLER) ctx.skip();
    const { path } = await renderToFile('fonts', view());
    const fonts = execFileSync('pdffonts', [path], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    expect(fonts).toHaveLength(2);
    for (const line of fonts) {
      // name type encoding emb sub uni: e.g. "CZZZZZ+NotoSansSC-Bold CID TrueType Identity-H yes yes yes 8 0"
      expect(line).toMatch(/^[A-Z]{6}\+NotoSansSC-(Regular|Bold)\s.*\byes\s+yes\s+yes\b/);
    }
    execFileSync('pdftoppm', ['-png', '-r', '50', '-singlefile', path, join(dir, 'page')]);
    const png = readFileSync(join(dir, 'page.png'));
    // 841.89 × 595.28 pt at 50 dpi → 585 × 413 px
    expect(Math.abs(png.readUInt32BE(16) - 585)).toBeLessThanOrEqual(1);
    expect(Math.abs(png.readUInt32BE(20) - 413)).toBeLessThanOrEqual(1);
    expect(statSync(join(dir, 'page.png')).size).toBeGreaterThan(10_000);
  });

  it.skipIf(!POPPLER || !ZBAR)('prints a QR code that decodes to the verify URL with the token', async () => {
    const v = view();
    const { path } = await renderToFile('qr', v);
    execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', path, join(dir, 'qr')]);
    // stderr ignored: zbarimg complains about a missing D-Bus on headless machines
    const out = execFileSync('zbarimg', ['-q', '--raw', join(dir, 'qr.png')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    expect(out).toBe(`${v.verifyUrl}#${v.token}`);
  });

  it('fits long names and authorities without losing them', async () => {
    const v = view({ holderName: '阿依古丽·买买提', issuer: '湖北省十堰市竹山县民政局（儿童福利指导中心）', title: '儿童主任年度轮训（2026年度·含强制报告与监护指导专题）' });
    const { path, pdf } = await renderToFile('long', v);
    expect(pdf.length).toBeLessThanOrEqual(100 * 1024);
    if (!POPPLER) return;
    const text = pdftotext(path).replace(/\s+/g, '');
    expect(text).toContain('阿依古丽·买买提');
    expect(text).toContain('湖北省十堰市竹山县民政局（儿童福利指导中心）');
    expect(text).toContain('儿童主任年度轮训（2026年度·含强制报告与监护指导专题）');
    expect(execFileSync('pdfinfo', [path], { encoding: 'utf8' })).toMatch(/Pages:\s+1\n/);
  });

  it('writes dates under the seal in Chinese numerals', () => {
    expect(chineseDate('2026-03-01')).toBe('二〇二六年三月一日');
    expect(chineseDate('2030-12-31')).toBe('二〇三〇年十二月三十一日');
    expect(chineseDate('2027-10-20')).toBe('二〇二七年十月二十日');
    expect(chineseDate('2028-11-15')).toBe('二〇二八年十一月十五日');
  });
});
