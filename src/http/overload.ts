import type { Response } from 'express';
import { HttpError } from './errors';

/**
 * Sheds load before it queues without bound: past `max` concurrent requests
 * the client gets 429 with Retry-After (Segment backs off and retries).
 */
export class InFlightLimit {
  private inFlight = 0;

  /** `what` names the requests counted, for the 429's message, e.g. "requests". */
  constructor(
    readonly max: number,
    private readonly what: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  /**
   * Takes a slot, or throws the 429. The slot is freed by the returned
   * function or when the response is done, whichever comes first.
   */
  acquire(res: Response): () => void {
    if (this.inFlight >= this.max) {
      throw new HttpError(429, `too many ${this.what} in flight (${this.max}); retry later`, undefined, { 'Retry-After': '1', ...this.headers });
    }
    this.inFlight++;
    let done = false;
    const release = () => {
      if (!done) {
        done = true;
        this.inFlight--;
      }
    };
    res.on('finish', release);
    res.on('close', release);
    return release;
  }
}
