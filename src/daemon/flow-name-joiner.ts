import type { LoggedFlow, LoggedNames } from '../capture/index.js';

/** Where joined flows go, with the names joined onto them (null when none came). */
export interface JoinedFlowSink {
  addFlow(flow: LoggedFlow, names: LoggedNames | null): void;
}

/**
 * Joins names (TLS SNI and fingerprints, HTTP Host) onto flows by a key both logs carry (Zeek's `uid`,
 * Suricata's `flow_id`), whichever arrives first. Names that come first wait for their flow; a flow
 * that expects names (its service is TLS or HTTP) and comes first waits for them. At most `maxNames`
 * names and `maxHeldFlows` flows wait; past that the oldest waiting names are dropped (counted) and the
 * oldest waiting flow is released without names (counted), so memory stays bounded whatever the order.
 */
export class FlowNameJoiner {
  private readonly names = new Map<string, LoggedNames>();
  private readonly held = new Map<string, LoggedFlow>();
  /** Flows that got names. */
  joined = 0;
  /** Names dropped because their flow never came (or came too late to be held for). */
  unmatchedNames = 0;
  /** Flows released without the names they waited for. */
  releasedUnnamed = 0;

  constructor(
    private readonly maxNames: number,
    private readonly maxHeldFlows: number,
    private readonly sink: JoinedFlowSink,
  ) {}

  /**
   * Names for `key`. Hands the waiting flow they complete to the sink; otherwise keeps the names
   * (merged with earlier names for the key: the first value of each field wins).
   */
  addNames(key: string, names: LoggedNames): void {
    const waiting = this.held.get(key);
    if (waiting !== undefined) {
      this.held.delete(key);
      this.joined++;
      this.sink.addFlow(waiting, names);
      return;
    }
    const earlier = this.names.get(key);
    if (earlier !== undefined) {
      this.names.set(key, mergeNames(earlier, names));
      return;
    }
    if (this.names.size >= this.maxNames) {
      const oldest = this.names.keys().next();
      if (!oldest.done) {
        this.names.delete(oldest.value);
        this.unmatchedNames++;
      }
    }
    this.names.set(key, names);
  }

  /**
   * A flow with the key that joins it. It goes to the sink now with its names when they came first, or
   * alone when it expects none; otherwise it waits for its names (and when the waiting room is full, the
   * oldest waiting flow goes to the sink without names).
   */
  addFlow(key: string | null, flow: LoggedFlow, expectsNames: boolean): void {
    if (key === null) {
      this.sink.addFlow(flow, null);
      return;
    }
    const names = this.names.get(key);
    if (names !== undefined) {
      this.names.delete(key);
      this.joined++;
      this.sink.addFlow(flow, names);
      return;
    }
    if (!expectsNames || this.held.has(key)) {
      this.sink.addFlow(flow, null);
      return;
    }
    if (this.held.size >= this.maxHeldFlows) {
      const oldest = this.held.entries().next();
      if (!oldest.done) {
        this.held.delete(oldest.value[0]);
        this.releasedUnnamed++;
        this.sink.addFlow(oldest.value[1], null);
      }
    }
    this.held.set(key, flow);
  }

  /** At the end of the input: every flow still waiting goes to the sink without names; waiting names are counted. */
  drain(): void {
    for (const flow of this.held.values()) this.sink.addFlow(flow, null);
    this.releasedUnnamed += this.held.size;
    this.unmatchedNames += this.names.size;
    this.held.clear();
    this.names.clear();
  }
}

function mergeNames(first: LoggedNames, second: LoggedNames): LoggedNames {
  return {
    serverName: first.serverName ?? second.serverName,
    ja3: first.ja3 ?? second.ja3,
    ja4: first.ja4 ?? second.ja4,
    tlsCertSha1: first.tlsCertSha1 ?? second.tlsCertSha1,
    tlsVersion: first.tlsVersion ?? second.tlsVersion,
    alpn: first.alpn ?? second.alpn,
  };
}
