import type { IntelConfig } from '../config/index.js';
import { YamoriError } from '../errors/index.js';
import { BUILTIN_FEEDS } from './feed-catalogue.js';
import type { FeedDefinition, FeedKind } from './feed-definition.js';

/** A feed ready to run: its definition with the config's overrides applied and whether it is on. */
export interface ResolvedFeed extends FeedDefinition {
  enabled: boolean;
  isBuiltin: boolean;
}

const KINDS_BY_FORMAT: Record<string, FeedKind> = {
  taxii21: 'taxii21',
  'misp-feed': 'misp-feed',
  otx: 'otx-pulses',
};

/**
 * Merges the built-in catalogue with `intel.feeds` from the config. A built-in feed named in the config
 * takes the settings given there; a new name must give at least `url` and `format`. `knownFormats`
 * are the parser names, so a typo is an error naming the key instead of a failure at fetch time.
 */
export function resolveFeeds(
  config: Pick<IntelConfig, 'feeds'>,
  knownFormats: readonly string[],
): ResolvedFeed[] {
  const feeds = new Map<string, ResolvedFeed>();
  for (const definition of BUILTIN_FEEDS) {
    feeds.set(definition.name, { ...definition, enabled: definition.enabledByDefault, isBuiltin: true });
  }
  for (const [name, settings] of Object.entries(config.feeds)) {
    const base = feeds.get(name);
    const key = `intel.feeds.${name}`;
    if (!base && (settings.url === undefined || settings.format === undefined)) {
      throw new YamoriError('INTEL_FEED_INVALID', {
        key,
        problem: `is not a built-in feed, so it needs "url" and "format"`,
        formats: knownFormats.join(', '),
      });
    }
    const format = settings.format ?? base?.format ?? '';
    if (!knownFormats.includes(format)) {
      throw new YamoriError('INTEL_FEED_INVALID', {
        key: `${key}.format`,
        problem: `"${format}" is not a feed format`,
        formats: knownFormats.join(', '),
      });
    }
    const options = { ...(base?.options ?? {}), ...(settings.options ?? {}) };
    if (settings.type !== undefined) options['type'] = settings.type;
    if (settings.threat !== undefined) options['threat'] = settings.threat;
    if (settings.malware !== undefined) options['malware'] = settings.malware;
    if (settings.confidence !== undefined) options['confidence'] = settings.confidence;
    const url = settings.url ?? base?.url ?? '';
    feeds.set(name, {
      name,
      title: base?.title ?? name,
      provider: base?.provider ?? 'user',
      kind: KINDS_BY_FORMAT[format] ?? base?.kind ?? 'document',
      url,
      format,
      options,
      scheduleS: settings.schedule ?? base?.scheduleS ?? 6 * 3_600,
      licence: settings.licence ?? base?.licence ?? 'as the feed provider states',
      homepage: base?.homepage ?? url,
      enabledByDefault: base?.enabledByDefault ?? true,
      enabled: settings.enabled ?? true,
      auth: settings.authHeader ? 'header' : (base?.auth ?? null),
      ...(settings.authHeader ? { authHeader: settings.authHeader } : {}),
      ...(settings.authValue ? { authValue: settings.authValue } : {}),
      isComplete: base?.isComplete ?? KINDS_BY_FORMAT[format] === undefined,
      isBuiltin: base !== undefined,
    });
  }
  return [...feeds.values()];
}
