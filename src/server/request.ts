import type { APIContext } from 'astro';
import { getEnv } from './env';

/** The client's address; behind a trusted reverse proxy, the address the proxy appended last. */
export function clientIp(ctx: Pick<APIContext, 'request' | 'clientAddress'>): string {
  if (getEnv().TONGHU_TRUST_PROXY) {
    const xff = ctx.request.headers.get('x-forwarded-for');
    const last = xff?.split(',').map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  try {
    return ctx.clientAddress;
  } catch {
    return 'unknown';
  }
}

/** The origin the browser used: the Host header (and forwarded protocol behind a trusted proxy). */
export function requestOrigin(request: Request, url: URL): string {
  const env = getEnv();
  const host = request.headers.get('host') ?? url.host;
  let proto = url.protocol.replace(':', '');
  if (env.TONGHU_TRUST_PROXY) proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || proto;
  return `${proto}://${host}`;
}

/**
 * Cross-site request check for every state-changing method, forms and JSON alike: the Origin (or,
 * failing that, the Referer) must be this site. Requests with neither header are refused.
 */
export function isSameOrigin(request: Request, url: URL): boolean {
  const origin = request.headers.get('origin') ?? refererOrigin(request.headers.get('referer'));
  if (!origin || origin === 'null') return false;
  const allowed = new Set([requestOrigin(request, url)]);
  const pub = getEnv().TONGHU_PUBLIC_ORIGIN;
  if (pub) allowed.add(pub);
  return allowed.has(origin);
}

function refererOrigin(ref: string | null): string | null {
  if (!ref) return null;
  try {
    return new URL(ref).origin;
  } catch {
    return null;
  }
}

export function isSecureRequest(request: Request, url: URL): boolean {
  const env = getEnv();
  if (env.TONGHU_PUBLIC_ORIGIN) return env.TONGHU_PUBLIC_ORIGIN.startsWith('https:');
  return requestOrigin(request, url).startsWith('https:');
}
