import { YamoriError } from '../../errors/index.js';
import type { AlertStatus, EpochMicros } from '../../records/index.js';
import type { Store } from '../../store/index.js';

/** What a person does to an alert. */
export type AlertVerb = 'ack' | 'close' | 'reopen';

const TARGET: Record<AlertVerb, AlertStatus> = { ack: 'acknowledged', close: 'closed', reopen: 'open' };
/** The statuses each verb may start from. */
const FROM: Record<AlertVerb, readonly AlertStatus[]> = {
  ack: ['open'],
  close: ['open', 'acknowledged'],
  reopen: ['acknowledged', 'closed'],
};
const HINT: Record<AlertVerb, string> = {
  ack: 'Only an open alert can be acknowledged; "yamori alerts reopen ID" opens a closed one first.',
  close: 'It is closed already; "yamori alerts show ID" shows when and by which comment.',
  reopen: 'It is open already; "yamori alerts ack ID" acknowledges it.',
};

/**
 * Moves an alert to the verb's status with an optional comment, stored with the time. Throws
 * ALERT_NOT_FOUND, or ALERT_STATUS_CHANGE_INVALID when the alert's status does not allow the verb.
 */
export async function changeAlertStatus(
  store: Store,
  id: string,
  verb: AlertVerb,
  comment: string | null,
  at: EpochMicros,
): Promise<AlertStatus> {
  const alert = await store.getAlert(id);
  if (alert === null) throw new YamoriError('ALERT_NOT_FOUND', { id });
  const to = TARGET[verb];
  const refuse = (from: AlertStatus): YamoriError =>
    new YamoriError('ALERT_STATUS_CHANGE_INVALID', { id, from, wanted: to, hint: HINT[verb] });
  if (!FROM[verb].includes(alert.status)) throw refuse(alert.status);
  const changed = await store.changeAlertStatus({ alertId: id, from: alert.status, to, at, comment });
  if (!changed) {
    // Someone changed it between the read and the write; report what it is now.
    throw refuse((await store.getAlert(id))?.status ?? alert.status);
  }
  return to;
}
