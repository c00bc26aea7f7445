/**
 * A pacing limiter: each `take(cost)` waits until `cost` units fit under `perSecond`, shared by all workers
 * (requests per second for OpenObserve, bytes per second for Firehose). No bursts, so a run stays under a
 * documented quota instead of bouncing off it.
 */
export class RateLimiter {
  private nextAt = 0;
  private readonly perSecond: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    perSecond: number,
    options: { sleep?: (ms: number) => Promise<void>; now?: () => number } = {},
  ) {
    this.perSecond = perSecond;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async take(cost = 1): Promise<void> {
    if (!(this.perSecond > 0) || !Number.isFinite(this.perSecond)) return;
    const now = this.now();
    const start = Math.max(now, this.nextAt);
    this.nextAt = start + (cost / this.perSecond) * 1000;
    if (start > now) await this.sleep(start - now);
  }
}
