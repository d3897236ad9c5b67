import { emptyDropCounts, type DropCounts } from './drop-reason.js';
import type { Template } from './template.js';

/** What one exporter sent so far. */
export interface ExporterStats {
  exporter: string;
  /** The protocol of the last datagram: netflow5, netflow9, ipfix or sflow5. */
  protocol: string;
  datagrams: number;
  /** Flow records (or sFlow flow samples) decoded and handed on. */
  records: number;
  drops: DropCounts;
  /** Templates held now (data and options, all observation domains). */
  templates: number;
  /** Templates received, refreshes included. */
  templatesReceived: number;
  templatesWithdrawn: number;
  /** Wall-clock time of the last datagram, epoch microseconds. */
  lastSeenAt: number;
}

/** Per observation domain: what options records said about sampling and the exporter's boot time. */
export class DomainState {
  /** Rate from an options record without a sampler id, or from the last one seen; 0 when unknown. */
  samplingRate = 0;
  /** Sampler (selector) id → rate. */
  readonly samplers = new Map<number, number>();
  /** systemInitTimeMilliseconds, for IPFIX sysUpTime-relative times; -1 when unknown. */
  systemInitMs = -1;
}

const MAX_SAMPLERS_PER_DOMAIN = 256;

/**
 * One exporter's templates and domains. Templates are keyed by domain and id together; their number is
 * capped, so a flood of templates from one exporter costs that exporter its new templates and nobody
 * else anything. The same cap bounds the domains kept.
 */
export class ExporterState {
  readonly templates = new Map<number, Template>();
  readonly domains = new Map<number, DomainState>();
  readonly stats: ExporterStats;

  constructor(
    exporter: string,
    private readonly maxTemplates: number,
  ) {
    this.stats = {
      exporter,
      protocol: '',
      datagrams: 0,
      records: 0,
      drops: emptyDropCounts(),
      templates: 0,
      templatesReceived: 0,
      templatesWithdrawn: 0,
      lastSeenAt: 0,
    };
  }

  template(scope: number, templateId: number): Template | undefined {
    return this.templates.get(templateKey(scope, templateId));
  }

  /** Stores or refreshes a template; false when the exporter is at its cap and the id is new. */
  setTemplate(scope: number, templateId: number, template: Template): boolean {
    const key = templateKey(scope, templateId);
    if (!this.templates.has(key) && this.templates.size >= this.maxTemplates) return false;
    this.templates.set(key, template);
    this.stats.templatesReceived++;
    this.stats.templates = this.templates.size;
    return true;
  }

  withdrawTemplate(scope: number, templateId: number): void {
    if (this.templates.delete(templateKey(scope, templateId))) this.stats.templatesWithdrawn++;
    this.stats.templates = this.templates.size;
  }

  /** IPFIX "withdraw all": every data template (or every options template) of the scope's domain. */
  withdrawAll(scope: number, isOptions: boolean): void {
    for (const [key, template] of this.templates) {
      if (Math.floor(key / 65536) === scope && template.isOptions === isOptions) {
        this.templates.delete(key);
        this.stats.templatesWithdrawn++;
      }
    }
    this.stats.templates = this.templates.size;
  }

  /** The domain's state, created on first use; null when the exporter already has its cap of domains. */
  domain(scope: number): DomainState | null {
    let state = this.domains.get(scope);
    if (state === undefined) {
      if (this.domains.size >= this.maxTemplates) return null;
      state = new DomainState();
      this.domains.set(scope, state);
    }
    return state;
  }

  existingDomain(scope: number): DomainState | undefined {
    return this.domains.get(scope);
  }

  setSamplerRate(domain: DomainState, samplerId: number, rate: number): void {
    if (domain.samplers.has(samplerId) || domain.samplers.size < MAX_SAMPLERS_PER_DOMAIN) {
      domain.samplers.set(samplerId, rate);
    }
  }
}

const IPFIX_SCOPE = 2 ** 32;

/**
 * The key under which a domain's templates and options are kept: NetFlow v9 source ids and IPFIX
 * observation domains are separate namespaces, so an address that sends both (two exporter processes
 * on one router) never has a v9 data set read with an IPFIX template of the same id.
 */
export function templateScope(domainId: number, isIpfix: boolean): number {
  return isIpfix ? IPFIX_SCOPE + domainId : domainId;
}

/** The source id or observation domain a scope was made from. */
export function domainOfScope(scope: number): number {
  return scope % IPFIX_SCOPE;
}

// Scopes are below 2^33 and template ids 16-bit: together they stay below 2^49, exact in a double.
function templateKey(scope: number, templateId: number): number {
  return scope * 65536 + templateId;
}
