/**
 * Pages and images kept for offline reading. The service worker (scripts/sw/sw.js) stores a response
 * when the request carries X-Tonghu-Store: 1 and records its size in X-Tonghu-Bytes, which is read back
 * here to say what is already on the phone. Page caches are named tonghu-pages-<version>.
 */

export interface StoredInfo {
  pages: number;
  bytes: number;
}

const PAGE_CACHE_PREFIX = 'tonghu-pages-';

export function canStore(): boolean {
  return 'serviceWorker' in navigator && 'caches' in window;
}

/** Resolves once a service worker controls this page (the first visit: after it installs). */
export function whenControlled(timeoutMs = 30_000): Promise<boolean> {
  if (!('serviceWorker' in navigator)) return Promise.resolve(false);
  if (navigator.serviceWorker.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => resolve(!!navigator.serviceWorker.controller);
    navigator.serviceWorker.addEventListener('controllerchange', done, { once: true });
    setTimeout(done, timeoutMs);
  });
}

export async function storedInfo(urls: string[]): Promise<StoredInfo> {
  let pages = 0;
  let bytes = 0;
  if (!('caches' in window)) return { pages, bytes };
  for (const u of urls) {
    const hit = await caches.match(u);
    if (!hit) continue;
    pages++;
    bytes += Number(hit.headers.get('X-Tonghu-Bytes') ?? 0);
  }
  return { pages, bytes };
}

/**
 * Fetches each URL through the service worker, which stores it. Stops at the first network failure:
 * what was stored stays, and pressing download again fetches only what is missing unless `refresh`.
 */
export async function storeUrls(urls: string[], opts: { refresh?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<{ ok: boolean; stored: number; bytes: number }> {
  let stored = 0;
  let bytes = 0;
  let done = 0;
  for (const u of urls) {
    if (!opts.refresh && (await caches.match(u))) {
      done++;
      continue;
    }
    try {
      const res = await fetch(u, { headers: { 'X-Tonghu-Store': '1' }, credentials: 'same-origin' });
      if (res.ok && res.headers.has('X-Tonghu-Bytes')) {
        stored++;
        bytes += Number(res.headers.get('X-Tonghu-Bytes') ?? 0);
      }
    } catch {
      return { ok: false, stored, bytes };
    }
    opts.onProgress?.(++done, urls.length);
  }
  return { ok: true, stored, bytes };
}

export async function forgetUrls(urls: string[]): Promise<void> {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PAGE_CACHE_PREFIX)) continue;
    const c = await caches.open(name);
    for (const u of urls) await c.delete(u);
  }
}

/** Deletes every stored page (sign-out, or another person signed in on this phone). */
export async function forgetAllPages(): Promise<void> {
  if (!('caches' in window)) return;
  for (const name of await caches.keys()) if (name.startsWith(PAGE_CACHE_PREFIX)) await caches.delete(name);
}

export function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${Math.max(1, Math.round(n / 1024))} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const SAVER_KEY = 'tonghu.dataSaver';

/** The data-saver setting of this device: on when chosen, or when the system asks to save data. */
export function dataSaver(): { on: boolean; system: boolean } {
  const system = !!(navigator as Navigator & { connection?: { saveData?: boolean } }).connection?.saveData;
  return { on: system || localStorage.getItem(SAVER_KEY) === '1', system };
}

export function setDataSaver(on: boolean): void {
  localStorage.setItem(SAVER_KEY, on ? '1' : '0');
}
