import client from 'prom-client';

/** Every Prometheus series Homing exports, in one registry served at /metrics. */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'homing_' });

export const metrics = {
  ingestedEvents: new client.Counter({
    name: 'homing_ingest_events_total',
    help: 'Segment events received, by resulting status',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  httpRequests: new client.Histogram({
    name: 'homing_http_request_duration_seconds',
    help: 'HTTP request duration, by route and status code',
    labelNames: ['route', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
  appliedEvents: new client.Counter({
    name: 'homing_profile_events_applied_total',
    help: 'identify, group and alias events applied to profiles and groups',
    labelNames: ['type'] as const,
    registers: [registry],
  }),
  activeDrains: new client.Gauge({
    name: 'homing_profile_drains_active',
    help: 'Shard drains running in this worker',
    registers: [registry],
  }),
  applyBatchSeconds: new client.Histogram({
    name: 'homing_profile_batch_duration_seconds',
    help: 'Duration of one shard batch applying profile changes',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  }),
  runStarts: new client.Counter({
    name: 'homing_run_starts_total',
    help: 'Automation runs started in Temporal, by whether the first workflow task came straight back to this worker (eager start)',
    labelNames: ['eager'] as const,
    registers: [registry],
  }),
  listenerConnected: new client.Gauge({
    name: 'homing_outbox_listener_connected',
    help: '1 while the outbox listener holds its LISTEN connection to Postgres',
    registers: [registry],
  }),
  childRestarts: new client.Counter({
    name: 'homing_embedded_restarts_total',
    help: 'Restarts of a crashed embedded child (postgres, temporal)',
    labelNames: ['child'] as const,
    registers: [registry],
  }),
  queuedEvents: new client.Gauge({
    name: 'homing_outbox_queued_events',
    help: 'Events waiting to be applied by the shard workflows (read at scrape time)',
    registers: [registry],
  }),
  pendingOutcomes: new client.Gauge({
    name: 'homing_outcomes_pending',
    help: 'Outcomes waiting to be exported to Segment (read at scrape time)',
    registers: [registry],
  }),
};
