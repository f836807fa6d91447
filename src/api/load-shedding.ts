import type { Response } from 'express';
import { tryAgain } from './answer-bound';

/**
 * Per-route limits on requests being handled at once in this process. Past the limit a request is
 * refused at once with 503 and Retry-After instead of queueing behind work it would wait on.
 */
export class InFlightLimits {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Admits a request to `route` or throws the 503; the returned function must be called when it is done. */
  enter(route: string, res: Response): () => void {
    const current = this.inFlight.get(route) ?? 0;
    if (current >= this.limit) throw tryAgain(res, 'The service is busy; retry shortly');
    this.inFlight.set(route, current + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight.set(route, (this.inFlight.get(route) ?? 1) - 1);
    };
  }
}
