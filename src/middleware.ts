import { defineMiddleware } from 'astro:middleware';
import { getDb } from './server/db';
import { getEnv } from './server/env';
import { SESSION_COOKIE, LANG_COOKIE, setSessionCookie } from './server/cookies';
import { isSameOrigin, isSecureRequest } from './server/request';
import { validateSessionToken } from './lib/auth/session';
import { canOpen, isPublicPath, ROLE_HOME } from './lib/auth/access';
import { translator, isLocale, DEFAULT_LOCALE } from './i18n/index';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the site really needs: its own scripts, styles and images; no framing; no plugins. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(response: Response, https: boolean): Response {
  const h = response.headers;
  h.set('Content-Security-Policy', CSP);
  h.set('X-Content-Type-Options', 'nosniff');
  h.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  h.set('X-Frame-Options', 'DENY');
  h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  h.set('Cross-Origin-Opener-Policy', 'same-origin');
  if (https) h.set('Strict-Transport-Security', 'max-age=31536000');
  if (!h.has('Cache-Control') && (h.get('Content-Type') ?? '').startsWith('text/html')) h.set('Cache-Control', 'private, no-store');
  return response;
}

export const onRequest = defineMiddleware(async (ctx, next) => {
  const { request, url, cookies, locals } = ctx;
  const https = isSecureRequest(request, url);
  const langCookie = cookies.get(LANG_COOKIE)?.value;
  const locale = isLocale(langCookie) ? langCookie : DEFAULT_LOCALE;
  locals.locale = locale;
  locals.t = translator(locale);
  locals.session = null;
  getEnv();

  if (!SAFE_METHODS.has(request.method) && !isSameOrigin(request, url)) {
    return secure(new Response(locals.t('error.origin'), { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }), https);
  }

  const path = url.pathname;
  const token = cookies.get(SESSION_COOKIE)?.value;
  if (token && !path.startsWith('/_astro/')) {
    const session = validateSessionToken(getDb(), token, Date.now(), { days: getEnv().TONGHU_SESSION_DAYS });
    if (session) {
      locals.session = session;
      if (session.renewed) setSessionCookie(cookies, token, session.expiresAt, https);
    }
  }

  if (!isPublicPath(path)) {
    const session = locals.session;
    if (!session) {
      if (!SAFE_METHODS.has(request.method)) return secure(new Response(null, { status: 401 }), https);
      const nextParam = path === '/' ? '' : `?next=${encodeURIComponent(path + url.search)}`;
      return secure(ctx.redirect(`/login${nextParam}`, 303), https);
    }
    // A temporary password must be replaced before anything else.
    if (session.user.mustChangePassword && path !== '/password' && path !== '/logout') {
      return secure(ctx.redirect('/password', 303), https);
    }
    if (path === '/') {
      return secure(ctx.redirect(session.active ? ROLE_HOME[session.active.role] : '/password', 303), https);
    }
    if (!canOpen(path, session.active?.role)) {
      return secure(await ctx.rewrite('/403'), https);
    }
  }
  return secure(await next(), https);
});
