import { DOUBLE, VARCHAR, type DuckDBConnection } from './duckdb-api.js';
import type { RuleState, RuleStateUpdate } from '../../records/index.js';
import { timestampTz, toNumberOrNull, toStringOrNull, toText } from './duckdb-values.js';

const STATUSES = new Set(['ok', 'capped', 'failed']);

export async function readRuleStates(connection: DuckDBConnection): Promise<RuleState[]> {
  const reader = await connection.runAndReadAll(
    `SELECT rule_id, rule_version, epoch_us(flow_watermark) AS flow_watermark,
       epoch_us(indicator_watermark) AS indicator_watermark, epoch_us(last_run_at) AS last_run_at,
       last_status, last_error_code, last_error, last_duration_ms, last_rows,
       epoch_us(last_success_at) AS last_success_at
     FROM rule_state ORDER BY rule_id`,
  );
  return reader.getRowObjects().map((row) => {
    const status = toStringOrNull(row['last_status']);
    return {
      ruleId: toText(row['rule_id']),
      ruleVersion: toStringOrNull(row['rule_version']),
      flowWatermark: toNumberOrNull(row['flow_watermark']),
      indicatorWatermark: toNumberOrNull(row['indicator_watermark']),
      lastRunAt: toNumberOrNull(row['last_run_at']),
      lastStatus: status !== null && STATUSES.has(status) ? (status as RuleState['lastStatus']) : null,
      lastErrorCode: toStringOrNull(row['last_error_code']),
      lastError: toStringOrNull(row['last_error']),
      lastDurationMs: toNumberOrNull(row['last_duration_ms']),
      lastRows: toNumberOrNull(row['last_rows']),
      lastSuccessAt: toNumberOrNull(row['last_success_at']),
    };
  });
}

/**
 * Saves the outcome of one run. A null watermark keeps the stored one (a failed run moves nothing);
 * `last_success_at` and the rule version move only with a run that did not fail. Runs inside the
 * caller's transaction.
 */
export async function saveRuleState(connection: DuckDBConnection, update: RuleStateUpdate): Promise<void> {
  const succeeded = update.status !== 'failed';
  await connection.run(
    `INSERT INTO rule_state AS s (rule_id, rule_version, flow_watermark, indicator_watermark, last_run_at,
       last_status, last_error_code, last_error, last_duration_ms, last_rows, last_success_at)
     VALUES ($rule, $version, $flow, $indicator, $at, $status, $code, $message, $duration, $rows,
       CASE WHEN $succeeded THEN $at END)
     ON CONFLICT (rule_id) DO UPDATE SET
       rule_version = CASE WHEN $succeeded THEN excluded.rule_version ELSE s.rule_version END,
       flow_watermark = coalesce(excluded.flow_watermark, s.flow_watermark),
       indicator_watermark = coalesce(excluded.indicator_watermark, s.indicator_watermark),
       last_run_at = excluded.last_run_at,
       last_status = excluded.last_status,
       last_error_code = excluded.last_error_code,
       last_error = excluded.last_error,
       last_duration_ms = excluded.last_duration_ms,
       last_rows = excluded.last_rows,
       last_success_at = coalesce(excluded.last_success_at, s.last_success_at)`,
    {
      rule: update.ruleId,
      version: succeeded ? update.ruleVersion : null,
      flow: update.flowWatermark === null ? null : timestampTz(update.flowWatermark),
      indicator: update.indicatorWatermark === null ? null : timestampTz(update.indicatorWatermark),
      at: timestampTz(update.runAt),
      status: update.status,
      code: update.errorCode,
      message: update.errorMessage,
      duration: update.durationMs,
      rows: BigInt(update.rows),
      succeeded,
    },
    { rule: VARCHAR, version: VARCHAR, status: VARCHAR, code: VARCHAR, message: VARCHAR, duration: DOUBLE },
  );
}
