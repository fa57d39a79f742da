/*
 * 童护学堂 service worker (docs/decisions/0016-offline-outbox.md). scripts/build-sw.mjs writes it to
 * dist/client/sw.js after `astro build`, prefixed with the exact list of built assets and a version
 * derived from them, so every deploy installs a new worker that replaces the old caches.
 *
 *   tonghu-shell-<version>   the built CSS/JS, icons, manifest and the offline page (cache first)
 *   tonghu-pages-<version>   pages the server marked `Tonghu-Offline: page` (network first, the copy
 *                            is used when the network is down) and what "下载离线学习" stored
 *
 * Pages are personal: they are deleted on sign-out (Clear-Site-Data and src/scripts/offline.ts).
 * POST requests are never cached or replayed here; offline records go to the page's IndexedDB outbox.
 */
/* global self, caches, fetch, Response, URL */
const VERSION = self.TONGHU_VERSION;
const PRECACHE = self.TONGHU_PRECACHE;
const SHELL = `tonghu-shell-${VERSION}`;
const PAGES = `tonghu-pages-${VERSION}`;
const OFFLINE_PAGE = '/offline.html';
const STORE_HEADER = 'X-Tonghu-Store';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(PRECACHE);
      await self.skipWaiting();
    })(),
  );
});

/** Stores a response with its size and time, which the course page reads back ("已存 … KB"). */
async function store(cache, url, response) {
  const body = await response.arrayBuffer();
  const headers = new Headers(response.headers);
  headers.set('X-Tonghu-Bytes', String(body.byteLength));
  headers.set('X-Tonghu-Stored-At', String(Date.now()));
  await cache.put(url, new Response(body, { status: response.status, statusText: response.statusText, headers }));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const pages = await caches.open(PAGES);
      // a new deploy: pages stored by the old worker point at old assets, so fetch them again (best effort,
      // the worker activates right after it was downloaded, that is while online)
      for (const name of names.filter((n) => n.startsWith('tonghu-pages-') && n !== PAGES)) {
        const old = await caches.open(name);
        for (const req of await old.keys()) {
          try {
            const res = await fetch(req.url, { credentials: 'same-origin', redirect: 'follow' });
            if (res.ok && !res.redirected && res.headers.get('Tonghu-Offline') === 'page') await store(pages, req.url, res);
            else if (res.ok && (res.headers.get('Content-Type') || '').startsWith('image/')) await store(pages, req.url, res);
          } catch {
            break;
          }
        }
      }
      await Promise.all(names.filter((n) => n.startsWith('tonghu-') && n !== SHELL && n !== PAGES).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

function page(title, body, status = 503) {
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · 童护学堂</title><link rel="stylesheet" href="/offline.css"></head><body><main><p class="brand">童护学堂</p><h1>${title}</h1><p>${body}</p><p><a href="/outbox">待同步的记录</a></p></main></body></html>`;
  return new Response(html, { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } });
}

async function cacheFirst(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok && new URL(request.url).pathname.startsWith('/_astro/')) {
    const cache = await caches.open(SHELL);
    await cache.put(request, res.clone());
  }
  return res;
}

async function networkFirstPage(request) {
  try {
    const res = await fetch(request);
    if (res.ok && !res.redirected && res.headers.get('Tonghu-Offline') === 'page') {
      const cache = await caches.open(PAGES);
      return store(cache, request.url, res);
    }
    return res;
  } catch (e) {
    const hit = await caches.match(request.url, { cacheName: PAGES });
    if (hit) return hit;
    const offline = await caches.match(OFFLINE_PAGE);
    return offline || page('没有网络', '这一页还没存在手机上。');
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== 'GET') {
    // a form sent while the network dropped: say so plainly instead of the browser's error page
    if (request.mode === 'navigate') {
      event.respondWith(
        fetch(request).catch(() =>
          page('网络中断，没有保存', '这次提交没有送到服务器。请返回上一页再点提交：没有网络时，记录会先存在手机上，联网后自动发送。'),
        ),
      );
    }
    return;
  }
  // "下载离线学习": the course page asks for each page and image with this header
  if (request.headers.get(STORE_HEADER) === '1') {
    event.respondWith(
      (async () => {
        const res = await fetch(request.url, { credentials: 'same-origin' });
        if (!res.ok || res.redirected) return res;
        // pages only when the server marked them for offline use; images as they come
        const html = (res.headers.get('Content-Type') || '').startsWith('text/html');
        if (html && res.headers.get('Tonghu-Offline') !== 'page') return res;
        return store(await caches.open(PAGES), request.url, res);
      })(),
    );
    return;
  }
  if (url.pathname.startsWith('/_astro/') || PRECACHE.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(networkFirstPage(request));
    return;
  }
  if (request.destination === 'image') {
    event.respondWith(
      (async () => (await caches.match(request.url, { cacheName: PAGES })) || fetch(request))(),
    );
  }
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'version' && event.ports[0]) event.ports[0].postMessage({ version: VERSION, pages: PAGES });
});
