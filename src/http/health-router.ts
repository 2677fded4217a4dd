import express from 'express';
import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import { metrics, registry } from '../metrics';
import { queuedEventCount } from '../db/outbox';
import { pendingOutcomeCount } from '../db/outcomes';
import { openApiDocument, type RouteRegistry } from './routes';

const CHECK_TIMEOUT_MS = 2_000;

async function check(fn: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await fn();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** /metrics is open to anyone: the backlog counts cost Postgres at most this often. */
const BACKLOG_REFRESH_MS = 10_000;

/**
 * The backlogs an operator watches during an outage, counted at most every
 * BACKLOG_REFRESH_MS with one count in flight; left at their last value while
 * Postgres is away (/readyz says why).
 */
function backlogRefresher(pool: Pool): () => Promise<void> {
  let last = 0;
  let running: Promise<void> | undefined;
  return () => {
    if (running || Date.now() - last < BACKLOG_REFRESH_MS) return running ?? Promise.resolve();
    last = Date.now();
    running = Promise.all([queuedEventCount(pool), pendingOutcomeCount(pool)])
      .then(([queued, pending]) => {
        metrics.queuedEvents.set(queued);
        metrics.pendingOutcomes.set(pending);
      })
      .catch(() => undefined)
      .finally(() => (running = undefined));
    return running;
  };
}

/** Liveness, readiness (Postgres and Temporal), Prometheus metrics and the OpenAPI document. */
export function healthRouter(deps: { pool: Pool; temporal: Client; namespace: string; routes: RouteRegistry; version: string }): express.Router {
  const router = express.Router();
  const refreshBacklog = backlogRefresher(deps.pool);
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      check(() => deps.pool.query({ text: 'SELECT 1', query_timeout: CHECK_TIMEOUT_MS } as never)),
      // A deadline, not a race: the call itself must end, or its retries outlive the request.
      check(() =>
        deps.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
          deps.temporal.workflowService.describeNamespace({ namespace: deps.namespace }),
        ),
      ),
    ]);
    const ok = postgres.ok && temporal.ok;
    res.status(ok ? 200 : 503).json({ ok, postgres, temporal });
  });
  router.get('/metrics', async (_req, res) => {
    await refreshBacklog();
    res.type(registry.contentType).send(await registry.metrics());
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(deps.routes, { title: 'Homing management API', version: deps.version }));
  });
  return router;
}
