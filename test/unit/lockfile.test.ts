import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/version';

/**
 * The committed lockfile must be what `npm install` on a fresh clone produces,
 * or every install rewrites it (and CI's clean install is not what we tested).
 * npm 11 records every platform's optional binary package and asks for each
 * install script to be approved in `allowScripts`.
 */
interface LockedPackage {
  optionalDependencies?: Record<string, string>;
  hasInstallScript?: boolean;
}

const root = packageRoot();
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
const lock = read('package-lock.json') as { packages: Record<string, LockedPackage> };
const manifest = read('package.json') as { allowScripts?: Record<string, boolean> };

/** The package name of a lockfile key such as `node_modules/a/node_modules/@b/c`. */
const nameOf = (key: string) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** Node's lookup: the package's own node_modules, then each parent's, up to the root. */
function resolves(fromKey: string, dependency: string): boolean {
  for (let dir = fromKey; ; ) {
    if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${dependency}`]) return true;
    if (dir === '') return false;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/** Optional dependencies that the registry does not have (404), so npm skips them on every install and never locks them. */
const UNPUBLISHED = new Set(['napi-windows-process-start-time' /* vite 8.4 names it; not on registry.npmjs.org */]);

test('every optional dependency of a locked package is in the lockfile', () => {
  const missing = Object.entries(lock.packages).flatMap(([key, pkg]) =>
    Object.keys(pkg.optionalDependencies ?? {})
      .filter((dep) => !resolves(key, dep) && !UNPUBLISHED.has(dep))
      .map((dep) => `${nameOf(key) || 'homing'} → ${dep}`),
  );
  expect(missing).toEqual([]);
});

test('every locked package with an install script is approved or denied in allowScripts', () => {
  const allowScripts = manifest.allowScripts ?? {};
  const unlisted = Object.entries(lock.packages)
    .filter(([key, pkg]) => key !== '' && pkg.hasInstallScript && !(nameOf(key) in allowScripts))
    .map(([key]) => nameOf(key));
  expect(unlisted).toEqual([]);
});
