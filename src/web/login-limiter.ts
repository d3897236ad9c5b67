/**
 * Login attempts per client address in a sliding minute. Every attempt counts, right or wrong, so
 * guessing costs the same as logging in; past the limit the next attempt is refused before any
 * password is hashed. Bounded: at most `maxClients` addresses are remembered.
 */
export class LoginLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
    private readonly maxClients = 10_000,
  ) {}

  /** Records an attempt; returns 0 when allowed, else the seconds until one is. */
  attempt(client: string): number {
    const now = this.now();
    const recent = (this.attempts.get(client) ?? []).filter((at) => at > now - 60_000);
    if (recent.length >= this.perMinute) {
      this.attempts.set(client, recent);
      return Math.max(1, Math.ceil((recent[0]! + 60_000 - now) / 1000));
    }
    recent.push(now);
    this.attempts.delete(client);
    this.attempts.set(client, recent);
    if (this.attempts.size > this.maxClients) {
      const oldest = this.attempts.keys().next().value;
      if (oldest !== undefined) this.attempts.delete(oldest);
    }
    return 0;
  }
}
