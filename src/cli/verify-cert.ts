/**
 * `npm run verify-cert -- <token | verify URL with #token | certificate.pdf> [--key <publicKeyB64 | path to .pub>]`
 *
 * Checks a certificate's signed payload offline, with the issuing system's public key alone. The key
 * defaults to `<folder of DATABASE_PATH>/keys/cert-signing.pub` (what the server creates on first start), or
 * `$TONGHU_CERT_KEY_DIR/cert-signing.pub` when that is set, as for the server.
 *
 * Exit codes: 0 the signature is valid (an expired certificate is still 0: the output says 已过期 EXPIRED),
 * 1 invalid (tampered, signed with another key, malformed, or a PDF without a token), 2 usage error
 * (missing arguments, unreadable file, bad public key).
 *
 * An offline check proves who issued the certificate and what it says; it cannot know about a revocation
 * made after the certificate was printed. The online page /verify/<code> shows the current status.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  decodePayloadUnverified,
  PUBLIC_KEY_FILE,
  publicKeyFromB64,
  rawPublicKeyB64,
  tokenFromPdfBytes,
  verifyToken,
  type CertKind,
  type CertPayload,
} from '../lib/certification/signing';
import { dayOf } from '../lib/time';

const USAGE = `用法 Usage:
  npm run verify-cert -- <令牌 token | 核验网址 verify URL with #token | 证书 certificate.pdf> [--key <公钥 base64url | .pub 文件>]

默认公钥 Default key: <DATABASE_PATH 所在目录>/keys/${PUBLIC_KEY_FILE}
退出码 Exit codes: 0 签名有效 valid (含已过期 incl. expired) · 1 无效 invalid · 2 用法错误 usage error`;

const KIND_LABEL: Record<CertKind, string> = {
  curriculum: '结业证书 curriculum completion',
  course: '培训合格证书 course',
  'skill-level': '职业技能等级证书 skill level',
};

class UsageError extends Error {}

interface Args {
  input: string;
  key: string | null;
}

function parseArgs(argv: string[]): Args {
  let input: string | null = null;
  let key: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') throw new UsageError('');
    if (a === '--key') {
      const v = argv[++i];
      if (!v) throw new UsageError('--key 需要一个值 (needs a value): 公钥 base64url 或 .pub 文件路径');
      key = v;
    } else if (a.startsWith('--key=')) {
      key = a.slice('--key='.length);
    } else if (a.startsWith('--')) {
      throw new UsageError(`未知选项 unknown option: ${a}`);
    } else if (input === null) {
      input = a;
    } else {
      throw new UsageError(`多余的参数 unexpected argument: ${a}`);
    }
  }
  if (input === null) throw new UsageError('缺少要核验的令牌、网址或 PDF (nothing to verify)');
  return { input, key };
}

/** The public key as raw base64url, from --key (a key or a file holding one) or the default file. */
function resolveKey(arg: string | null): { keyB64: string; source: string } {
  // Where the server keeps it (src/server/keys.ts): TONGHU_CERT_KEY_DIR, else keys/ beside the database.
  const dir = process.env.TONGHU_CERT_KEY_DIR || join(dirname(process.env.DATABASE_PATH || 'data/tonghu.db'), 'keys');
  const path = arg ?? join(dir, PUBLIC_KEY_FILE);
  const isFile = existsSync(path) && statSync(path).isFile();
  if (arg === null && !isFile) {
    throw new UsageError(`找不到默认公钥 default public key not found: ${path}\n请用 --key 指定发证系统的公钥 (pass the issuing system's public key with --key)`);
  }
  const text = isFile ? readFileSync(path, 'utf8').trim() : path.trim();
  try {
    // A .pub written by the server holds the raw key; accept an SPKI PEM too (e.g. exported with openssl).
    const keyB64 = text.startsWith('-----BEGIN') ? rawPublicKeyB64(createPublicKey(text)) : text;
    publicKeyFromB64(keyB64);
    return { keyB64, source: isFile ? path : '--key' };
  } catch (e) {
    const what = isFile ? `文件 ${path} 中的公钥` : '--key 的值';
    throw new UsageError(`${what}不是有效的 Ed25519 公钥 (not an Ed25519 public key: ${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The token, and the online URL when the input was a scanned URL. */
function resolveToken(input: string): { token: string | null; from: string; onlineUrl: string | null } {
  if (existsSync(input) && statSync(input).isFile()) {
    const bytes = readFileSync(input);
    if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') {
      return { token: tokenFromPdfBytes(bytes), from: `PDF ${input}`, onlineUrl: null };
    }
    return resolveToken(bytes.toString('utf8').trim());
  }
  const hash = input.lastIndexOf('#');
  if (hash >= 0) {
    const url = input.slice(0, hash);
    return { token: input.slice(hash + 1).trim(), from: '核验网址 URL', onlineUrl: /^https?:\/\//.test(url) ? url : null };
  }
  if (/^https?:\/\//.test(input)) {
    throw new UsageError(`这个网址不含 #令牌，只能联网核验 (this URL carries no #token; open it online): ${input}`);
  }
  return { token: input.trim(), from: '令牌 token', onlineUrl: null };
}

function expiryLine(p: CertPayload, today: string): string {
  if (p.e === null) return '长期有效 does not expire';
  // e is the last valid day.
  return today > p.e ? `${p.e}  已过期 EXPIRED (今天 today ${today})` : `${p.e}  未过期 not expired (今天 today ${today})`;
}

function printFields(p: CertPayload, today: string): void {
  const rows: [string, string][] = [
    ['证书编号 Serial', p.s],
    ['持证人 Holder', `${p.n}（姓名已部分隐去 masked）`],
    ['证书类型 Kind', KIND_LABEL[p.k]],
    ['完成内容 Completed', p.c],
    ['学时 Hours', p.h === null ? '—' : String(p.h)],
    ['发证日期 Issued', p.i],
    ['有效期至 Expires', expiryLine(p, today)],
    ['发证机关 Issuer', p.a],
  ];
  const w = Math.max(...rows.map(([k]) => displayWidth(k)));
  for (const [k, v] of rows) console.log(`  ${k}${' '.repeat(w - displayWidth(k))}  ${v}`);
}

/** Terminal columns: CJK characters take two. */
function displayWidth(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/.test(ch) ? 2 : 1;
  return n;
}

function main(argv: string[]): number {
  let args: Args;
  let key: { keyB64: string; source: string };
  let tok: ReturnType<typeof resolveToken>;
  try {
    args = parseArgs(argv);
    key = resolveKey(args.key);
    tok = resolveToken(args.input);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) console.error(`${e.message}\n`);
    console.error(USAGE);
    return 2;
  }

  if (!tok.token) {
    console.log('✗ 无效 INVALID：这个 PDF 中没有找到证书令牌 (no tonghu-cert token in this PDF)。');
    console.log('  它可能不是童护学堂签发的证书，或已被其他软件另存；可改为扫描证书上的二维码，把网址交给本工具。');
    return 1;
  }

  const today = dayOf(Date.now());
  const r = verifyToken(key.keyB64, tok.token);
  console.log(`来源 Source: ${tok.from}`);
  console.log(`公钥 Key: ${key.keyB64} (${key.source})`);
  console.log('');
  if (!r.ok) {
    if (r.reason === 'malformed') {
      console.log('✗ 无效 INVALID：令牌格式不正确，不是童护学堂的证书令牌 (malformed token)。');
    } else {
      console.log('✗ 无效 INVALID：签名不符 (bad signature)。证书内容被改动过，或不是由这个公钥对应的系统签发。');
      const claimed = decodePayloadUnverified(tok.token);
      if (claimed && typeof claimed === 'object') {
        console.log('  令牌声称的内容（未经证实，不可采信 unverified, do not rely on it）:');
        for (const [k, v] of Object.entries(claimed as Record<string, unknown>)) console.log(`    ${k}: ${JSON.stringify(v)}`);
      }
    }
    return 1;
  }

  const p = r.payload;
  const expired = p.e !== null && today > p.e;
  console.log(
    expired
      ? '✓ 签名有效 SIGNATURE VALID — 但证书已过期 but the certificate has EXPIRED'
      : '✓ 签名有效 SIGNATURE VALID — 证书由发证系统签发，内容未被改动 (issued by this system, unaltered)',
  );
  printFields(p, today);
  console.log('');
  console.log('注意 Note: 离线核验无法得知证书签发后是否被撤销。联网时请以在线核验页为准');
  console.log(`  (an offline check cannot see a later revocation; the online page is authoritative)${tok.onlineUrl ? `: ${tok.onlineUrl}` : '.'}`);
  return 0;
}

// `… | head` closes the pipe early; that is not a failure worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = main(process.argv.slice(2));
