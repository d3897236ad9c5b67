import type { DeviceObservation } from '../records/index.js';

interface Group {
  first: DeviceObservation;
  firstArrival: number;
  last: DeviceObservation;
  lastArrival: number;
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
  private groups = new Map<string, Group>();
  private arrivals = 0;
  /** Observations added since the last `take`, before folding. */
  added = 0;

  add(o: DeviceObservation): void {
    const arrival = this.arrivals++;
    this.added++;
    const key = `${o.mac}\u0000${o.addr}\u0000${o.hostname}\u0000${o.vendorClass}\u0000${o.service?.port}\u0000${o.service?.protocol}\u0000${o.sensor}`;
    const group = this.groups.get(key);
    if (group === undefined) {
      this.groups.set(key, { first: o, firstArrival: arrival, last: o, lastArrival: arrival });
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
    return this.groups.size;
  }

  /** The folded observations, in arrival order; the fold starts empty again. */
  take(): DeviceObservation[] {
    const kept: { o: DeviceObservation; arrival: number }[] = [];
    for (const group of this.groups.values()) {
      kept.push({ o: group.first, arrival: group.firstArrival });
      if (group.last !== group.first) kept.push({ o: group.last, arrival: group.lastArrival });
    }
    kept.sort((a, b) => a.arrival - b.arrival);
    this.groups = new Map();
    this.added = 0;
    return kept.map((k) => k.o);
  }
}
