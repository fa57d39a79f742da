/**
 * Certificate PDF: A4 landscape, fit to print and frame, with a QR code for online and offline checks.
 *
 * - Noto Sans SC (regular + bold TTF from @expo-google-fonts/noto-sans-sc, ~10 MB each) is embedded as a
 *   subset: pdfkit keeps only the glyphs the page uses, so a certificate is ~30–40 KB.
 * - The fonts are parsed once per process (fontkit) and the parsed fonts are shared by every document:
 *   handing pdfkit the 10 MB buffers instead makes it re-parse them per certificate, which costs ~30 ms.
 * - The QR code encodes `${verifyUrl}#${token}`: a phone online opens the public verify page; the fragment
 *   never reaches the server but carries the signed payload for the offline verifiers
 *   (`npm run verify-cert`, public/verify-offline/). It is drawn as vector squares (qrcode's module matrix,
 *   error correction M) rather than an embedded PNG: sharp at any printer resolution, a few KB, no image
 *   decoding per render.
 * - The token is also stored in the document info (Keywords = `tonghu-cert:<token>`), so the CLI can read
 *   it from the file without decoding the QR.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { PDF_KEYWORDS_PREFIX, type CertKind } from './signing';

export interface CertificateView {
  serial: string;
  holderName: string;
  title: string;
  kind: CertKind;
  hours: number | null;
  /** YYYY-MM-DD */
  issuedOn: string;
  /** YYYY-MM-DD (last valid day), or null when it does not expire */
  expiresOn: string | null;
  issuer: string;
  /** the public verification URL, e.g. https://…/verify/<code> */
  verifyUrl: string;
  /** the signed token (signing.ts) */
  token: string;
}

const KIND_TITLE: Record<CertKind, string> = {
  curriculum: '结业证书',
  course: '培训合格证书',
  'skill-level': '孤残儿童护理员职业技能等级证书',
};
const KIND_SUBTITLE: Record<CertKind, string> = {
  curriculum: 'CERTIFICATE OF COMPLETION',
  course: 'CERTIFICATE OF TRAINING',
  'skill-level': 'VOCATIONAL SKILL LEVEL CERTIFICATE',
};

/** The document title for a kind of certificate (结业证书, 培训合格证书, …). */
export function certificateHeading(kind: CertKind): string {
  return KIND_TITLE[kind];
}

// A4 landscape in points.
const W = 841.89;
const H = 595.28;
const RED = '#a31f24';
const GOLD = '#b48a3c';
const INK = '#1f1f1f';
const GREY = '#5c5c5c';
const SEAL_RED = '#d0211c';

type FontKitFont = fontkit.Font;
let fonts: { regular: FontKitFont; bold: FontKitFont } | null = null;

function loadFonts(): { regular: FontKitFont; bold: FontKitFont } {
  if (fonts) return fonts;
  const require = createRequire(import.meta.url);
  const open = (file: string) => {
    const font = fontkit.create(readFileSync(require.resolve(`@expo-google-fonts/noto-sans-sc/${file}`)));
    if (!('layout' in font)) throw new Error(`${file}: expected a single font, found a collection`);
    return font;
  };
  fonts = {
    regular: open('400Regular/NotoSansSC_400Regular.ttf'),
    bold: open('700Bold/NotoSansSC_700Bold.ttf'),
  };
  return fonts;
}

/**
 * Parses the two fonts now rather than during the first download (that first render takes ~150 ms more).
 * The parsed fonts keep their 10 MB files in memory (~21 MB) for the life of the process.
 */
export function preloadCertificateFonts(): void {
  loadFonts();
}

export async function renderCertificatePdf(c: CertificateView): Promise<Buffer> {
  const { regular, bold } = loadFonts();
  const heading = KIND_TITLE[c.kind];
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 0,
    compress: true,
    info: {
      Title: `${heading} ${c.serial}`,
      Author: c.issuer,
      Subject: c.title,
      Keywords: `${PDF_KEYWORDS_PREFIX}${c.token}`,
      Creator: '童护学堂 Tonghu',
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (b: Buffer) => chunks.push(b));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  // pdfkit accepts a parsed fontkit font (it checks for .layout); the types only list paths and buffers.
  doc.registerFont('R', regular as unknown as Buffer);
  doc.registerFont('B', bold as unknown as Buffer);

  drawFrame(doc);

  // Heading: shrink letter spacing, then size, until it fits (the skill-level heading has 15 characters).
  let size = 40;
  let spacing = 14;
  doc.font('B');
  while (doc.fontSize(size).widthOfString(heading, { characterSpacing: spacing }) > 600) {
    if (spacing > 4) spacing -= 2;
    else size -= 2;
  }
  centered(doc, heading, 78 + (40 - size) / 2, { font: 'B', size, color: RED, spacing });
  centered(doc, KIND_SUBTITLE[c.kind], 132, { font: 'R', size: 9.5, color: GOLD, spacing: 3.2 });

  // Holder: the full name, large, over a short rule.
  doc.font('B');
  let nameSize = 34;
  const nameSpacing = [...c.holderName].length <= 4 ? 10 : 2;
  while (doc.fontSize(nameSize).widthOfString(c.holderName, { characterSpacing: nameSpacing }) > 520 && nameSize > 18) nameSize -= 2;
  centered(doc, '兹证明', 170, { font: 'R', size: 13, color: GREY, spacing: 6 });
  centered(doc, c.holderName, 192 + (34 - nameSize) / 2, { font: 'B', size: nameSize, color: INK, spacing: nameSpacing });
  doc.moveTo(W / 2 - 130, 246).lineTo(W / 2 + 130, 246).lineWidth(0.6).strokeColor(GOLD).stroke();

  // What was completed, broken between phrases into the fewest, most even lines; a very long title drops
  // to 14 pt, and the facts line below moves down if the statement needs more than two lines.
  const phrases = statementPhrases(c);
  let statementSize = 16;
  let statement = '';
  let statementHeight = 0;
  for (const sz of [16, 14]) {
    doc.font('R').fontSize((statementSize = sz));
    statement = layoutPhrases(phrases, 620, (t) => doc.widthOfString(t)).join('\n');
    statementHeight = doc.heightOfString(statement, { width: 620, lineGap: 9, align: 'center' });
    if (statementHeight <= 2 * (doc.currentLineHeight(true) + 9)) break;
  }
  const statementY = 268 + Math.max(0, (60 - statementHeight) / 2);
  doc.font('R').fontSize(statementSize).fillColor(INK).text(statement, (W - 620) / 2, statementY, { width: 620, lineGap: 9, align: 'center' });

  // Hours and dates, one line.
  const facts: [string, string][] = [];
  if (c.hours !== null) facts.push(['总学时', formatHours(c.hours)]);
  facts.push(['发证日期', arabicDate(c.issuedOn)]);
  facts.push(c.expiresOn === null ? ['有效期', '长期有效'] : ['有效期至', arabicDate(c.expiresOn)]);
  drawFacts(doc, facts, Math.max(352, statementY + statementHeight + 12));

  drawQr(doc, `${c.verifyUrl}#${c.token}`, 78, 392, 112);

  // Issuing authority and the date in Chinese numerals, with the seal under them (drawn first, so the
  // printed text stays fully legible where the seal overlaps it, as when a stamp sits under the date).
  const issuerX = 540;
  const issuerW = 240;
  // One line if it fits at ≥ 13 pt; a longer name wraps at 14 pt into lines of even length.
  let issuerSize = 16;
  doc.font('B');
  while (issuerSize > 13 && doc.fontSize(issuerSize).widthOfString(c.issuer) > issuerW) issuerSize -= 1;
  if (doc.widthOfString(c.issuer) > issuerW) doc.fontSize((issuerSize = 14));
  const issuerOneLine = doc.widthOfString(c.issuer);
  const issuerWrap = issuerOneLine > issuerW ? Math.min(issuerW, issuerOneLine / Math.ceil(issuerOneLine / issuerW) + 2 * issuerSize) : issuerW;
  const issuerH = doc.heightOfString(c.issuer, { width: issuerWrap, align: 'center' });
  const issuerY = 440 - issuerH / 2;
  const dateY = issuerY + issuerH + 6;
  drawSeal(doc, bold, c.issuer, issuerX + issuerW / 2, dateY + 2, 58);
  doc.font('B').fontSize(issuerSize).fillColor(INK).text(c.issuer, issuerX + (issuerW - issuerWrap) / 2, issuerY, { width: issuerWrap, align: 'center' });
  doc.font('R').fontSize(13).fillColor(INK).text(chineseDate(c.issuedOn), issuerX, dateY, {
    width: issuerW,
    align: 'center',
    lineBreak: false,
  });

  // Serial, bottom centre.
  centered(doc, `证书编号：${c.serial}`, 520, { font: 'R', size: 11, color: GREY, spacing: 0.5 });

  doc.end();
  return done;
}

function statementPhrases(c: CertificateView): string[] {
  switch (c.kind) {
    case 'curriculum':
      return [`完成「${c.title}」全部课程的学习，`, '经考核合格，准予结业。'];
    case 'course':
      return [`参加「${c.title}」课程培训，`, '经考核合格，特发此证。'];
    case 'skill-level':
      return ['经理论知识考试和技能操作考核合格，', `达到「${c.title}」职业技能等级要求，`, '特发此证。'];
  }
}

/**
 * Groups phrases into lines: the fewest lines that fit `maxWidth`, and among those the split whose
 * longest line is shortest. A phrase longer than a line (a very long title) is left to pdfkit's wrapping.
 */
export function layoutPhrases(phrases: string[], maxWidth: number, width: (s: string) => number): string[] {
  let best: string[] | null = null;
  let bestWidth = Infinity;
  const n = phrases.length;
  for (let lines = 1; lines <= n && !best; lines++) {
    // every way to cut n phrases into `lines` consecutive groups (n ≤ 3 here, so this stays tiny)
    const walk = (start: number, left: number, acc: string[]) => {
      if (left === 1) {
        const all = [...acc, phrases.slice(start).join('')];
        const widest = Math.max(...all.map(width));
        if (widest <= maxWidth && widest < bestWidth) {
          best = all;
          bestWidth = widest;
        }
        return;
      }
      for (let end = start + 1; end <= n - left + 1; end++) walk(end, left - 1, [...acc, phrases.slice(start, end).join('')]);
    };
    walk(0, lines, []);
  }
  return best ?? [phrases.join('')];
}

function centered(
  doc: PDFKit.PDFDocument,
  text: string,
  y: number,
  o: { font: 'R' | 'B'; size: number; color: string; spacing: number },
): void {
  doc.font(o.font).fontSize(o.size).fillColor(o.color);
  // Letter spacing is also added after the last character; shift by half of it to stay optically centred.
  const w = doc.widthOfString(text, { characterSpacing: o.spacing });
  doc.text(text, (W - w) / 2 + o.spacing / 2, y, { characterSpacing: o.spacing, lineBreak: false });
}

function drawFrame(doc: PDFKit.PDFDocument): void {
  // Outer red rule, inner gold rule, and a small stepped ornament at each inner corner.
  doc.lineWidth(3.2).strokeColor(RED).rect(22, 22, W - 44, H - 44).stroke();
  doc.lineWidth(0.9).strokeColor(GOLD).rect(31, 31, W - 62, H - 62).stroke();
  const corner = (x: number, y: number, sx: number, sy: number) => {
    doc
      .lineWidth(1.4)
      .strokeColor(RED)
      .moveTo(x, y + sy * 34)
      .lineTo(x, y)
      .lineTo(x + sx * 34, y)
      .moveTo(x + sx * 7, y + sy * 22)
      .lineTo(x + sx * 7, y + sy * 7)
      .lineTo(x + sx * 22, y + sy * 7)
      .stroke();
    doc.fillColor(RED).rect(x + sx * 12 - 2, y + sy * 12 - 2, 4, 4).fill();
  };
  corner(39, 39, 1, 1);
  corner(W - 39, 39, -1, 1);
  corner(39, H - 39, 1, -1);
  corner(W - 39, H - 39, -1, -1);
}

function drawFacts(doc: PDFKit.PDFDocument, facts: [string, string][], y: number): void {
  const gap = 34;
  doc.fontSize(12.5);
  const widths = facts.map(([label, value]) => {
    doc.font('R');
    const lw = doc.widthOfString(label);
    doc.font('B');
    return lw + 8 + doc.widthOfString(value);
  });
  let x = (W - widths.reduce((a, b) => a + b, 0) - gap * (facts.length - 1)) / 2;
  facts.forEach(([label, value], i) => {
    doc.font('R').fillColor(GREY).text(label, x, y, { lineBreak: false });
    const lw = doc.widthOfString(label);
    doc.font('B').fillColor(INK).text(value, x + lw + 8, y, { lineBreak: false });
    x += (widths[i] ?? 0) + gap;
    if (i < facts.length - 1) {
      doc.fillColor(GOLD).circle(x - gap / 2, y + 9.5, 1.6).fill();
    }
  });
}

function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const m = size / n;
  const data = qr.modules.data;
  // One rectangle per horizontal run of dark modules: a few hundred path operators, filled once.
  for (let r = 0; r < n; r++) {
    let c = 0;
    while (c < n) {
      if (!data[r * n + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && data[r * n + c]) c++;
      // A hair of overlap so viewers do not show seams between rows when anti-aliasing.
      doc.rect(x + start * m, y + r * m, (c - start) * m + 0.05, m + 0.05);
    }
  }
  doc.fillColor('#000000').fill();
  doc.font('R').fontSize(11).fillColor(GREY);
  const caption = '扫码核验';
  const cw = doc.widthOfString(caption, { characterSpacing: 4 });
  doc.text(caption, x + (size - cw) / 2 + 2, y + size + 8, { characterSpacing: 4, lineBreak: false });
}

/**
 * A round red seal: the authority's name along the upper arc and a five-pointed star in the middle. The
 * characters are drawn as glyph outlines, not text: the name is already printed beside the seal, and
 * rotated text would come out of copy-paste, pdftotext and screen readers as scattered single characters.
 */
function drawSeal(doc: PDFKit.PDFDocument, font: FontKitFont, name: string, cx: number, cy: number, r: number): void {
  doc.save();
  doc.opacity(0.88);
  doc.lineWidth(2.6).strokeColor(SEAL_RED).circle(cx, cy, r).stroke();

  const chars = [...name];
  const n = chars.length;
  const span = Math.min(290, Math.max(120, n * 26)) * (Math.PI / 180);
  const step = n > 1 ? span / (n - 1) : 0;
  const fontSize = Math.min(13, Math.max(7, (r - 10) * (n > 1 ? step : 1) * 0.95));
  const textR = r - 5 - fontSize * 0.62;
  const scale = fontSize / font.unitsPerEm;
  // CJK ideographs are designed in an em box from −0.12 to 0.88 em: centre that box on the arc.
  const emCentre = 0.38 * font.unitsPerEm;
  doc.fillColor(SEAL_RED);
  chars.forEach((ch, i) => {
    const glyph = font.glyphsForString(ch)[0];
    if (!glyph) return;
    const phi = -span / 2 + i * step; // 0 = twelve o'clock, clockwise
    doc.save();
    doc.translate(cx + textR * Math.sin(phi), cy - textR * Math.cos(phi));
    doc.rotate((phi * 180) / Math.PI);
    doc.scale(scale, -scale); // font units, y up
    doc.translate(-glyph.advanceWidth / 2, -emCentre);
    for (const cmd of glyph.path.commands) {
      const a = cmd.args;
      switch (cmd.command) {
        case 'moveTo':
          doc.moveTo(a[0] ?? 0, a[1] ?? 0);
          break;
        case 'lineTo':
          doc.lineTo(a[0] ?? 0, a[1] ?? 0);
          break;
        case 'quadraticCurveTo':
          doc.quadraticCurveTo(a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 0);
          break;
        case 'bezierCurveTo':
          doc.bezierCurveTo(a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 0, a[4] ?? 0, a[5] ?? 0);
          break;
        case 'closePath':
          doc.closePath();
          break;
      }
    }
    doc.fill('nonzero');
    doc.restore();
  });

  // Five-pointed star.
  const outer = r * 0.3;
  const inner = outer * 0.382;
  const sy = cy + r * 0.04;
  for (let k = 0; k < 10; k++) {
    const a = (k * Math.PI) / 5;
    const rad = k % 2 === 0 ? outer : inner;
    const px = cx + rad * Math.sin(a);
    const py = sy - rad * Math.cos(a);
    if (k === 0) doc.moveTo(px, py);
    else doc.lineTo(px, py);
  }
  doc.closePath().fill(SEAL_RED);
  doc.restore();
}

function formatHours(h: number): string {
  return Number.isInteger(h) ? String(h) : h.toFixed(1);
}

function arabicDate(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${String(y)}年${String(m)}月${String(d)}日`;
}

const DIGITS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 2026-03-01 → 二〇二六年三月一日, as dates under a seal are written. */
export function chineseDate(day: string): string {
  const [y = '', m = '', d = ''] = day.split('-');
  const small = (n: number) => {
    if (n < 10) return DIGITS[n] ?? '';
    const tens = Math.floor(n / 10);
    const ones = n % 10;
    return `${tens > 1 ? (DIGITS[tens] ?? '') : ''}十${ones ? (DIGITS[ones] ?? '') : ''}`;
  };
  return `${[...y].map((ch) => DIGITS[Number(ch)] ?? ch).join('')}年${small(Number(m))}月${small(Number(d))}日`;
}
