import { describe, it, expect } from 'vitest';
import { canOpen, isPublicPath, rolesFor, safeNext, ROLE_HOME } from '../../../src/lib/auth/access';
import { ROLES } from '../../../db/schema/auth';

describe('page permissions', () => {
  it('sends every role to a home it may open', () => {
    for (const r of ROLES) expect(canOpen(ROLE_HOME[r], r)).toBe(true);
  });

  it('keeps directors out of review and admin, and everyone but admins out of admin', () => {
    expect(canOpen('/review', 'director')).toBe(false);
    expect(canOpen('/admin', 'director')).toBe(false);
    expect(canOpen('/admin/users/1', 'official')).toBe(false);
    expect(canOpen('/people/3', 'director')).toBe(false);
    expect(canOpen('/people/3', 'supervisor')).toBe(true);
    expect(canOpen('/admin/audit', 'admin')).toBe(true);
  });

  it('matches whole path segments only', () => {
    expect(rolesFor('/administrator')).toBeNull();
    expect(rolesFor('/admin')).toEqual(['admin']);
    expect(isPublicPath('/login')).toBe(true);
    expect(isPublicPath('/loginx')).toBe(false);
    expect(isPublicPath('/healthz')).toBe(true);
  });

  it('follows only same-site relative paths after sign-in', () => {
    expect(safeNext('/people?q=1')).toBe('/people?q=1');
    expect(safeNext('//evil.example/')).toBeNull();
    expect(safeNext('/\\evil.example')).toBeNull();
    expect(safeNext('https://evil.example')).toBeNull();
    expect(safeNext('/logout')).toBeNull();
    expect(safeNext(null)).toBeNull();
  });
});
