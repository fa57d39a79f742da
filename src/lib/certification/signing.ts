/**
 * Offline-verifiable certificate tokens: Ed25519 (node:crypto) over a small JSON payload.
 *
 * Token format: `base64url(JSON) + '.' + base64url(signature)`, where the signature covers the ASCII
 * text of the first segment (as in JWS), so the exact bytes a verifier sees are the bytes that were
 * signed and no re-encoding question arises. The public key travels as the raw 32-byte key in
 * base64url (43 characters): short enough to print, paste into the static verifier page
 * (public/verify-offline/) or pass to `npm run verify-cert -- --key`.
 *
 * Key files (created once by loadOrCreateSigningKey):
 *   <dir>/cert-signing.key  the private key, PKCS#8 PEM, mode 0600
 *   <dir>/cert-signing.pub  the raw public key in base64url, one line (what verifiers are given)
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CertKind = 'curriculum' | 'course' | 'skill-level';

export interface CertPayload {
  v: 1;
  /** serial, e.g. 鄂童护〔2026〕000123号 */
  s: string;
  /** masked holder name, e.g. 李** */
  n: string;
  /** what was completed */
  c: string;
  k: CertKind;
  /** hours */
  h: number | null;
  /** issued, YYYY-MM-DD */
  i: string;
  /** expires (last valid day), YYYY-MM-DD, or null when it does not expire */
  e: string | null;
  /** issuing authority */
  a: string;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** raw 32-byte key, base64url */
  publicKeyB64: string;
}

export type VerifyResult = { ok: true; payload: CertPayload } | { ok: false; reason: 'malformed' | 'bad-signature' };

export const PRIVATE_KEY_FILE = 'cert-signing.key';
export const PUBLIC_KEY_FILE = 'cert-signing.pub';

const B64URL = /^[A-Za-z0-9_-]+$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const KINDS: readonly string[] = ['curriculum', 'course', 'skill-level'];

/**
 * Reads the signing key pair from `dir`, creating it on first use. The private key is the single source
 * of truth; the .pub file is derived from it and rewritten only when missing. A .pub that disagrees with
 * the private key is an error rather than silently replaced: verifiers may already hold the old one.
 */
export function loadOrCreateSigningKey(dir: string): SigningKey {
  const keyPath = join(dir, PRIVATE_KEY_FILE);
  const pubPath = join(dir, PUBLIC_KEY_FILE);
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  if (!existsSync(keyPath)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    // Written aside, then hard-linked into place: link() fails if the key exists, so a key another process
    // created a moment ago is never overwritten (that one wins and is read below), and nobody ever reads
    // a half-written file.
    const tmp = `${keyPath}.${process.pid}.tmp`;
    writeFileSync(tmp, pem, { mode: 0o600 });
    try {
      linkSync(tmp, keyPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
  }
  // The key must not be readable by others even if it was copied in with a lax mode.
  if ((statSync(keyPath).mode & 0o077) !== 0) chmodSync(keyPath, 0o600);

  const privateKey = createPrivateKey({ key: readFileSync(keyPath), format: 'pem' });
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${keyPath}: expected an Ed25519 private key, found ${String(privateKey.asymmetricKeyType)}`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyB64 = rawPublicKeyB64(publicKey);

  if (existsSync(pubPath)) {
    const stored = readFileSync(pubPath, 'utf8').trim();
    if (stored !== publicKeyB64) {
      throw new Error(
        `${pubPath} does not match ${keyPath} (it holds ${stored.slice(0, 12)}…, the private key's public key is ` +
          `${publicKeyB64}). Restore the matching pair, or delete the .pub to re-derive it from the private key.`,
      );
    }
  } else {
    // Write-then-rename so a crash never leaves a truncated .pub behind.
    const tmp = `${pubPath}.${process.pid}.tmp`;
    writeFileSync(tmp, `${publicKeyB64}\n`, { mode: 0o644 });
    renameSync(tmp, pubPath);
  }
  return { privateKey, publicKey, publicKeyB64 };
}

/** The raw 32-byte Ed25519 public key of `publicKey`, base64url. */
export function rawPublicKeyB64(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return jwk.x;
}

/**
 * Turns a raw base64url (or base64) public key into a KeyObject. Throws on anything that is not 32 bytes:
 * a bad key is a configuration error, not an invalid certificate.
 */
export function publicKeyFromB64(publicKeyB64: string): KeyObject {
  const text = publicKeyB64.trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const raw = B64URL.test(text) ? Buffer.from(text, 'base64url') : Buffer.alloc(0);
  if (raw.length !== 32 || raw.toString('base64url') !== text) {
    throw new Error('public key: expected 32 bytes in base64url (43 characters)');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
}

/** Signs `p` and returns the token. The JSON has a fixed key order so equal payloads give equal tokens. */
export function signPayload(key: SigningKey, p: CertPayload): string {
  const problem = payloadProblem(p);
  if (problem) throw new Error(`certificate payload: ${problem}`);
  const ordered: CertPayload = { v: 1, s: p.s, n: p.n, c: p.c, k: p.k, h: p.h, i: p.i, e: p.e, a: p.a };
  const body = Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64url');
  const sig = sign(null, Buffer.from(body, 'ascii'), key.privateKey);
  return `${body}.${sig.toString('base64url')}`;
}

/**
 * Checks a token against a raw base64url public key. 'malformed': not a token at all, or signed content
 * that is not a certificate payload; 'bad-signature': well-formed but not signed by this key (tampered,
 * or another key). Throws when `publicKeyB64` itself is not a valid key.
 */
export function verifyToken(publicKeyB64: string, token: string): VerifyResult {
  const publicKey = publicKeyFromB64(publicKeyB64);
  const parts = token.trim().split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [body, sigText] = parts as [string, string];
  if (!B64URL.test(body) || !B64URL.test(sigText)) return { ok: false, reason: 'malformed' };
  const sig = Buffer.from(sigText, 'base64url');
  // Reject non-canonical encodings too, so one signature has exactly one textual form.
  if (sig.length !== 64 || sig.toString('base64url') !== sigText) return { ok: false, reason: 'malformed' };

  if (!verify(null, Buffer.from(body, 'ascii'), publicKey, sig)) return { ok: false, reason: 'bad-signature' };

  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (payloadProblem(parsed)) return { ok: false, reason: 'malformed' };
  return { ok: true, payload: parsed as CertPayload };
}

/** Prefix of the token in a certificate PDF's document info (Keywords), written by pdf.ts. */
export const PDF_KEYWORDS_PREFIX = 'tonghu-cert:';

/**
 * The token stored in a certificate PDF's Keywords, or null. pdfkit writes document info as plain,
 * uncompressed objects and the token is ASCII, so a byte search finds it without a PDF parser. A PDF
 * re-saved by another program may hide it in a compressed object stream; the QR code still carries it.
 */
export function tokenFromPdfBytes(pdf: Uint8Array): string | null {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  const m = /tonghu-cert:([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(text);
  return m ? (m[1] ?? null) : null;
}

/** Reads a payload without checking its signature (for showing what a rejected token claims). */
export function decodePayloadUnverified(token: string): unknown {
  const body = token.trim().split('.')[0] ?? '';
  if (!B64URL.test(body)) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/** Why `p` is not a valid version-1 payload, or null when it is. */
export function payloadProblem(p: unknown): string | null {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return 'not an object';
  const o = p as Record<string, unknown>;
  if (o.v !== 1) return 'v must be 1';
  for (const f of ['s', 'n', 'c', 'a'] as const) {
    if (typeof o[f] !== 'string' || (o[f] as string).length === 0) return `${f} must be a non-empty string`;
  }
  if (typeof o.k !== 'string' || !KINDS.includes(o.k)) return `k must be one of ${KINDS.join(', ')}`;
  if (o.h !== null && (typeof o.h !== 'number' || !Number.isFinite(o.h) || o.h < 0)) return 'h must be a number ≥ 0 or null';
  if (typeof o.i !== 'string' || !DAY.test(o.i)) return 'i must be YYYY-MM-DD';
  if (o.e !== null && (typeof o.e !== 'string' || !DAY.test(o.e))) return 'e must be YYYY-MM-DD or null';
  return null;
}
