/**
 * A small in-memory fixed-window limiter for public pages (certificate verification). Per process; the
 * sign-in throttle, which must survive restarts, is kept in the database instead (src/lib/auth/throttle.ts).
 */
export function createLimiter(limit: number, windowMs: number, maxKeys = 50_000) {
  const hits = new Map<string, { start: number; n: number }>();
  return {
    /** true when the request may go ahead */
    take(key: string, now = Date.now()): boolean {
      const h = hits.get(key);
      if (!h || now - h.start >= windowMs) {
        if (hits.size >= maxKeys) hits.clear();
        hits.set(key, { start: now, n: 1 });
        return true;
      }
      h.n++;
      return h.n <= limit;
    },
  };
}
