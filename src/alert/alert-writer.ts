import type { AlertWrite, RuleRunCommit } from '../records/index.js';
import type { AlertWriteResult, Store } from '../store/index.js';
import { dedupKey } from './dedup-key.js';
import { renderTitle } from './render-title.js';

export interface AlertWriterOptions {
  /** Result rows kept on one alert (`detect.max_evidence_rows`). */
  maxEvidenceRows: number;
}

export interface AlertWriter {
  /**
   * Turns a rule run's findings into alert writes and hands them, with the run's new watermarks, to
   * the store in one transaction. Each finding names its device (hostname, else vendor, else MAC or
   * address), gets its title rendered from the rule's template and its dedup key from the dedup
   * columns; the store merges repeats within the rule's suppression period.
   */
  commit(run: RuleRunCommit): Promise<AlertWriteResult>;
}

export function createAlertWriter(options: AlertWriterOptions, deps: { store: Store }): AlertWriter {
  return {
    async commit(run) {
      const devices = await deps.store.resolveDevices(
        run.findings.map((f) => ({ mac: f.deviceMac?.toLowerCase() ?? null, addr: f.deviceAddr })),
      );
      const writes: AlertWrite[] = run.findings.map((finding, index) => {
        const device = devices[index] ?? { mac: null, name: null };
        const deviceMac = finding.deviceMac?.toLowerCase() ?? device.mac;
        const given = finding.row['device_name'];
        const deviceName =
          typeof given === 'string' && given !== ''
            ? given
            : (device.name ?? deviceMac ?? finding.deviceAddr ?? null);
        const row = deviceName === null ? finding.row : { ...finding.row, device_name: deviceName };
        return {
          ruleId: run.ruleId,
          ruleVersion: run.ruleVersion,
          severity: run.severity,
          title: renderTitle(run.titleTemplate, row),
          dedupKey: dedupKey(run.dedupColumns, finding.row),
          firstSeenAt: finding.firstSeenAt,
          lastSeenAt: finding.lastSeenAt,
          count: 1,
          deviceMac,
          deviceName,
          remoteAddr: finding.remoteAddr,
          indicatorIds: finding.indicatorIds,
          indicatorSources: finding.indicatorSources,
          evidence: [finding.row],
          provenance: [finding.provenance],
          suppressForUs: run.suppressForUs,
          maxEvidenceRows: options.maxEvidenceRows,
        };
      });
      return deps.store.commitRuleRun(writes, run.state);
    },
  };
}
