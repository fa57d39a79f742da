import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { loadOrCreateSigningKey, signPayload, type CertPayload, type SigningKey } from '../../../src/lib/certification/signing';

/** public/verify-offline/verify.js runs in a bare context (no DOM): only its verification API is tested here. */
interface OfflineApi {
  verifyToken(publicKey: Uint8Array, token: string, options?: { forceFallback?: boolean }): Promise<{ ok: boolean; reason?: string; payload?: CertPayload; engine?: string }>;
  parseInput(text: string): { token: string; onlineUrl: string | null };
  parsePublicKey(text: string): Uint8Array | null;
  ed25519VerifyFallback(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean>;
  chinaToday(nowMs?: number): string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PAYLOAD: CertPayload = { v: 1, s: '鄂童护〔2026〕000123号', n: '李**', c: '新任儿童主任入职培训', k: 'curriculum', h: 24, i: '2026-03-01', e: '2027-02-28', a: '十堰市竹山县民政局' };

let api: OfflineApi;
let dir: string;
let key: SigningKey;
let other: SigningKey;

beforeAll(() => {
  const ctx = vm.createContext({ crypto: globalThis.crypto, TextDecoder, atob, btoa });
  vm.runInContext(readFileSync(join(ROOT, 'public/verify-offline/verify.js'), 'utf8'), ctx);
  api = (ctx as unknown as { TonghuOfflineVerify: OfflineApi }).TonghuOfflineVerify;
  dir = mkdtempSync(join(tmpdir(), 'tonghu-offline-'));
  key = loadOrCreateSigningKey(join(dir, 'a'));
  other = loadOrCreateSigningKey(join(dir, 'b'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

describe('offline verifier page (verify.js)', () => {
  for (const forceFallback of [false, true]) {
    const engine = forceFallback ? 'fallback' : 'webcrypto';
    it(`verifies a server-signed token with ${engine}`, async () => {
      const token = signPayload(key, PAYLOAD);
      const r = await api.verifyToken(api.parsePublicKey(key.publicKeyB64)!, token, { forceFallback });
      expect(r).toEqual({ ok: true, payload: PAYLOAD, engine });
    });

    it(`rejects tampered tokens and other keys with ${engine}`, async () => {
      const token = signPayload(key, PAYLOAD);
      const forged = `${Buffer.from(JSON.stringify({ ...PAYLOAD, n: '王**' })).toString('base64url')}.${token.split('.')[1]}`;
      const pk = api.parsePublicKey(key.publicKeyB64)!;
      expect((await api.verifyToken(pk, forged, { forceFallback })).reason).toBe('bad-signature');
      expect((await api.verifyToken(api.parsePublicKey(other.publicKeyB64)!, token, { forceFallback })).reason).toBe('bad-signature');
      expect((await api.verifyToken(pk, 'abc', { forceFallback })).reason).toBe('malformed');
      expect((await api.verifyToken(pk, `${token}.x`, { forceFallback })).reason).toBe('malformed');
    });
  }

  it('agrees with node:crypto on many keys and messages (fallback)', async () => {
    for (let i = 0; i < 8; i++) {
      const k = loadOrCreateSigningKey(join(dir, `k${i}`));
      const p = { ...PAYLOAD, s: `鄂童护〔2026〕${String(i).padStart(6, '0')}号`, h: i * 7.5 };
      const token = signPayload(k, p);
      expect(await api.verifyToken(api.parsePublicKey(k.publicKeyB64)!, token, { forceFallback: true })).toEqual({ ok: true, payload: p, engine: 'fallback' });
    }
  });

  it('passes the RFC 8032 test vectors 1 and 2 (fallback)', async () => {
    const pk1 = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig1 = hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
    expect(await api.ed25519VerifyFallback(pk1, sig1, new Uint8Array(0))).toBe(true);
    expect(await api.ed25519VerifyFallback(pk1, sig1, new Uint8Array([0]))).toBe(false);
    const pk2 = hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
    const sig2 = hex('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00');
    expect(await api.ed25519VerifyFallback(pk2, sig2, hex('72'))).toBe(true);
    expect(await api.ed25519VerifyFallback(pk1, sig2, hex('72'))).toBe(false);
  });

  it('takes the token from a scanned URL and the key in base64url or base64', () => {
    expect(api.parseInput(' https://x.example/verify/ABC#eyJ2.c2ln \n')).toEqual({ token: 'eyJ2.c2ln', onlineUrl: 'https://x.example/verify/ABC' });
    expect(api.parseInput('eyJ2.c2ln')).toEqual({ token: 'eyJ2.c2ln', onlineUrl: null });
    expect(api.parseInput('https://x.example/verify/ABC')).toEqual({ token: '', onlineUrl: 'https://x.example/verify/ABC' });
    const std = Buffer.from(key.publicKeyB64, 'base64url').toString('base64');
    expect(Buffer.from(api.parsePublicKey(std)!).toString('base64url')).toBe(key.publicKeyB64);
    expect(api.parsePublicKey('too-short')).toBeNull();
  });

  it("counts days in China time, as the server's dates do", () => {
    expect(api.chinaToday(Date.UTC(2026, 2, 31, 16, 30))).toBe('2026-04-01');
    expect(api.chinaToday(Date.UTC(2026, 2, 31, 15, 59))).toBe('2026-03-31');
  });
});
