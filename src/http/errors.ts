import type { ErrorRequestHandler } from 'express';
import client from 'prom-client';
import { z } from 'zod';
import { isDataError, isUnavailable } from '../db/pool';
import { EventTooLargeError } from '../ingest/pipeline';
import type { Logger } from '../logger';
import { registry } from '../metrics';

/** An error with the HTTP status and JSON body it should be answered with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Each one is a validation gap to close: input that should have been refused before it reached a query. */
const postgresRefusals = new client.Counter({
  name: 'homing_http_postgres_refused_values_total',
  help: 'Requests answered 400 because Postgres refused a value that validation let through',
  registers: [registry],
});

/** Every error leaves as `{"error": "...", "details"?: ...}`; a 5xx never carries internals. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let body: { error: string; details?: unknown } = { error: 'internal error' };
    let headers: Record<string, string> = {};
    if (err instanceof HttpError) {
      status = err.status;
      body = err.details === undefined ? { error: err.message } : { error: err.message, details: err.details };
      headers = err.headers;
    } else if (err instanceof EventTooLargeError) {
      status = 400;
      body = { error: err.message };
    } else if (err instanceof z.ZodError) {
      status = 400;
      const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      body = { error: `invalid request: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`, details };
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      // body-parser (malformed JSON, oversized body, unsupported charset or encoding) and undecodable URLs: all bad input
      status = err.status === 413 || err.status === 415 ? 400 : err.status;
      body = { error: err.type === 'entity.parse.failed' ? `malformed JSON: ${err.message}` : err.message };
    } else if (isDataError(err)) {
      // A safety net: validation should have refused the value before it reached a query, so it is logged as a gap.
      status = 400;
      body = { error: `invalid request: ${err.message}` };
      log.warn({ err, path: req.path }, 'Postgres refused a request value that validation let through');
      postgresRefusals.inc();
    } else if (isUnavailable(err)) {
      status = 503;
      body = { error: 'storage unavailable, retry later' };
      headers = { 'Retry-After': '5' };
    }
    if (status >= 500) log.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(status).set(headers).json(body);
  };
}
