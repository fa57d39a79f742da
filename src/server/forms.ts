import type { AstroGlobal } from 'astro';
import { formToObject, type FieldErrors } from '../lib/validation/form';
import { FieldError } from '../lib/errors';

/**
 * Reads a form body; a body that is not a form (wrong content type, broken encoding) reads as empty,
 * so validation answers with field messages instead of a 500.
 */
export async function readForm(request: Request): Promise<Record<string, string>> {
  try {
    const ct = request.headers.get('content-type') ?? '';
    if (!ct.includes('application/x-www-form-urlencoded') && !ct.includes('multipart/form-data')) return {};
    return formToObject(await request.formData());
  } catch {
    return {};
  }
}

/** A FieldError from the lib becomes a message next to its field; anything else is rethrown. */
export function fieldErrorsFrom(e: unknown): FieldErrors {
  if (e instanceof FieldError) return { [e.field]: { key: e.key, params: e.params } };
  throw e;
}

/** Renders the 404 page for ids outside the caller's jurisdiction, revealing nothing about them. */
export function notFound(Astro: AstroGlobal) {
  // Astro cannot copy a request whose body a POST handler has read (RewriteWithBodyUsed, a 500): the 404
  // page is then rendered for a bodiless GET with the same headers (session cookie, language)
  if (Astro.request.bodyUsed) return Astro.rewrite(new Request(new URL('/404', Astro.url), { headers: Astro.request.headers }));
  return Astro.rewrite('/404');
}

export function parseIdParam(s: string | undefined): number | null {
  if (!s || !/^[1-9]\d{0,15}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
