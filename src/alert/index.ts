/**
 * Alerts: turns what rules found into alerts a person reads, deduplicated and suppressed.
 *
 * In: a rule run's findings and new watermarks (RuleRunCommit, from detect/ through cli/ or daemon/).
 * Out: rows of `alerts`, written with the rule's watermarks in one transaction.
 * A repeat (same rule and dedup columns, within the suppression period) raises a count instead of
 * adding an alert, and a crash between a rule's query and its commit leaves nothing half written.
 * Enrichment (enrich/) adds AS, country and reverse DNS of the remote address from offline open data,
 * never for private or home addresses; the block response (respond/) puts remote addresses into
 * Yamori's own nftables set with a timeout, off by default, and refuses home and protected addresses.
 * The routing policy (policy/) runs CEL routes over each new alert; delivery/ stores the decision and
 * one delivery per (alert or digest, channel) in the outbox before anything is sent, then sends with
 * retries, per-channel lanes and per-attempt timeouts, so nothing stored is lost by a crash.
 * Called by cli/ and daemon/; imports store/, config/ and the leaves.
 */
export { createAlertWriter, type AlertWriter, type AlertWriterOptions } from './alert-writer.js';
export { renderTitle } from './render-title.js';
export { dedupKey } from './dedup-key.js';
export {
  createEnricher,
  type Enricher,
  type EnricherDeps,
  type RemoteFacts,
  type DeviceRef,
} from './enrich/enricher.js';
export { openGeoData, type GeoData, type GeoFacts } from './enrich/geo-data.js';
export { createResponder, type Responder, type ResponderDeps, type BlockEntry } from './respond/responder.js';
export type { ProtectedEntry } from './respond/block-guard.js';
export {
  compileRoutePolicy,
  type RoutePolicy,
  type PolicyInput,
  type PolicyDecision,
  type DigestAction,
} from './policy/route-policy.js';
export {
  readPolicyTests,
  runPolicyTests,
  decisionAsExpectation,
  type PolicyTestFile,
  type PolicyCaseResult,
} from './policy/policy-tests.js';
export { createAlertRouter, type AlertRouter, type RoutingSummary } from './delivery/alert-router.js';
export {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliverySummary,
} from './delivery/delivery-worker.js';
export { createNotificationBuilder, type NotificationBuilder } from './delivery/notification-builder.js';
export {
  FEED_HEALTH_RULE,
  feedHealthAlertWrites,
  type FeedHealthReport,
} from './delivery/feed-health-alerts.js';
export { changeAlertStatus, type AlertVerb } from './delivery/alert-status.js';
export {
  DeliveryFailure,
  type Notification,
  type AlertNotice,
  type RuleNotice,
  type DeviceNotice,
  type RemoteNotice,
  type IndicatorNotice,
  type Notifier,
  type SendOptions,
} from './notify/notification.js';
export { createNotifier } from './notify/create-notifier.js';
export type { NotifierDeps } from './notify/channels/channel-deps.js';
export { sampleNotification } from './notify/sample-notification.js';
export { PAYLOAD_SCHEMA } from './notify/notification-payload.js';
