import express from 'express';
import { z } from 'zod';
import type { Check } from '../doctor';
import type { RouteRegistry } from './routes';

const doctorReport = z.object({
  ok: z.boolean().describe('every check passed'),
  checks: z.array(z.object({ name: z.string().describe('postgres, temporal, email, sms, segment, …'), ok: z.boolean(), detail: z.string() })),
});

/** What `homing doctor` knows, for the Studio's Settings: the same checks, run by the API against the dependencies it uses. */
export function doctorRouter(deps: { routes: RouteRegistry; doctor: () => Promise<Check[]> }): express.Router {
  const router = express.Router();
  deps.routes.add(
    router,
    { method: 'get', path: '/api/doctor', tag: 'studio', summary: "`homing doctor`'s checks (Postgres, Temporal, providers, Segment export); a dependency that does not answer in a few seconds fails its check", response: doctorReport },
    async () => {
      const checks = await deps.doctor();
      return { ok: checks.every((c) => c.ok), checks };
    },
  );
  return router;
}
