import type { AlertDeliveryConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { Alert, EpochMicros } from '../../records/index.js';
import type { Delivery, DeliveryAttempt, Store } from '../../store/index.js';
import { DeliveryFailure, type Notifier } from '../notify/notification.js';
import type { AlertRouter, RoutingSummary } from './alert-router.js';
import { backoffDelayMs } from './backoff.js';
import type { NotificationBuilder } from './notification-builder.js';

export interface DeliveryWorkerDeps {
  store: Store;
  router: AlertRouter;
  builder: NotificationBuilder;
  /** Configured channels by name. */
  notifiers: ReadonlyMap<string, Notifier>;
  log: Logger;
  now?: () => EpochMicros;
  /** In [0, 1); jitter of the backoff. */
  random?: () => number;
  /** How often `start()` looks for new alerts and due deliveries. */
  pollIntervalMs?: number;
}

export interface DeliverySummary extends RoutingSummary {
  sent: number;
  failed: number;
  givenUp: number;
}

export interface DeliveryWorker {
  /**
   * Routes new alerts, then sends every delivery that is due, one lane per channel running side by
   * side: a channel that fails or hangs (each attempt stops at `timeoutS`) delays only its own lane.
   * Resolves when every lane is done; failed deliveries wait in the outbox for their next attempt.
   */
  runOnce(): Promise<DeliverySummary>;
  /** Runs `runOnce` every poll interval until `stop()`. */
  start(): Promise<void>;
  /** Stops polling, aborts attempts in flight (they count as failed and are retried later) and waits. */
  stop(): Promise<void>;
}

const DUE_BATCH = 500;

/** The outbox's sender. Creating it does no I/O. */
export function createDeliveryWorker(config: AlertDeliveryConfig, deps: DeliveryWorkerDeps): DeliveryWorker {
  const now = deps.now ?? ((): EpochMicros => Date.now() * 1000);
  const random = deps.random ?? Math.random;
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  const attempt = async (delivery: Delivery, notifier: Notifier | undefined): Promise<DeliveryAttempt> => {
    const attempts = delivery.attempts + 1;
    const outcome = (state: DeliveryAttempt['state'], error: string | null, retryAt: EpochMicros | null) => ({
      key: delivery.key,
      state,
      attempts,
      nextAttemptAt: retryAt,
      lastError: error,
      at: now(),
    });
    if (notifier === undefined) {
      return outcome('given-up', `channel "${delivery.channel}" is not configured`, null);
    }
    try {
      const alerts = await alertsOf(deps.store, delivery.alertIds);
      if (alerts.length === 0) return outcome('given-up', 'its alerts no longer exist', null);
      const notification = await deps.builder.build(delivery.kind, alerts, now());
      await sendWithTimeout(notifier, notification, delivery.key, config.timeoutS * 1000, stopping.signal);
      return outcome('sent', null, null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof DeliveryFailure && error.permanent;
      if (permanent || attempts >= config.maxAttempts) return outcome('given-up', message, null);
      const retryAfterMs = error instanceof DeliveryFailure ? error.retryAfterMs : null;
      const waitMs =
        retryAfterMs ??
        backoffDelayMs(
          attempts,
          { baseMs: config.backoffBaseS * 1000, maxMs: config.backoffMaxS * 1000 },
          random,
        );
      return outcome('failed', message, now() + waitMs * 1000);
    }
  };

  const lane = async (deliveries: readonly Delivery[]): Promise<DeliveryAttempt[]> => {
    const results: DeliveryAttempt[] = [];
    for (const delivery of deliveries) {
      if (stopping.signal.aborted) break;
      const result = await attempt(delivery, deps.notifiers.get(delivery.channel));
      await deps.store.recordDeliveryAttempt(result);
      if (result.state !== 'sent') {
        deps.log.warnLimited('delivery failed', {
          channel: delivery.channel,
          key: delivery.key,
          attempts: result.attempts,
          state: result.state,
          error: result.lastError ?? '',
        });
      }
      results.push(result);
    }
    return results;
  };

  const runOnce = async (): Promise<DeliverySummary> => {
    const routing = await deps.router.routeNew();
    const due = await deps.store.listDeliveries({ dueAt: now(), limit: DUE_BATCH });
    const byChannel = new Map<string, Delivery[]>();
    for (const delivery of due)
      byChannel.set(delivery.channel, [...(byChannel.get(delivery.channel) ?? []), delivery]);
    const results = (await Promise.all([...byChannel.values()].map(lane))).flat();
    return {
      ...routing,
      sent: results.filter((r) => r.state === 'sent').length,
      failed: results.filter((r) => r.state === 'failed').length,
      givenUp: results.filter((r) => r.state === 'given-up').length,
    };
  };

  return {
    runOnce,
    async start() {
      const tick = (): void => {
        running = running
          .then(runOnce)
          .catch((error: unknown) => deps.log.warnLimited('delivery run failed', { error: String(error) }))
          .finally(() => {
            if (!stopping.signal.aborted) timer = setTimeout(tick, deps.pollIntervalMs ?? 5_000);
          });
      };
      tick();
      await Promise.resolve();
    },
    async stop() {
      stopping.abort();
      if (timer !== null) clearTimeout(timer);
      await running;
    },
  };
}

/**
 * One attempt, bounded by `timeoutMs` even when the channel ignores the abort signal: the attempt's
 * promise is then left behind and the lane moves on.
 */
async function sendWithTimeout(
  notifier: Notifier,
  notification: Parameters<Notifier['send']>[0],
  idempotencyKey: string,
  timeoutMs: number,
  stopSignal: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const onStop = (): void => controller.abort(new Error('delivery stopped'));
  stopSignal.addEventListener('abort', onStop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs / 1000} s`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
      once: true,
    });
  });
  try {
    await Promise.race([
      notifier.send(notification, { idempotencyKey, signal: controller.signal }),
      timedOut,
      stopped,
    ]);
  } finally {
    clearTimeout(timer);
    stopSignal.removeEventListener('abort', onStop);
  }
}

async function alertsOf(store: Store, ids: readonly string[]): Promise<Alert[]> {
  const alerts: Alert[] = [];
  const routings = new Map((await store.listAlertRoutings(ids)).map((r) => [r.alertId, r]));
  for (const id of ids) {
    const alert = await store.getAlert(id);
    // The routes may have raised or lowered the severity; the message shows the routed one.
    if (alert !== null) alerts.push({ ...alert, severity: routings.get(id)?.severity ?? alert.severity });
  }
  return alerts;
}
