import { scrypt, randomBytes, timingSafeEqual, randomInt } from 'node:crypto';

/** scrypt parameters: N=2^14, r=8, p=1 — ~50 ms per hash on a 2-core server, 16 MiB of memory. */
const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keylen, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Format: scrypt$N$r$p$saltB64$hashB64 (parameters stored so they can be raised later). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N, R, P, KEYLEN);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64');
  const key = await scryptAsync(password, Buffer.from(saltB64, 'base64'), Number(n), Number(r), Number(p), expected.length);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * A hash of a random string, verified against when the phone is unknown so that an unknown phone takes
 * as long to reject as a wrong password (sign-in timing must not reveal who has an account).
 */
let dummyHash: Promise<string> | null = null;
export function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export type PasswordProblem = 'too_short' | 'too_long' | 'needs_letter_and_digit' | 'same_as_phone';

/** The minimum policy: 8–64 characters, at least one letter and one digit, not the phone number. */
export function checkPasswordPolicy(password: string, phone?: string): PasswordProblem | null {
  if (password.length < 8) return 'too_short';
  if (password.length > 64) return 'too_long';
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) return 'needs_letter_and_digit';
  if (phone && password.includes(phone)) return 'same_as_phone';
  return null;
}

/** A temporary password an administrator reads out to a person; no look-alike characters (0/O, 1/l/I). */
export function generateTemporaryPassword(): string {
  const letters = 'abcdefghjkmnpqrstuvwxyz';
  const digits = '23456789';
  const all = letters + digits;
  const chars = [letters[randomInt(letters.length)], digits[randomInt(digits.length)]];
  while (chars.length < 10) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
