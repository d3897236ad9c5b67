/**
 * The alert outbox on BigQuery: routing decisions, deliveries and status changes, with DuckDB's
 * semantics (duckdb/outbox.ts). Writes that belong together run as one multi-statement transaction.
 */
import { isAlertStatus, type Alert, type EpochMicros } from '../../records/index.js';
import type {
  AlertRouting,
  AlertStatusChange,
  Delivery,
  DeliveryAttempt,
  DeliveryDraft,
  DeliveryFilter,
  DeliveryKind,
  DeliveryState,
} from '../store.js';
import { routingFromColumns } from '../alert-rows.js';
import {
  ALERT_COLUMNS,
  alertFromRow,
  BIGQUERY_VALUES,
  limitOf,
  num,
  Script,
  str,
  text,
  textList,
} from './alerts.js';
import { bq, type BqParamValue } from './bigquery-values.js';
import type { BigQueryConnection } from './connection.js';

export async function readAlertById(connection: BigQueryConnection, id: string): Promise<Alert | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const result = await connection.query(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = @id`,
    { id: id.toLowerCase() },
    { what: 'the read of an alert' },
  );
  const row = result.rows[0];
  return row === undefined ? null : alertFromRow(row);
}

export async function readUnroutedAlerts(connection: BigQueryConnection, limit?: number): Promise<Alert[]> {
  const result = await connection.query(
    `SELECT ${ALERT_COLUMNS} FROM alerts
     WHERE id NOT IN (SELECT alert_id FROM alert_routing)
     ORDER BY created_at, id LIMIT ${limitOf(limit, 100)}`,
    {},
    { what: 'the read of unrouted alerts' },
  );
  return result.rows.map(alertFromRow);
}

/**
 * Compare-and-set of an alert's status, with its event row, in one transaction. BigQuery does not say
 * how many rows a statement inside a script changed, so the event is inserted only where the alert
 * now has the new status and was updated at this instant, and the alert is read back to tell.
 */
export async function changeStatus(
  connection: BigQueryConnection,
  change: AlertStatusChange,
): Promise<boolean> {
  const before = await readAlertById(connection, change.alertId);
  if (before === null || before.status !== change.from) return false;
  const script = new Script();
  const values = {
    id: before.id,
    from: change.from,
    to: change.to,
    at: bq.timestamp(change.at),
    comment: bq.string(change.comment),
    updated: bq.timestamp(before.updatedAt),
  };
  // The alert moves only if nobody changed it since it was read (same status, same updated_at).
  script.add(
    `INSERT INTO alert_events (alert_id, changed_at, from_status, to_status, comment)
     SELECT id, CAST(:at AS TIMESTAMP), CAST(:from AS STRING), CAST(:to AS STRING), CAST(:comment AS STRING)
     FROM alerts WHERE id = :id AND status = :from AND updated_at = :updated`,
    values,
  );
  script.add(
    `UPDATE alerts SET status = :to, updated_at = :at WHERE id = :id AND status = :from AND updated_at = :updated`,
    values,
  );
  await connection.transaction(script.statements, script.params, { what: 'the change of an alert status' });
  const after = await readAlertById(connection, change.alertId);
  return after !== null && after.status === change.to && after.updatedAt === change.at;
}

export async function readAlertEvents(
  connection: BigQueryConnection,
  alertId: string,
): Promise<AlertStatusChange[]> {
  const result = await connection.query(
    `SELECT alert_id, changed_at, from_status, to_status, comment
     FROM alert_events WHERE alert_id = @id ORDER BY changed_at`,
    { id: alertId.toLowerCase() },
    { what: 'the read of alert status changes' },
  );
  return result.rows.map((row) => {
    const from = str(row['from_status']);
    const to = str(row['to_status']);
    return {
      alertId: str(row['alert_id']),
      at: Number(row['changed_at']),
      from: isAlertStatus(from) ? from : 'open',
      to: isAlertStatus(to) ? to : 'open',
      comment: text(row['comment']),
    };
  });
}

/** Routing decisions and deliveries in one transaction (the outbox), as DuckDB's insertRouting. */
export async function insertRouting(
  connection: BigQueryConnection,
  routings: readonly AlertRouting[],
  drafts: readonly DeliveryDraft[],
): Promise<void> {
  const script = new Script();
  for (const routing of routings) {
    script.add(
      `INSERT INTO alert_routing (alert_id, routed_at, routes, severity, notified, digested, suppressed, blocked, throttle_key)
       VALUES (:id, :at, :routes, :severity, :notified, :digested, :suppressed, :blocked, :throttle)`,
      {
        id: routing.alertId,
        at: bq.timestamp(routing.routedAt),
        routes: bq.array('STRING', routing.routes),
        severity: routing.severity,
        notified: bq.array('STRING', routing.notified),
        digested: bq.array('STRING', routing.digested),
        suppressed: routing.suppressed,
        blocked: routing.blocked,
        throttle: bq.string(routing.throttleKey),
      },
    );
  }
  const keys = [...new Set(drafts.map((draft) => draft.key))];
  const existing = new Map(
    (keys.length === 0
      ? []
      : await selectDeliveries(connection, 'WHERE key IN UNNEST(@keys)', { keys: bq.array('STRING', keys) })
    ).map((delivery) => [delivery.key, delivery]),
  );
  for (const draft of drafts) {
    const stored = existing.get(draft.key);
    if (stored === undefined) {
      script.add(
        `INSERT INTO deliveries (key, kind, channel, route, alert_ids, state, attempts, next_attempt_at,
           last_error, created_at, updated_at, sent_at)
         VALUES (:key, :kind, :channel, :route, :ids, 'pending', 0, :next, NULL, :created, :created, NULL)`,
        {
          key: draft.key,
          kind: draft.kind,
          channel: draft.channel,
          route: bq.string(draft.route),
          ids: bq.array('STRING', draft.alertIds),
          next: bq.timestamp(draft.nextAttemptAt),
          created: bq.timestamp(draft.createdAt),
        },
      );
      existing.set(draft.key, {
        ...draft,
        state: 'pending',
        attempts: 0,
        lastError: null,
        updatedAt: draft.createdAt,
        sentAt: null,
      });
    } else if (stored.kind === 'digest' && stored.state === 'pending' && stored.attempts === 0) {
      const ids = [...new Set([...stored.alertIds, ...draft.alertIds])];
      stored.alertIds = ids;
      script.add(`UPDATE deliveries SET alert_ids = :ids, updated_at = :at WHERE key = :key`, {
        key: draft.key,
        ids: bq.array('STRING', ids),
        at: bq.timestamp(draft.createdAt),
      });
    }
  }
  await connection.transaction(script.statements, script.params, { what: 'the write of routing decisions' });
}

export async function readRoutings(
  connection: BigQueryConnection,
  alertIds: readonly string[],
): Promise<AlertRouting[]> {
  if (alertIds.length === 0) return [];
  const result = await connection.query(
    `SELECT alert_id, routed_at, routes, severity, notified, digested, suppressed, blocked, throttle_key
     FROM alert_routing WHERE alert_id IN UNNEST(@ids)`,
    { ids: bq.array('STRING', alertIds) },
    { what: 'the read of routing decisions' },
  );
  return result.rows.map((row) => routingFromColumns(row, BIGQUERY_VALUES));
}

export async function readNotifiedThrottleKeys(
  connection: BigQueryConnection,
  keys: readonly string[],
  since: EpochMicros,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const result = await connection.query(
    `SELECT DISTINCT throttle_key FROM alert_routing
     WHERE throttle_key IN UNNEST(@keys) AND routed_at >= @since AND NOT suppressed
       AND (ARRAY_LENGTH(notified) > 0 OR ARRAY_LENGTH(digested) > 0)`,
    { keys: bq.array('STRING', keys), since: bq.timestamp(since) },
    { what: 'the read of throttled routes' },
  );
  return result.rows.map((row) => str(row['throttle_key']));
}

export async function readDeliveries(
  connection: BigQueryConnection,
  filter: DeliveryFilter,
): Promise<Delivery[]> {
  const where: string[] = [];
  const params: Record<string, BqParamValue> = {};
  if (filter.alertId !== undefined) {
    where.push('@alert IN UNNEST(alert_ids)');
    params['alert'] = filter.alertId;
  }
  if (filter.dueAt !== undefined) {
    where.push(`state IN ('pending', 'failed') AND next_attempt_at <= @due`);
    params['due'] = bq.timestamp(filter.dueAt);
  }
  if (filter.states !== undefined && filter.states.length > 0) {
    where.push('state IN UNNEST(@states)');
    params['states'] = bq.array('STRING', filter.states);
  }
  return selectDeliveries(
    connection,
    `${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY COALESCE(next_attempt_at, created_at), created_at, key LIMIT ${limitOf(filter.limit, 100)}`,
    params,
  );
}

export async function updateDelivery(
  connection: BigQueryConnection,
  attempt: DeliveryAttempt,
): Promise<void> {
  await connection.query(
    `UPDATE deliveries SET state = @state, attempts = @attempts, next_attempt_at = @next, last_error = @error,
       updated_at = @at, sent_at = CASE WHEN @state = 'sent' THEN @at ELSE sent_at END
     WHERE key = @key`,
    {
      key: attempt.key,
      state: attempt.state,
      attempts: bq.int64(attempt.attempts),
      next: bq.timestamp(attempt.nextAttemptAt),
      error: bq.string(attempt.lastError),
      at: bq.timestamp(attempt.at),
    },
    { what: 'the record of a delivery attempt' },
  );
}

async function selectDeliveries(
  connection: BigQueryConnection,
  tail: string,
  params: Record<string, BqParamValue>,
): Promise<Delivery[]> {
  const result = await connection.query(
    `SELECT key, kind, channel, route, alert_ids, state, attempts, next_attempt_at, last_error, created_at,
       updated_at, sent_at
     FROM deliveries ${tail}`,
    params,
    { what: 'the read of deliveries' },
  );
  return result.rows.map((row) => ({
    key: str(row['key']),
    kind: str(row['kind']) as DeliveryKind,
    channel: str(row['channel']),
    route: text(row['route']),
    alertIds: textList(row['alert_ids']),
    state: str(row['state']) as DeliveryState,
    attempts: Number(row['attempts']),
    nextAttemptAt: num(row['next_attempt_at']),
    lastError: text(row['last_error']),
    createdAt: Number(row['created_at']),
    updatedAt: Number(row['updated_at']),
    sentAt: num(row['sent_at']),
  }));
}
