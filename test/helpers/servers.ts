import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { provisionTemporalBinary } from '../../src/embedded/temporal-binaries';
import { startDevServer, type DevServerHandle } from '../../src/embedded/temporal-server';
import { packageRoot } from '../../src/version';

/**
 * The Temporal CLI for tests, provisioned once into the repository's default
 * data dir (as `npm start` would), so repeated runs reuse it.
 */
export function temporalCli(): string {
  return provisionTemporalBinary('temporal', path.join(packageRoot(), '.homing', 'tools'), (m) => console.log(m));
}

/** The time-skipping `temporal-test-server`, provisioned like {@link temporalCli}. */
export function temporalTestServer(): string {
  return provisionTemporalBinary('temporal-test-server', path.join(packageRoot(), '.homing', 'tools'), (m) => console.log(m));
}

/** A temporary directory that the `postgres` system user can enter too. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** A throwaway dev server with its own SQLite file (`dbFile` to restart on the same state). */
export function startTestTemporal(dbFile = path.join(tempDir('homing-temporal-'), 'temporal.db'), preferredPort?: number): Promise<DevServerHandle> {
  return startDevServer({ cliPath: temporalCli(), dbFile, namespace: 'default', ui: false, preferredPort, readyTimeoutMs: 120_000 });
}
