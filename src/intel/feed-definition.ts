/**
 * A feed as data: where it lives, how to read it, how often, and under which terms. Built-in feeds are
 * entries in feed-catalogue.ts; a user's own feed is the same shape, written in the config.
 */
export type FeedKind = 'document' | 'taxii21' | 'misp-feed' | 'otx-pulses';

export interface FeedDefinition {
  name: string;
  title: string;
  provider: string;
  kind: FeedKind;
  url: string;
  /** Parser name for documents (see parsers/registry.ts); for other kinds the parser they feed. */
  format: string;
  /** Parser options: a forced value type, CSV column mapping, default threat, … */
  options: Record<string, unknown>;
  /** Seconds between updates. */
  scheduleS: number;
  /** What the provider says about use; shown by "yamori feeds show". */
  licence: string;
  homepage: string;
  enabledByDefault: boolean;
  /** Which configured key the feed sends, if any. */
  auth: 'abusech' | 'otx' | 'header' | null;
  /** For auth 'header': the header and its value, from the config. */
  authHeader?: string;
  authValue?: string;
  /** Whether a run sees the whole list (entries missing from it are retired) or only changes. */
  isComplete: boolean;
}
