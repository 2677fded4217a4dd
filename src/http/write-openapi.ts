import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApp } from './app';
import { openApiDocument, RouteRegistry } from './routes';
import { createPool } from '../db/pool';
import { IngestPipeline } from '../ingest/pipeline';
import { RunControl } from '../automations/runs';
import { createLogger } from '../logger';
import { packageRoot, VERSION } from '../version';

/**
 * The OpenAPI document of the app, without a server: the app is built as
 * `homing api` builds it, declaring every route into one registry, but never
 * listens. Its Postgres pool and Temporal connection are lazy, so nothing
 * connects. `npm run build` types the Studio's API client from it.
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const log = createLogger('silent');
  const pool = createPool('postgres://unused@127.0.0.1:1/unused', 1);
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const routes = new RouteRegistry();
  createApp(
    {
      pool,
      pipeline: new IngestPipeline(pool),
      temporal,
      namespace: 'default',
      apiKeys: ['unused'],
      adminToken: 'unused',
      log,
      version: VERSION,
      runs: new RunControl({ pool, temporal, taskQueue: 'unused', log }),
      trackingSecret: 'unused',
      // Declares the provider webhook routes too, as a configured Homing serves them.
      webhooks: { publicUrl: 'http://localhost:3000' },
      // And GET /api/doctor, as `homing api` serves it.
      doctor: async () => [],
    },
    routes,
  );
  await pool.end();
  return openApiDocument(routes, { title: 'Homing management API', version: VERSION });
}

/** `node dist/src/http/write-openapi.js [file]`: writes the document (default studio/generated/openapi.json). */
if (require.main === module) {
  const file = path.resolve(process.argv[2] ?? path.join(packageRoot(), 'studio', 'generated', 'openapi.json'));
  buildOpenApiDocument().then(
    (doc) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
      console.log(`OpenAPI document written to ${path.relative(process.cwd(), file)}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
