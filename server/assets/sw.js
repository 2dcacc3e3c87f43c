// Antrean's service worker. Public pages a citizen opened (the office list, an
// office) open again without a connection, with the last numbers seen; the live
// connection brings them up to date once the network is back. Pages with
// personal or staff data (a ticket shows its holder's name) are never stored on
// the device, which may be shared or lost. Notices the
// server pushes ("almost your turn", "called") are shown as notifications.
// The server fills in this build's cache name and file names (their names
// carry a hash of their content): a new build is a new worker, and its new
// cache name drops every earlier cache.
const CACHE = '__VERSION__';
const SHELL = ['__OFFLINE_FILES__'];
const STORED_PAGES = [/^\/$/, /^\/kantor\/[^/]+$/];
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

// A notice from the server (web push): shown as a notification that opens the ticket.
self.addEventListener('push', (event) => {
  let notice = { title: 'Antrean', body: '', url: '/tiket-saya', tag: 'antrean' };
  try {
    notice = { ...notice, ...event.data.json() };
  } catch (error) {
    // An empty or unreadable message still tells the citizen to look.
  }
  event.waitUntil(
    self.registration.showNotification(notice.title, {
      body: notice.body,
      tag: notice.tag,
      renotify: true,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { url: notice.url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? '/tiket-saya', self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === url);
      return open ? open.focus() : self.clients.openWindow(url);
    }),
  );
});
