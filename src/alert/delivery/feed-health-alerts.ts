import type { AlertSeverity, AlertWrite, EpochMicros } from '../../records/index.js';

/** The rule id of the alerts Yamori raises about its own feeds; routes match it like any rule. */
export const FEED_HEALTH_RULE = 'yamori.feed-health';

/** One feed's judged health (intel/'s FeedStatus, reduced to what an alert needs). */
export interface FeedHealthReport {
  feed: string;
  enabled: boolean;
  /** intel/'s FeedHealthStatus: healthy, never-run, failing, auth-required, empty, shrunk, stale. */
  status: string;
  problem: string | null;
}

const SEVERITY: Record<string, AlertSeverity> = {
  failing: 'medium',
  stale: 'medium',
  'auth-required': 'medium',
  empty: 'medium',
  shrunk: 'low',
};

/**
 * Alerts for enabled feeds in trouble: failing N runs in a row, stale beyond three schedule periods,
 * refusing access, suddenly empty or shrunk. The dedup key is the feed and its status, so a feed
 * that stays broken raises one alert's count (for `suppressForUs`) instead of a new alert per check;
 * a feed that turns healthy and breaks again after that period gets a new one.
 */
export function feedHealthAlertWrites(
  reports: readonly FeedHealthReport[],
  now: EpochMicros,
  suppressForUs: number,
): AlertWrite[] {
  return reports
    .filter((report) => report.enabled && SEVERITY[report.status] !== undefined)
    .map((report) => ({
      ruleId: FEED_HEALTH_RULE,
      ruleVersion: '1',
      severity: SEVERITY[report.status]!,
      title: `Feed ${report.feed} is ${report.status}: ${report.problem ?? 'no detail'}`,
      dedupKey: `feed=${report.feed};status=${report.status}`,
      firstSeenAt: now,
      lastSeenAt: now,
      count: 1,
      deviceMac: null,
      deviceName: null,
      remoteAddr: null,
      indicatorIds: [],
      indicatorSources: [report.feed],
      evidence: [{ feed: report.feed, status: report.status, problem: report.problem }],
      provenance: [],
      suppressForUs,
      maxEvidenceRows: 20,
    }));
}
