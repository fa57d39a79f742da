import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCertificatePdf } from '../../../src/lib/certification/pdf';
import { loadOrCreateSigningKey, signPayload, PUBLIC_KEY_FILE, type CertPayload, type SigningKey } from '../../../src/lib/certification/signing';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'src/cli/verify-cert.ts');

const PAYLOAD: CertPayload = {
  v: 1,
  s: '鄂童护〔2026〕000123号',
  n: '李**',
  c: '新任儿童主任入职培训',
  k: 'curriculum',
  h: 24,
  i: '2026-03-01',
  e: '2099-12-31',
  a: '十堰市竹山县民政局',
};
const URL = 'https://tonghu.example.gov.cn/verify/K7QF3M9X';

let dir: string;
let key: SigningKey;
let other: SigningKey;
let pubPath: string;
let token: string;
let pdfPath: string;

/** Runs `tsx src/cli/verify-cert.ts …args` as `npm run verify-cert -- …args` would. */
function cli(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(TSX, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // no DATABASE_PATH from the caller unless a test sets it
    env: { ...process.env, DATABASE_PATH: '', TONGHU_CERT_KEY_DIR: '', ...env },
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tonghu-verify-cli-'));
  key = loadOrCreateSigningKey(join(dir, 'keys'));
  other = loadOrCreateSigningKey(join(dir, 'other-keys'));
  pubPath = join(dir, 'keys', PUBLIC_KEY_FILE);
  token = signPayload(key, PAYLOAD);
  pdfPath = join(dir, 'certificate.pdf');
  writeFileSync(
    pdfPath,
    await renderCertificatePdf({
      serial: PAYLOAD.s,
      holderName: '李小红',
      title: PAYLOAD.c,
      kind: PAYLOAD.k,
      hours: PAYLOAD.h,
      issuedOn: PAYLOAD.i,
      expiresOn: PAYLOAD.e,
      issuer: PAYLOAD.a,
      verifyUrl: URL,
      token,
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run verify-cert', () => {
  it('accepts a generated certificate PDF (exit 0) and prints its fields', () => {
    const r = cli([pdfPath, '--key', pubPath]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('签名有效');
    expect(r.out).toContain('SIGNATURE VALID');
    for (const s of [PAYLOAD.s, '李**', PAYLOAD.c, PAYLOAD.a, '2026-03-01', '2099-12-31', '未过期']) expect(r.out).toContain(s);
    expect(r.out).not.toContain('李小红');
  });

  it('accepts the scanned URL with #token and a raw key, and points to the online page', () => {
    const r = cli([`${URL}#${token}`, `--key=${key.publicKeyB64}`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(URL);
  });

  it('rejects a tampered token (exit 1)', () => {
    const forged = Buffer.from(JSON.stringify({ ...PAYLOAD, e: '2199-12-31' }), 'utf8').toString('base64url');
    const r = cli([`${forged}.${token.split('.')[1]}`, '--key', pubPath]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('无效');
    expect(r.out).toContain('bad signature');
    expect(r.out).not.toContain('签名有效');
  });

  it('rejects a genuine token checked against another key, and a malformed one (exit 1)', () => {
    expect(cli([token, '--key', other.publicKeyB64]).code).toBe(1);
    const m = cli(['not-a-token', '--key', pubPath]);
    expect(m.code).toBe(1);
    expect(m.out).toContain('malformed');
  });

  it('says a validly signed but expired certificate has expired (still exit 0: the signature is valid)', () => {
    const r = cli([signPayload(key, { ...PAYLOAD, e: '2020-01-31' }), '--key', pubPath]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('已过期');
    expect(r.out).toContain('EXPIRED');
  });

  it('rejects a PDF without a token (exit 1)', () => {
    const bare = join(dir, 'bare.pdf');
    writeFileSync(bare, '%PDF-1.3\n%%EOF\n');
    const r = cli([bare, '--key', pubPath]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('没有找到证书令牌');
  });

  it('finds the default key beside DATABASE_PATH (keys/cert-signing.pub)', () => {
    expect(cli([pdfPath], { DATABASE_PATH: join(dir, 'tonghu.db') }).code).toBe(0);
    const missing = cli([pdfPath], { DATABASE_PATH: join(dir, 'elsewhere', 'tonghu.db') });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('找不到默认公钥');
  });

  it('exits 2 on usage errors', () => {
    expect(cli([]).code).toBe(2);
    expect(cli([token, '--key', 'not-a-key']).code).toBe(2);
    expect(cli([token, '--key']).code).toBe(2);
    expect(cli([URL, '--key', pubPath]).code).toBe(2); // a URL without #token
    expect(cli([token, token, '--key', pubPath]).code).toBe(2);
    const help = cli(['--help']);
    expect(help.code).toBe(2);
    expect(help.err).toContain('用法 Usage');
  });
});
