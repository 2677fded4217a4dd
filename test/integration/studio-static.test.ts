import fs from 'node:fs';
import path from 'node:path';
import { startHoming, startOwnApi, type TestHoming } from '../helpers/homing';
import { tempDir } from '../helpers/servers';
import { buildOpenApiDocument } from '../../src/http/write-openapi';

/**
 * How Homing serves the built Studio: index.html for every client route and
 * never cached, hashed assets cached for good, a CSP that allows nothing
 * from the network, and a clear 503 when the Studio has not been built.
 */
let homing: TestHoming;
let built: { url: string; close(): void };
let unbuilt: { url: string; close(): void };
const INDEX = '<!doctype html><html><head><script type="module" src="/studio/assets/index-3f2a9c1b.js"></script></head><body><div id="root"></div></body></html>';

beforeAll(async () => {
  homing = await startHoming({ worker: false });
  const dir = tempDir('studio-dist-');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dir, 'assets', 'index-3f2a9c1b.js'), 'console.log("studio")');
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  built = await startOwnApi(homing, { studioDir: dir });
  unbuilt = await startOwnApi(homing, { studioDir: path.join(dir, 'missing') });
}, 60_000);
afterAll(async () => {
  built?.close();
  unbuilt?.close();
  await homing?.stop();
});

const get = (base: string, p: string) => fetch(`${base}${p}`, { redirect: 'manual' });

function expectOnlySelf(res: Response) {
  const csp = res.headers.get('content-security-policy')!;
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  // Nothing from the network: no other origin, scheme or inline script is allowed anywhere.
  expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

it.each(['/studio', '/studio/', '/studio/sign-in', '/studio/events', '/studio/mappings/new?event=Trial%20Started'])('%s answers index.html, never cached', async (p) => {
  const res = await get(built.url, p);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('cache-control')).toBe('no-cache');
  expectOnlySelf(res);
  expect(await res.text()).toBe(INDEX);
});

it('hashed assets are cached for a year as immutable', async () => {
  const res = await get(built.url, '/studio/assets/index-3f2a9c1b.js');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/javascript/);
  expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expectOnlySelf(res);
  expect(await res.text()).toBe('console.log("studio")');
});

it('a missing asset is a 404, not index.html', async () => {
  const res = await get(built.url, '/studio/assets/index-00000000.js');
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toMatch(/json/);
  expect((await get(built.url, '/studio/assets/../../../package.json')).status).not.toBe(200);
});

it('other files of the build are served, revalidated on each use', async () => {
  const res = await get(built.url, '/studio/favicon.svg');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  expect(res.headers.get('cache-control')).toBe('no-cache');
});

it('without a build, /studio answers a 503 page saying to run npm run build', async () => {
  for (const p of ['/studio', '/studio/events', '/studio/assets/index-3f2a9c1b.js']) {
    const res = await get(unbuilt.url, p);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expectOnlySelf(res);
    expect(await res.text()).toContain('npm run build');
  }
});

it('only GET and HEAD reach the Studio, and /studio-like paths are not it', async () => {
  expect((await fetch(`${built.url}/studio/events`, { method: 'HEAD' })).status).toBe(200);
  expect((await fetch(`${built.url}/studio/events`, { method: 'POST' })).status).toBe(404);
  expect((await get(built.url, '/studious')).status).toBe(404);
});

it('the OpenAPI document written at build time, without a server, is the one the server publishes', async () => {
  const served = await (await fetch(`${homing.url}/openapi.json`)).json();
  expect(await buildOpenApiDocument()).toEqual(served);
});

it('a Homing built with npm run build serves the Studio from dist/studio, every file it loads from /studio/assets', async () => {
  const page = await get(homing.url, '/studio/events');
  expect(page.status).toBe(200);
  const html = await page.text();
  const loaded = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  expect(loaded.length).toBeGreaterThan(0);
  for (const url of loaded) {
    expect(url).toMatch(/^\/studio\/assets\//);
    const asset = await get(homing.url, url);
    expect({ url, status: asset.status, cache: asset.headers.get('cache-control') }).toEqual({ url, status: 200, cache: 'public, max-age=31536000, immutable' });
  }
});
