// Accord's service worker: keeps the app shell so Accord opens with no network.
// Network first (so a new build is picked up at once), the cache when offline.
const CACHE = "accord-shell-v1";
const ASSET = /(?:href|src)="(\/[^"]+\.(?:js|wasm|css))"/g;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const response = await fetch("/", { cache: "no-store" });
    const html = await response.clone().text();
    await cache.put("/", response);
    const assets = [...html.matchAll(ASSET)].map((m) => m[1]);
    await cache.addAll(assets);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/sync") || url.pathname.startsWith("/api")) return;
  // Every route of the single-page app is the same shell.
  const key = request.mode === "navigate" ? "/" : request;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(key, response.clone());
      return response;
    } catch (offline) {
      const cached = await cache.match(key);
      if (cached) return cached;
      throw offline;
    }
  })());
});
