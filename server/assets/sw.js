// Antrean's service worker. Public pages a citizen opened (the office list, an
// office, a ticket) open again without a connection, with the last numbers seen;
// the live connection brings them up to date once the network is back. Pages
// with personal or staff data are never stored on the device.
const CACHE = 'antrean-v1';
const SHELL = ['/offline.html', '/style/main.css', '/favicon.svg', '/icons/icon-192.png', '/pkg/antrean.js', '/pkg/antrean_bg.wasm'];
const STORED_PAGES = [/^\/$/, /^\/kantor\/[^/]+$/, /^\/tiket\/[^/]+$/];
const STATIC = /^\/(pkg|style|icons)\/|^\/(favicon\.svg|chime\.wav)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  const isPage = request.mode === 'navigate';
  const store = isPage ? STORED_PAGES.some((pattern) => pattern.test(url.pathname)) : STATIC.test(url.pathname);
  if (isPage || store) event.respondWith(networkFirst(request, isPage, store));
});

// The network first, so numbers and code are always current (static files are
// revalidated through the HTTP cache); the stored copy, or for a page the offline
// page, when the network fails.
async function networkFirst(request, isPage, store) {
  try {
    const response = await fetch(request);
    if (store && response.ok) {
      const cache = await caches.open(CACHE);
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const stored = store && (await caches.match(request));
    if (stored) return stored;
    if (isPage) return caches.match('/offline.html');
    throw error;
  }
}
