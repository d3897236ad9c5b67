import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('redacts secret fields and URL credentials', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
    log.info('feed fetch failed', { feed: 'otx', apiKey: 'abc123', url: 'https://user:pw@example.test/x' });
    expect(lines[0]).toBe(
      'info feed fetch failed feed=otx apiKey=[redacted] url=https://[redacted]@example.test/x',
    );
  });

  it('drops lines below the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (line) => lines.push(line) });
    log.info('hidden');
    log.warn('shown');
    expect(lines).toEqual(['warn shown']);
  });

  it('limits a repeated warning per minute and counts every occurrence', () => {
    const lines: string[] = [];
    let clock = 0;
    const log = createLogger({
      level: 'info',
      write: (line) => lines.push(line),
      now: () => clock,
      perMinute: 2,
    });
    for (let i = 0; i < 5; i++) log.warnLimited('malformed datagram', { exporter: '10.0.0.1' });
    expect(lines).toHaveLength(2);
    clock = 61_000;
    log.warnLimited('malformed datagram');
    expect(lines).toContain('warn malformed datagram (repeated) suppressed=3');
    expect(log.counts().get('malformed datagram')).toBe(6);
  });

  it('writes JSON lines when asked', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', json: true, write: (line) => lines.push(line), now: () => 0 });
    log.warn('tcpdump restarted', { interface: 'br-lan' });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'warn',
      message: 'tcpdump restarted',
      interface: 'br-lan',
    });
  });
});
