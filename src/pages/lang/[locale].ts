import type { APIRoute } from 'astro';
import { isLocale } from '../../i18n/index';
import { LANG_COOKIE } from '../../server/cookies';
import { safeNext } from '../../lib/auth/access';

/** Language switch: remembers the choice in a cookie and returns to the page the person was on. */
export const GET: APIRoute = ({ params, url, cookies, redirect }) => {
  const locale = params.locale;
  if (!isLocale(locale)) return new Response('Not found', { status: 404 });
  cookies.set(LANG_COOKIE, locale, { path: '/', sameSite: 'lax', maxAge: 365 * 24 * 3600 });
  return redirect(safeNext(url.searchParams.get('next')) ?? '/', 303);
};
