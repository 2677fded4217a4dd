import express from 'express';
import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import { registry } from '../metrics';
import { openApiDocument, type RouteRegistry } from './routes';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

async function check(fn: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await withTimeout(fn(), 2_000);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Liveness, readiness (Postgres and Temporal), Prometheus metrics and the OpenAPI document. */
export function healthRouter(deps: { pool: Pool; temporal: Client; namespace: string; routes: RouteRegistry; version: string }): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      check(() => deps.pool.query('SELECT 1')),
      check(() => deps.temporal.workflowService.describeNamespace({ namespace: deps.namespace })),
    ]);
    const ok = postgres.ok && temporal.ok;
    res.status(ok ? 200 : 503).json({ ok, postgres, temporal });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(deps.routes, { title: 'Homing management API', version: deps.version }));
  });
  return router;
}
