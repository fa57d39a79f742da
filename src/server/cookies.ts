import type { AstroCookies } from 'astro';

export const SESSION_COOKIE = 'tonghu_session';
export const LANG_COOKIE = 'tonghu_lang';

export function setSessionCookie(cookies: AstroCookies, token: string, expiresAt: number, secure: boolean): void {
  cookies.set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(cookies: AstroCookies, secure: boolean): void {
  cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 });
}
