import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  /** Sent back in X-CSRF-Token on every request that changes state (synchronizer token). */
  csrfToken: string;
  /** Milliseconds since the epoch after which the session is gone unless used. */
  expiresAtMs: number;
}

/**
 * Logged-in sessions, in memory: a restart logs everyone out, and nothing about a session is ever
 * written to disk. Bounded: past `maxSessions` the session closest to expiry is dropped.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly maxSessions = 1000,
  ) {}

  create(): Session {
    this.sweep();
    if (this.sessions.size >= this.maxSessions) {
      const oldest = [...this.sessions.values()].sort((a, b) => a.expiresAtMs - b.expiresAtMs)[0];
      if (oldest) this.sessions.delete(oldest.id);
    }
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAtMs: this.now() + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its expiry pushed forward; null when unknown or expired. */
  touch(id: string): Session | null {
    const session = this.sessions.get(id);
    if (session === undefined) return null;
    if (session.expiresAtMs <= this.now()) {
      this.sessions.delete(id);
      return null;
    }
    session.expiresAtMs = this.now() + this.ttlMs;
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session (after a password change). */
  clear(): void {
    this.sessions.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAtMs <= now) this.sessions.delete(id);
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const given = Buffer.from(presented);
  const expected = Buffer.from(session.csrfToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
