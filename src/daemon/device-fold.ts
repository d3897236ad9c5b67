import type { DeviceObservation } from '../records/index.js';

interface Group {
  first: DeviceObservation;
  firstArrival: number;
  last: DeviceObservation;
  lastArrival: number;
}

/** The groups of one device and address: observations without name or service by sensor, the rest by all of it. */
interface Groups {
  plain: Map<string, Group>;
  other: Map<string, Group>;
}

/**
 * Device observations folded as they arrive. The store keeps, per device, address and service, the
 * first and last time seen and the latest name (store.observeDevices), so of observations that differ
 * only in their time, the earliest and the latest say all there is. A flow table emits one per home
 * endpoint per flow, which for a million flows is millions of observations of a few devices; folded,
 * a batch holds a few of them per device, and the store merges those instead.
 *
 * What is kept is handed out in the order it arrived, so that observations at the same instant with
 * different names still resolve as they would have unfolded (the later one wins).
 */
export class DeviceObservationFold {
  // mac → addr → kind: the groups of one device and address. A key of the whole observation would be
  // one long string built and hashed per observation (a flow table emits one per home endpoint per
  // flow); looked up part by part, each part is a short string hashed once, and the rest of a typical
  // observation (no name, no service) is its sensor, the same string every time.
  private groups = new Map<string, Map<string | null, Groups>>();
  private count = 0;
  private arrivals = 0;
  /** Observations added since the last `take`, before folding. */
  added = 0;

  add(o: DeviceObservation): void {
    const arrival = this.arrivals++;
    this.added++;
    let byAddr = this.groups.get(o.mac);
    if (byAddr === undefined) {
      byAddr = new Map();
      this.groups.set(o.mac, byAddr);
    }
    let groups = byAddr.get(o.addr);
    if (groups === undefined) {
      groups = { plain: new Map(), other: new Map() };
      byAddr.set(o.addr, groups);
    }
    let kind: Map<string, Group>;
    let key: string;
    if (o.hostname === null && o.vendorClass === null && o.service === null) {
      kind = groups.plain;
      key = o.sensor;
    } else {
      kind = groups.other;
      key = JSON.stringify([o.hostname, o.vendorClass, o.service?.port, o.service?.protocol, o.sensor]);
    }
    const group = kind.get(key);
    if (group === undefined) {
      kind.set(key, { first: o, firstArrival: arrival, last: o, lastArrival: arrival });
      this.count++;
      return;
    }
    if (o.seenAt < group.first.seenAt) {
      group.first = o;
      group.firstArrival = arrival;
    }
    if (o.seenAt >= group.last.seenAt) {
      group.last = o;
      group.lastArrival = arrival;
    }
  }

  /** Distinct observations held (at most twice this many are handed out). */
  get size(): number {
    return this.count;
  }

  /** The folded observations, in arrival order; the fold starts empty again. */
  take(): DeviceObservation[] {
    const kept: { o: DeviceObservation; arrival: number }[] = [];
    for (const byAddr of this.groups.values()) {
      for (const groups of byAddr.values()) {
        for (const kind of [groups.plain, groups.other]) {
          for (const group of kind.values()) {
            kept.push({ o: group.first, arrival: group.firstArrival });
            if (group.last !== group.first) kept.push({ o: group.last, arrival: group.lastArrival });
          }
        }
      }
    }
    kept.sort((a, b) => a.arrival - b.arrival);
    this.groups = new Map();
    this.count = 0;
    this.added = 0;
    return kept.map((k) => k.o);
  }
}
