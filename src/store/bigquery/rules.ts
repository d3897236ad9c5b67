/**
 * Detection and alerting on BigQuery: rule queries (rule-query.ts), rule state and alerts written
 * with their watermarks in one multi-statement transaction (alerts.ts), the outbox (outbox.ts) and
 * the dashboard's readers (dashboard.ts), with the semantics of the DuckDB store.
 */
import { isYamoriError, YamoriError } from '../../errors/index.js';
import type { AlertWrite, RuleStateUpdate } from '../../records/index.js';
import type { AlertWriteResult, Store } from '../store.js';
import {
  planAlertWrites,
  readAlerts,
  readRuleStates,
  resolveDevices,
  saveRuleState,
  Script,
} from './alerts.js';
import type { BigQueryContext } from './context.js';
import { readAlertPage, readDevicePeers, readFlowPage, readOverview } from './dashboard.js';
import {
  changeStatus,
  insertRouting,
  readAlertById,
  readAlertEvents,
  readDeliveries,
  readNotifiedThrottleKeys,
  readRoutings,
  readUnroutedAlerts,
  updateDelivery,
} from './outbox.js';
import { describeBigQueryRuleQuery, runBigQueryRuleQuery } from './rule-query.js';

export type BigQueryRules = Pick<
  Store,
  | 'runRuleQuery'
  | 'describeRuleQuery'
  | 'listRuleStates'
  | 'recordRuleFailure'
  | 'commitRuleRun'
  | 'listAlerts'
  | 'resolveDevices'
  | 'writeAlerts'
  | 'getAlert'
  | 'changeAlertStatus'
  | 'listAlertEvents'
  | 'listUnroutedAlerts'
  | 'recordRouting'
  | 'listAlertRoutings'
  | 'notifiedThrottleKeys'
  | 'listDeliveries'
  | 'recordDeliveryAttempt'
  | 'dashboardOverview'
  | 'pageFlows'
  | 'pageAlerts'
  | 'devicePeers'
>;

export function createBigQueryRules(ctx: BigQueryContext): BigQueryRules {
  const connection = ctx.connection;
  // One write at a time: alerts are merged against what the previous write left.
  let writes: Promise<unknown> = Promise.resolve();
  const serialised = <T>(task: () => Promise<T>): Promise<T> => {
    const run = writes.then(task, task);
    writes = run.catch(() => undefined);
    return run;
  };
  /** Alerts and (when given) the rule's state in one transaction; STORE_WRITE_FAILED when it fails. */
  const commit = (alerts: readonly AlertWrite[], state: RuleStateUpdate | null): Promise<AlertWriteResult> =>
    serialised(async () => {
      try {
        const script = new Script();
        const result = await planAlertWrites(connection, script, alerts, ctx.now());
        if (state !== null) saveRuleState(script, state);
        await connection.transaction(script.statements, script.params, { what: 'the write of alerts' });
        return result;
      } catch (cause) {
        throw writeFailed(cause, connection.description, state === null ? 'alerts' : 'the rule run');
      }
    });

  return {
    runRuleQuery: (sql, params, limits) => runBigQueryRuleQuery(connection, sql, params, limits),
    describeRuleQuery: (sql, probeAt) => describeBigQueryRuleQuery(connection, sql, probeAt),
    listRuleStates: () => readRuleStates(connection),
    recordRuleFailure: (update) =>
      serialised(async () => {
        const script = new Script();
        saveRuleState(script, { ...update, flowWatermark: null, indicatorWatermark: null });
        await connection.transaction(script.statements, script.params, {
          what: 'the record of a failed rule run',
        });
      }),
    commitRuleRun: (alerts, state) => commit(alerts, state),
    writeAlerts: (alerts) => commit(alerts, null),
    listAlerts: (filter = {}) => readAlerts(connection, filter),
    resolveDevices: (refs) => resolveDevices(connection, refs),
    getAlert: (id) => readAlertById(connection, id),
    changeAlertStatus: (change) => serialised(() => changeStatus(connection, change)),
    listAlertEvents: (alertId) => readAlertEvents(connection, alertId),
    listUnroutedAlerts: (limit) => readUnroutedAlerts(connection, limit),
    recordRouting: (routings, deliveries) =>
      serialised(async () => {
        try {
          await insertRouting(connection, routings, deliveries);
        } catch (cause) {
          throw writeFailed(cause, connection.description, 'routing decisions');
        }
      }),
    listAlertRoutings: (alertIds) => readRoutings(connection, alertIds),
    notifiedThrottleKeys: (keys, since) => readNotifiedThrottleKeys(connection, keys, since),
    listDeliveries: (filter = {}) => readDeliveries(connection, filter),
    recordDeliveryAttempt: (attempt) => serialised(() => updateDelivery(connection, attempt)),
    dashboardOverview: (range) => readOverview(connection, range),
    pageFlows: (filter) => readFlowPage(connection, filter),
    pageAlerts: (filter) => readAlertPage(connection, filter),
    devicePeers: (device, options = {}) => readDevicePeers(connection, device, options),
  };
}

/** A failed write as DuckDB reports one: STORE_WRITE_FAILED, and nothing of it was stored. */
function writeFailed(cause: unknown, target: string, what: string): YamoriError {
  if (isYamoriError(cause) && cause.code === 'STORE_WRITE_FAILED') return cause;
  const detail = isYamoriError(cause) || cause instanceof Error ? cause.message : String(cause);
  return new YamoriError(
    'STORE_WRITE_FAILED',
    { what, path: `BigQuery dataset ${target}`, detail },
    { cause },
  );
}
