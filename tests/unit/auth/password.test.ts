import { describe, it, expect } from 'vitest';
import { hashPassword, verifyPassword, checkPasswordPolicy, generateTemporaryPassword } from '../../../src/lib/auth/password';

describe('passwords', () => {
  it('hashes with scrypt and a random salt, and verifies only the right password', async () => {
    const a = await hashPassword('Tonghu#2026');
    const b = await hashPassword('Tonghu#2026');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toEqual(b);
    expect(await verifyPassword(a, 'Tonghu#2026')).toBe(true);
    expect(await verifyPassword(a, 'tonghu#2026')).toBe(false);
    expect(await verifyPassword(a, '')).toBe(false);
  });

  it('rejects malformed stored hashes instead of throwing', async () => {
    expect(await verifyPassword('plain', 'x')).toBe(false);
    expect(await verifyPassword('bcrypt$1$2$3$4$5', 'x')).toBe(false);
  });

  it('enforces the minimum policy', () => {
    expect(checkPasswordPolicy('abc123')).toBe('too_short');
    expect(checkPasswordPolicy('abcdefghij')).toBe('needs_letter_and_digit');
    expect(checkPasswordPolicy('1234567890')).toBe('needs_letter_and_digit');
    expect(checkPasswordPolicy('a'.repeat(60) + '12345')).toBe('too_long');
    expect(checkPasswordPolicy('x13900000005', '13900000005')).toBe('same_as_phone');
    expect(checkPasswordPolicy('Tonghu#2026', '13900000005')).toBeNull();
  });

  it('generates temporary passwords that satisfy the policy', () => {
    for (let i = 0; i < 200; i++) {
      const p = generateTemporaryPassword();
      expect(p).toHaveLength(10);
      expect(checkPasswordPolicy(p)).toBeNull();
      expect(p).not.toMatch(/[01lIoO]/);
    }
  });
});
