/**
 * tcpdump reports its counters on standard error: one per line when it exits, and on one line,
 * comma-separated, when sent SIGUSR1 (Linux's stand-in for BSD's SIGINFO). The counts are
 * cumulative since tcpdump opened the interface. "dropped by interface" appears only when non-zero.
 *
 *   5 packets captured
 *   7 packets received by filter
 *   0 packets dropped by kernel
 *   tcpdump: 5 packets captured, 7 packets received by filter, 0 packets dropped by kernel
 */
export interface TcpdumpCounts {
  captured: number;
  receivedByFilter: number;
  kernelDrops: number;
  ifDrops: number;
}

const COUNTERS: readonly [keyof TcpdumpCounts, RegExp][] = [
  ['captured', /(\d+) packets? captured/],
  ['receivedByFilter', /(\d+) packets? received by filter/],
  ['kernelDrops', /(\d+) packets? dropped by kernel/],
  ['ifDrops', /(\d+) packets? dropped by interface/],
];

export function emptyCounts(): TcpdumpCounts {
  return { captured: 0, receivedByFilter: 0, kernelDrops: 0, ifDrops: 0 };
}

/**
 * Updates `counts` from one line of tcpdump's standard error. Returns true when the line ends a
 * report (it holds the kernel drop count, the one counter tcpdump always prints last or next to last).
 */
export function readTcpdumpStatsLine(line: string, counts: TcpdumpCounts): boolean {
  for (const [key, pattern] of COUNTERS) {
    const match = pattern.exec(line);
    if (match !== null) counts[key] = Number(match[1]);
  }
  return COUNTERS[2]![1].test(line);
}
