import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { packageRoot } from '../version';

/** Where `npm run build` puts the Studio (Vite's output). */
export const DEFAULT_STUDIO_DIR = path.join(packageRoot(), 'dist', 'studio');

/**
 * Nothing from the network: scripts, styles, images, fonts and API calls come
 * from Homing itself. Email previews render in sandboxed srcdoc iframes, and
 * no other site may frame the Studio.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Homing Studio is not built</title></head>
<body><h1>The Studio is not built</h1>
<p>This Homing runs from a checkout whose Studio has not been built yet. Run <code>npm run build</code>
(<code>npm install</code> and <code>npm start</code> do it too), then reload this page.</p>
<p>The management API at <a href="/openapi.json">/openapi.json</a> works meanwhile.</p></body></html>
`;

/**
 * The Studio at /studio: hashed assets cached for good, index.html (never
 * cached, so a new build is picked up on the next load) for every other path,
 * the client's routes. The build is looked for on each request, so building
 * while Homing runs needs no restart.
 */
export function studioRouter(opts: { dir?: string } = {}): express.Router {
  const dir = opts.dir ?? DEFAULT_STUDIO_DIR;
  const index = path.join(dir, 'index.html');
  const router = express.Router();
  router.use('/studio', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.set({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    if (!fs.existsSync(index)) {
      res.status(503).set({ 'cache-control': 'no-store', 'retry-after': '60' }).type('html').send(NOT_BUILT);
      return;
    }
    next();
  });
  // Vite names these by content hash: a changed file gets a new name. A missing one is a 404, never index.html.
  router.use('/studio/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false, redirect: false }));
  router.use('/studio', express.static(dir, { index: false, redirect: false, cacheControl: false, setHeaders: (res) => res.set('cache-control', 'no-cache') }));
  router.get(['/studio', '/studio/*path'], (_req, res) => {
    res.set('cache-control', 'no-cache').sendFile(index);
  });
  return router;
}
