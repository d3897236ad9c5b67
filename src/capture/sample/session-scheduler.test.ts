import { describe, expect, it } from 'vitest';
import type { TimedFrame } from './pcap-writer.js';
import { mergeSessions, type Session } from './session-scheduler.js';

const frame = (timestampUs: number, tag: number): TimedFrame => ({ timestampUs, frame: Uint8Array.of(tag) });

function session(startUs: number, tag: number, times: number[], started?: number[]): Session {
  return {
    startUs,
    run: function* () {
      started?.push(tag);
      for (const t of times) yield frame(t, tag);
    },
  };
}

const tags = (frames: Iterable<TimedFrame>): string[] =>
  [...frames].map((f) => `${f.frame[0]}@${f.timestampUs}`);

describe('mergeSessions', () => {
  it('interleaves sessions in timestamp order, ties in scheduling order', () => {
    const merged = mergeSessions(
      [session(0, 1, [0, 10, 20]), session(5, 2, [5, 10, 15]), session(0, 3, [30])],
      100,
    );
    expect(tags(merged)).toEqual(['1@0', '2@5', '1@10', '2@10', '2@15', '1@20', '3@30']);
  });

  it('starts a session only when the merged stream reaches its start time', () => {
    const started: number[] = [];
    const merged = mergeSessions([session(0, 1, [0, 50], started), session(40, 2, [45], started)], 100);
    const iterator = merged[Symbol.iterator]();
    iterator.next();
    expect(started).toEqual([1]);
    expect(iterator.next().value?.frame[0]).toBe(2);
    expect(started).toEqual([1, 2]);
  });

  it('drops every frame at or after the end, and sessions that start after it', () => {
    const started: number[] = [];
    const merged = mergeSessions(
      [session(0, 1, [10, 99, 100, 150], started), session(100, 2, [100], started)],
      100,
    );
    expect(tags(merged)).toEqual(['1@10', '1@99']);
    expect(started).toEqual([1]);
  });

  it('throws when a session steps back in time, instead of yielding out of order', () => {
    const merged = mergeSessions([session(0, 1, [0, 20]), session(10, 2, [10, 5])], 100);
    expect(() => tags(merged)).toThrow(/back in time/);
  });

  it('keeps order across many sessions', () => {
    const sessions = Array.from({ length: 500 }, (_, i) =>
      session((i * 7919) % 1000, i % 250, [((i * 7919) % 1000) + 1, ((i * 7919) % 1000) + 400]),
    );
    const times = [...mergeSessions(sessions, 10_000)].map((f) => f.timestampUs);
    expect(times).toHaveLength(1000);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
