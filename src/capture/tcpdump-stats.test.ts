import { describe, expect, it } from 'vitest';
import { emptyCounts, readTcpdumpStatsLine, type TcpdumpCounts } from './tcpdump-stats.js';

describe('readTcpdumpStatsLine', () => {
  it.each<[string, string[], Partial<TcpdumpCounts>, boolean]>([
    [
      'the report tcpdump prints at exit, line by line',
      ['5 packets captured', '7 packets received by filter', '2 packets dropped by kernel'],
      { captured: 5, receivedByFilter: 7, kernelDrops: 2, ifDrops: 0 },
      true,
    ],
    [
      'the exit report with interface drops after the kernel line',
      [
        '1 packet captured',
        '1 packet received by filter',
        '0 packets dropped by kernel',
        '3 packets dropped by interface',
      ],
      { captured: 1, receivedByFilter: 1, kernelDrops: 0, ifDrops: 3 },
      false,
    ],
    [
      'the one-line report SIGUSR1 asks for',
      ['tcpdump: 12 packets captured, 15 packets received by filter, 3 packets dropped by kernel'],
      { captured: 12, receivedByFilter: 15, kernelDrops: 3, ifDrops: 0 },
      true,
    ],
    [
      'the one-line report with interface drops',
      [
        'tcpdump: 9 packets captured, 9 packets received by filter, 0 packets dropped by kernel, 4 packets dropped by interface',
      ],
      { captured: 9, kernelDrops: 0, ifDrops: 4 },
      true,
    ],
    [
      'lines that are not statistics',
      [
        'tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes',
        'tcpdump: eth9: No such device exists',
      ],
      emptyCounts(),
      false,
    ],
  ])('reads %s', (_what, lines, expected, isLastReport) => {
    const counts = emptyCounts();
    const ends = lines.map((line) => readTcpdumpStatsLine(line, counts));
    expect(counts).toMatchObject(expected);
    expect(ends.at(-1)).toBe(isLastReport);
  });

  it('keeps the latest values when reports repeat, since tcpdump counts from its start', () => {
    const counts = emptyCounts();
    readTcpdumpStatsLine(
      'tcpdump: 1 packet captured, 1 packet received by filter, 1 packet dropped by kernel',
      counts,
    );
    readTcpdumpStatsLine(
      'tcpdump: 8 packets captured, 9 packets received by filter, 4 packets dropped by kernel',
      counts,
    );
    expect(counts).toEqual({ captured: 8, receivedByFilter: 9, kernelDrops: 4, ifDrops: 0 });
  });
});
