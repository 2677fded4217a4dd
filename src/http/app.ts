import express from 'express';
import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import type { IngestPipeline } from '../ingest/pipeline';
import type { Logger } from '../logger';
import { metrics } from '../metrics';
import { adminRouter } from './admin-router';
import { errorHandler, HttpError } from './errors';
import { healthRouter } from './health-router';
import { RouteRegistry } from './routes';
import { segmentRouter } from './segment-router';

export interface AppDeps {
  pool: Pool;
  pipeline: IngestPipeline;
  temporal: Client;
  namespace: string;
  apiKeys: string[];
  adminToken: string;
  log: Logger;
  version: string;
  /** Concurrent ingest requests before 429. */
  maxInFlight?: number;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const end = metrics.httpRequests.startTimer();
    res.on('finish', () => end({ route: req.route?.path ?? 'unmatched', code: res.statusCode }));
    next();
  });
  const routes = new RouteRegistry();
  app.use(segmentRouter({ apiKeys: deps.apiKeys, pipeline: deps.pipeline, maxInFlight: deps.maxInFlight ?? 512 }));
  app.use(adminRouter({ pool: deps.pool, adminToken: deps.adminToken, routes }));
  app.use(healthRouter({ pool: deps.pool, temporal: deps.temporal, namespace: deps.namespace, routes, version: deps.version }));
  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}
