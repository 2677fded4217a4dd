import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../../src/embedded/postgres';
import { workflowSource } from '../../src/temporal/workflow-source';
import { startTestTemporal, tempDir, temporalTestServer } from './servers';

/**
 * Real servers for the whole run: one embedded PostgreSQL (each test file gets
 * its own database in it), one Temporal dev server (each file its own task
 * queue), and one workflow bundle. Their addresses reach the test workers
 * through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const dir = tempDir('homing-test-');
  const source = workflowSource([]);
  // Installed once, here, before any test file (or the test kit in one) would install it at the same time.
  process.env.TEMPORAL_TEST_SERVER_PATH ??= temporalTestServer();
  const [postgres, temporal, bundle] = await Promise.all([
    startEmbeddedPostgres({ dataDir: dir, database: 'postgres', flags: ['-c', 'fsync=off', '-c', 'max_connections=300'] }),
    startTestTemporal(),
    // As the worker bundles them (shared modules included).
    bundleWorkflowCode({ workflowsPath: source.workflowsPath, ...source.bundlerOptions, logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } }),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  process.env.HOMING_TEST_DATABASE_URL = postgres.url;
  process.env.HOMING_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.HOMING_TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as Record<string, unknown>).__homingTestServers = { postgres, temporal, dir };
}
