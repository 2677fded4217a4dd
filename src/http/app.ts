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
import { templatesRouter } from './templates-router';
import { automationsRouter } from './automations-router';
import { messagesRouter } from './messages-router';
import { trackingRouter } from './tracking-router';
import { webhooksRouter, type WebhookSettings } from './webhooks-router';
import type { RunControl } from '../automations/runs';

export interface AppDeps {
  pool: Pool;
  pipeline: IngestPipeline;
  temporal: Client;
  namespace: string;
  apiKeys: string[];
  adminToken: string;
  log: Logger;
  version: string;
  runs: RunControl;
  trackingSecret: string;
  /** Base of run links to the Temporal UI. */
  temporalUiUrl?: string;
  /** Concurrent ingest requests before 429. */
  maxInFlight?: number;
  /** Serves the provider webhooks (/webhooks/twilio, /webhooks/sendgrid) when set. */
  webhooks?: WebhookSettings;
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
  app.use(templatesRouter({ pool: deps.pool, routes }));
  app.use(automationsRouter({ pool: deps.pool, routes, runs: deps.runs, temporalUiUrl: deps.temporalUiUrl, namespace: deps.namespace }));
  app.use(messagesRouter({ pool: deps.pool, routes }));
  app.use(trackingRouter({ pool: deps.pool, runs: deps.runs, trackingSecret: deps.trackingSecret }));
  if (deps.webhooks) app.use(webhooksRouter({ pool: deps.pool, runs: deps.runs, log: deps.log, settings: deps.webhooks }));
  app.use(healthRouter({ pool: deps.pool, temporal: deps.temporal, namespace: deps.namespace, routes, version: deps.version }));
  // After every router: the admin router authorises /api but leaves unmatched paths to the routers mounted after it.
  app.use('/api', (req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.originalUrl}`)));
  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}
