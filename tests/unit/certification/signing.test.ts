import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadOrCreateSigningKey,
  signPayload,
  verifyToken,
  tokenFromPdfBytes,
  publicKeyFromB64,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  type CertPayload,
  type SigningKey,
} from '../../../src/lib/certification/signing';

const PAYLOAD: CertPayload = {
  v: 1,
  s: '鄂童护〔2026〕000123号',
  n: '李**',
  c: '新任儿童主任入职培训',
  k: 'curriculum',
  h: 24,
  i: '2026-03-01',
  e: '2027-02-28',
  a: '十堰市竹山县民政局',
};

let dir: string;
let key: SigningKey;
let other: SigningKey;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tonghu-signing-'));
  key = loadOrCreateSigningKey(join(dir, 'a'));
  other = loadOrCreateSigningKey(join(dir, 'b'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

describe('certificate tokens', () => {
  it('round-trips: the payload comes back exactly', () => {
    const token = signPayload(key, PAYLOAD);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(verifyToken(key.publicKeyB64, token)).toEqual({ ok: true, payload: PAYLOAD });
  });

  it('round-trips course and skill-level payloads without hours or expiry', () => {
    for (const p of [
      { ...PAYLOAD, k: 'course' as const, h: null, e: null },
      { ...PAYLOAD, k: 'skill-level' as const, h: 180, c: '孤残儿童护理员五级/初级工' },
      { ...PAYLOAD, h: 12.5 },
    ]) {
      expect(verifyToken(key.publicKeyB64, signPayload(key, p))).toEqual({ ok: true, payload: p });
    }
  });

  it('is deterministic and independent of the key order of the input', () => {
    const shuffled = { a: PAYLOAD.a, e: PAYLOAD.e, i: PAYLOAD.i, h: PAYLOAD.h, k: PAYLOAD.k, c: PAYLOAD.c, n: PAYLOAD.n, s: PAYLOAD.s, v: 1 } as CertPayload;
    expect(signPayload(key, shuffled)).toBe(signPayload(key, PAYLOAD));
  });

  it('fails when the payload is tampered with, even by one field', () => {
    const token = signPayload(key, PAYLOAD);
    const sig = token.split('.')[1];
    for (const forged of [
      { ...PAYLOAD, e: '2099-12-31' },
      { ...PAYLOAD, n: '王**' },
      { ...PAYLOAD, c: '儿童督导员进阶培训' },
    ]) {
      expect(verifyToken(key.publicKeyB64, `${b64(JSON.stringify(forged))}.${sig}`)).toEqual({ ok: false, reason: 'bad-signature' });
    }
    // a flipped character in the signature
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    expect(verifyToken(key.publicKeyB64, token.slice(0, -2) + last + token.slice(-1))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('fails with another key', () => {
    const token = signPayload(key, PAYLOAD);
    expect(verifyToken(other.publicKeyB64, token)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyToken(other.publicKeyB64, signPayload(other, PAYLOAD)).ok).toBe(true);
  });

  it('rejects malformed tokens', () => {
    const token = signPayload(key, PAYLOAD);
    const [body, sig] = token.split('.') as [string, string];
    for (const bad of [
      '',
      'abc',
      `${body}.${sig}.${sig}`,
      `${body}.`,
      `.${sig}`,
      `${body}.${sig.slice(0, 40)}`, // short signature
      `${body}+/.${sig}`, // not base64url
      `${body}.${sig.slice(0, -1)}B`, // last character with stray low bits: not the canonical encoding
      '鄂童护.签名',
    ]) {
      expect(verifyToken(key.publicKeyB64, bad), bad).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('rejects signed content that is not a certificate payload as malformed', () => {
    for (const content of ['not json', JSON.stringify({ ...PAYLOAD, v: 2 }), JSON.stringify({ ...PAYLOAD, i: '1 March 2026' }), '[1,2]']) {
      const body = b64(content);
      const sig = sign(null, Buffer.from(body, 'ascii'), key.privateKey).toString('base64url');
      expect(verifyToken(key.publicKeyB64, `${body}.${sig}`)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses to sign an invalid payload', () => {
    expect(() => signPayload(key, { ...PAYLOAD, n: '' })).toThrow(/n must be/);
    expect(() => signPayload(key, { ...PAYLOAD, i: '2026/03/01' })).toThrow(/i must be/);
    expect(() => signPayload(key, { ...PAYLOAD, k: 'diploma' as CertPayload['k'] })).toThrow(/k must be/);
  });

  it('throws on a public key that is not 32 bytes of base64url', () => {
    const token = signPayload(key, PAYLOAD);
    expect(() => verifyToken('short', token)).toThrow(/32 bytes/);
    expect(() => verifyToken(`${key.publicKeyB64}AA`, token)).toThrow(/32 bytes/);
    // standard base64 of the same key is accepted
    const std = Buffer.from(key.publicKeyB64, 'base64url').toString('base64');
    expect(verifyToken(std, token).ok).toBe(true);
    expect(publicKeyFromB64(key.publicKeyB64).asymmetricKeyType).toBe('ed25519');
  });
});

describe('signing key files', () => {
  it('creates the key once (private key mode 0600, .pub holding the raw key) and then reuses it', () => {
    const d = join(dir, 'files');
    const k1 = loadOrCreateSigningKey(d);
    expect(statSync(join(d, PRIVATE_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(d, PRIVATE_KEY_FILE), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(join(d, PUBLIC_KEY_FILE), 'utf8').trim()).toBe(k1.publicKeyB64);
    expect(k1.publicKeyB64).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const k2 = loadOrCreateSigningKey(d);
    expect(k2.publicKeyB64).toBe(k1.publicKeyB64);
    expect(verifyToken(k1.publicKeyB64, signPayload(k2, PAYLOAD)).ok).toBe(true);
  });

  it('re-derives a missing .pub, tightens a lax private key mode, and refuses a .pub of another key', () => {
    const d = join(dir, 'repair');
    const k1 = loadOrCreateSigningKey(d);
    rmSync(join(d, PUBLIC_KEY_FILE));
    chmodSync(join(d, PRIVATE_KEY_FILE), 0o644);
    expect(loadOrCreateSigningKey(d).publicKeyB64).toBe(k1.publicKeyB64);
    expect(readFileSync(join(d, PUBLIC_KEY_FILE), 'utf8').trim()).toBe(k1.publicKeyB64);
    expect(statSync(join(d, PRIVATE_KEY_FILE)).mode & 0o777).toBe(0o600);

    writeFileSync(join(d, PUBLIC_KEY_FILE), `${other.publicKeyB64}\n`);
    expect(() => loadOrCreateSigningKey(d)).toThrow(/does not match/);
  });
});

describe('token in a PDF', () => {
  it('finds the tonghu-cert: keyword in the bytes, or returns null', () => {
    const token = signPayload(key, PAYLOAD);
    const pdf = Buffer.from(`%PDF-1.3\n18 0 obj\n(tonghu-cert:${token})\nendobj\n`, 'latin1');
    expect(tokenFromPdfBytes(pdf)).toBe(token);
    expect(tokenFromPdfBytes(Buffer.from('%PDF-1.3\n%%EOF\n'))).toBeNull();
  });
});
