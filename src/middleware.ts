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
  // the service worker (/sw.js) and the web app manifest, both from this site (ADR 0016)
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  // the only frames are our own H5P player frames (/h5p/frame/…)
  "frame-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The H5P player frame (/h5p/frame/…): H5P content and library JavaScript run only here. `sandbox
 * allow-scripts` gives the document an opaque origin even when it is opened on its own, so it cannot read
 * the app's cookies, storage or pages, and its requests to the app carry no session; it talks to the
 * lesson page only by postMessage (docs/decisions/0008-h5p-sandbox.md). Only our lesson pages may frame it.
 */
const H5P_FRAME_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // H5P libraries write style attributes
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
  'sandbox allow-scripts',
].join('; ');

/** H5P files (/h5p/files/…) opened directly (an uploaded SVG, say) run nothing and get an opaque origin. */
const H5P_FILES_CSP = ["default-src 'none'", "img-src 'self' data:", "media-src 'self'", "style-src 'unsafe-inline'", "font-src 'self'", "frame-ancestors 'self'", 'sandbox'].join('; ');

function secure(response: Response, https: boolean, path = ''): Response {
  const h = response.headers;
  const frame = path.startsWith('/h5p/frame/');
  const files = path.startsWith('/h5p/files/');
  h.set('Content-Security-Policy', frame ? H5P_FRAME_CSP : files ? H5P_FILES_CSP : CSP);
  // the player frame has an opaque origin: its reads of library and content files are cross-origin
  if (files) h.set('Access-Control-Allow-Origin', '*');
  h.set('X-Content-Type-Options', 'nosniff');
  h.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  h.set('X-Frame-Options', frame || files ? 'SAMEORIGIN' : 'DENY');
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
  // H5P files are public (the sandboxed frame's requests carry no session anyway): no session lookup
  if (token && !path.startsWith('/_astro/') && !path.startsWith('/h5p/files/')) {
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
  return secure(await next(), https, path);
});
