// Rebloom's service worker: the app opens quickly and offline shows the last
// app shell. Only the app's own files are cached; the API (health data) never is.
const CACHE = 'rebloom-shell-v1';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(['/', '/manifest.webmanifest', '/icon.svg'])));
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))),
  );
  self.clients.claim();
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io')) return;
  if (event.request.mode === 'navigate') {
    // Pages: the network first (new versions), the cached shell when offline.
    event.respondWith(
      fetch(event.request)
        .then((res) => {
          // Only the app's own page is the shell (not /docs, errors or the "not built" page).
          const appPage = !/^\/(docs|health|ready|metrics)/.test(url.pathname);
          if (res.ok && appPage && res.headers.get('content-type')?.includes('text/html')) {
            const copy = res.clone();
            void caches.open(CACHE).then((c) => c.put('/', copy));
          }
          return res;
        })
        .catch(() => caches.match('/')),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    // Content-hashed files never change: cache first.
    event.respondWith(
      caches.match(event.request).then(
        (hit) =>
          hit ??
          fetch(event.request).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              void caches.open(CACHE).then((c) => c.put(event.request, copy));
            }
            return res;
          }),
      ),
    );
  }
});
