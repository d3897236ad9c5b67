import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './login-limiter.js';

describe('LoginLimiter', () => {
  it('allows five attempts a minute per client, then says how long to wait', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter(5, () => now);
    for (let i = 0; i < 5; i++) {
      expect(limiter.attempt('192.0.2.1')).toBe(0);
      now += 1_000;
    }
    expect(limiter.attempt('192.0.2.1')).toBe(55);
    expect(limiter.attempt('192.0.2.2')).toBe(0);
    now += 55_001;
    expect(limiter.attempt('192.0.2.1')).toBe(0);
  });

  it('forgets the least recently seen client past its bound', () => {
    const limiter = new LoginLimiter(1, () => 0, 2);
    limiter.attempt('a');
    limiter.attempt('b');
    limiter.attempt('c');
    expect(limiter.attempt('a')).toBe(0);
    expect(limiter.attempt('c')).toBeGreaterThan(0);
  });
});
