/** "Chrome 131 · Android", "微信 · iPhone": a user agent as a person recognises their device; null when unknown. */
export function describeDevice(ua: string | null | undefined): string | null {
  if (!ua) return null;
  const os = /iPhone|iPad/.test(ua) ? (ua.includes('iPad') ? 'iPad' : 'iPhone') : /Android/.test(ua) ? 'Android' : /HarmonyOS/.test(ua) ? 'HarmonyOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  const m =
    /MicroMessenger\/(\d+)/.exec(ua)?.[0] ? ['微信'] : (/Edg\/(\d+)/.exec(ua) ?? /(?:Chrome|Chromium)\/(\d+)/.exec(ua) ?? /Firefox\/(\d+)/.exec(ua) ?? /Version\/(\d+).*Safari/.exec(ua));
  const browser = !m ? null : m.length === 1 ? m[0] : `${/Edg\//.test(ua) ? 'Edge' : /Chrom/.test(ua) ? 'Chrome' : /Firefox/.test(ua) ? 'Firefox' : 'Safari'} ${m[1]}`;
  const label = [browser, os].filter(Boolean).join(' · ');
  return label || ua.slice(0, 60);
}
