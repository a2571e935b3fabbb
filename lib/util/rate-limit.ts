/**
 * Suppresses repeats of identical lines inside a time window, so that a broker outage
 * that makes librdkafka repeat the same error every second produces one line per window
 * and a count of what was suppressed, not a flood.
 */
export class RepeatLimiter {
  private readonly seen = new Map<string, { since: number; suppressed: number }>();

  /** @param windowMs how long an identical line stays suppressed after it was let through. */
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Returns null when `key` must be suppressed, else the number of repeats suppressed
   * since it was last let through (0 the first time).
   */
  admit(key: string): number | null {
    if (this.windowMs <= 0) return 0;
    const t = this.now();
    const entry = this.seen.get(key);
    if (entry && t - entry.since < this.windowMs) {
      entry.suppressed++;
      return null;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.seen.set(key, { since: t, suppressed: 0 });
    if (this.seen.size > 1000) this.prune(t);
    return suppressed;
  }

  private prune(t: number): void {
    for (const [key, entry] of this.seen) if (t - entry.since >= this.windowMs) this.seen.delete(key);
  }
}
