/**
 * How many requests may be in flight, lowered while the server rate-limits (halved on each
 * 429, down to one) and raised again by one after as many successes in a row as the current
 * limit allows (additive increase, multiplicative decrease, as TCP does). Requests that find
 * no free slot wait for one.
 */
export class AdaptiveLimit {
  private current: number;
  private inFlight = 0;
  private successes = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {
    this.current = Math.max(1, max);
  }

  get limit(): number {
    return this.current;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    while (this.inFlight >= this.current) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
      this.wake();
    }
  }

  /** The server said "too many requests". */
  rateLimited(): void {
    this.current = Math.max(1, Math.floor(this.current / 2));
    this.successes = 0;
  }

  succeeded(): void {
    if (this.current >= this.max) return;
    if (++this.successes >= this.current) {
      this.current++;
      this.successes = 0;
      this.wake();
    }
  }

  private wake(): void {
    for (let free = this.current - this.inFlight; free > 0 && this.waiting.length; free--) this.waiting.shift()?.();
  }
}
