import type { RequestHandler } from 'express';
import { HttpError } from './errors';

/**
 * Sheds load before it queues without bound: past `maxInFlight` concurrent
 * requests the client gets 429 with Retry-After (Segment backs off and retries).
 */
export function overloadGuard(maxInFlight: number): RequestHandler {
  let inFlight = 0;
  return (_req, res, next) => {
    if (inFlight >= maxInFlight) {
      next(new HttpError(429, `too many requests in flight (${maxInFlight}); retry later`, undefined, { 'Retry-After': '1' }));
      return;
    }
    inFlight++;
    let done = false;
    const release = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on('finish', release);
    res.on('close', release);
    next();
  };
}
