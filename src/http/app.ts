import express from 'express';
import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import type { IngestPipeline } from '../ingest/pipeline';
import type { Logger } from '../logger';
import { metrics } from '../metrics';
import { adminRouter } from './admin-router';
import { sessionRouter } from './session-router';
import { statsRouter } from './stats-router';
import { doctorRouter } from './doctor-router';
import type { Check } from '../doctor';
import { studioRouter } from './studio-router';
import { BODY_TIMEOUT_MS } from './body';
import { errorHandler, HttpError } from './errors';
import { healthRouter } from './health-router';
import { RouteRegistry } from './routes';
import { documentHealthRoutes, documentIngestRoutes } from './route-docs';
import { segmentRouter } from './segment-router';
import { templatesRouter } from './templates-router';
import { templateTestSendRouter } from './template-test-send-router';
import type { TestSendSettings } from '../messaging/test-send';
import { automationsRouter } from './automations-router';
import { messagesRouter } from './messages-router';
import { consentRouter } from './consent-router';
import { trackingRouter } from './tracking-router';
import { unsubscribeRouter } from './unsubscribe-router';
import { webhooksRouter, type WebhookSettings } from './webhooks-router';
import type { RunControl } from '../automations/runs';
import type { EngagementPolicy } from '../messaging/engagement-classification';

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
  /** How opens and clicks are told human or machine (default: DEFAULT_ENGAGEMENT_POLICY). */
  engagement?: EngagementPolicy;
  /** Base of run links to the Temporal UI. */
  temporalUiUrl?: string;
  /** Concurrent authenticated ingest requests before 429 (default 512). */
  maxInFlight?: number;
  /** Concurrent ingest body reads before the key is known (X-Signature, /v1 writeKey) before 429 (default 64). */
  maxUnauthenticatedInFlight?: number;
  /** Time to receive an ingest body before 408 (default 10 s). */
  bodyTimeoutMs?: number;
  /** Serves the provider webhooks (/webhooks/twilio, /webhooks/sendgrid) when set. */
  webhooks?: WebhookSettings;
  /** PUBLIC_URL: what the Studio shows Segment, and https makes the session cookie Secure. */
  publicUrl?: string;
  /** The providers and sender settings "send a test" uses (POST /api/templates/:id/test-send answers 503 without them). */
  testSend?: TestSendSettings;
  /** The built Studio (default: dist/studio of the package). */
  studioDir?: string;
  /** `homing doctor`'s checks against this API's dependencies: serves GET /api/doctor when set. */
  doctor?: () => Promise<Check[]>;
}

/** The app; `routes` collects every route's declaration (what /openapi.json and the build's openapi.json are made from). */
export function createApp(deps: AppDeps, routes = new RouteRegistry()): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const end = metrics.httpRequests.startTimer();
    res.on('finish', () => end({ route: req.route?.path ?? 'unmatched', code: res.statusCode }));
    next();
  });
  const limits = { maxInFlight: deps.maxInFlight ?? 512, maxUnauthenticatedInFlight: deps.maxUnauthenticatedInFlight ?? 64, bodyTimeoutMs: deps.bodyTimeoutMs ?? BODY_TIMEOUT_MS };
  documentIngestRoutes(routes);
  app.use(segmentRouter({ apiKeys: deps.apiKeys, pipeline: deps.pipeline, limits }));
  app.use(sessionRouter({ pool: deps.pool, adminToken: deps.adminToken, publicUrl: deps.publicUrl, routes }));
  app.use(adminRouter({ pool: deps.pool, adminToken: deps.adminToken, routes }));
  app.use(statsRouter({ pool: deps.pool, routes, apiKeys: deps.apiKeys, publicUrl: deps.publicUrl }));
  if (deps.doctor) app.use(doctorRouter({ routes, doctor: deps.doctor }));
  app.use(templatesRouter({ pool: deps.pool, routes }));
  app.use(templateTestSendRouter({ pool: deps.pool, routes, settings: deps.testSend }));
  app.use(automationsRouter({ pool: deps.pool, routes, runs: deps.runs, temporalUiUrl: deps.temporalUiUrl, namespace: deps.namespace }));
  app.use(messagesRouter({ pool: deps.pool, routes }));
  app.use(consentRouter({ pool: deps.pool, routes }));
  app.use(trackingRouter({ pool: deps.pool, runs: deps.runs, trackingSecret: deps.trackingSecret, engagement: deps.engagement, routes }));
  app.use(unsubscribeRouter({ pool: deps.pool, secret: deps.trackingSecret, routes }));
  if (deps.webhooks) app.use(webhooksRouter({ pool: deps.pool, runs: deps.runs, log: deps.log, engagement: deps.engagement, settings: deps.webhooks, routes }));
  documentHealthRoutes(routes);
  app.use(healthRouter({ pool: deps.pool, temporal: deps.temporal, namespace: deps.namespace, routes, version: deps.version }));
  app.use(studioRouter({ dir: deps.studioDir }));
  // After every router: the admin router authorises /api but leaves unmatched paths to the routers mounted after it.
  app.use('/api', (req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.originalUrl}`)));
  app.use((req, _res, next) => next(new HttpError(404, `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}
