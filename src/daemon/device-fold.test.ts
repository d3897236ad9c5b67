import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceObservation } from '../records/index.js';
import { openMemoryStore } from '../store/testing.js';
import { DeviceObservationFold } from './device-fold.js';

const T0 = Date.UTC(2024, 0, 15, 12) * 1000;

const observation: fc.Arbitrary<DeviceObservation> = fc.record({
  mac: fc.constantFrom('02:00:00:00:00:01', '02:00:00:00:00:02', 'a4:83:e7:00:00:03'),
  addr: fc.constantFrom(null, '192.168.1.10', '192.168.1.11', 'fd00:1::10'),
  // Few distinct instants, so that ties between different names happen.
  seenAt: fc.integer({ min: 0, max: 5 }).map((s) => T0 + s * 1_000_000),
  hostname: fc.constantFrom(null, 'laptop', 'phone'),
  vendorClass: fc.constantFrom(null, 'android-dhcp-14'),
  service: fc.constantFrom(null, { port: 22, protocol: 'tcp' }, { port: 53, protocol: 'udp' }),
  sensor: fc.constant('test-sensor'),
});

describe('DeviceObservationFold', () => {
  it('leaves the stored devices, addresses and services exactly as the unfolded observations would', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { minLength: 1, maxLength: 60 }), async (observations) => {
        const [unfolded, folded] = await Promise.all([openMemoryStore(), openMemoryStore()]);
        try {
          const fold = new DeviceObservationFold();
          observations.forEach((o) => fold.add(o));
          expect(fold.added).toBe(observations.length);
          const kept = fold.take();
          expect(kept.length).toBeLessThanOrEqual(observations.length);
          await unfolded.observeDevices(observations);
          await folded.observeDevices(kept);
          expect(await folded.listDevices()).toEqual(await unfolded.listDevices());
        } finally {
          await Promise.all([unfolded.close(), folded.close()]);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('keeps two observations of a device seen many times in one way: the first and the last', () => {
    const fold = new DeviceObservationFold();
    const base: DeviceObservation = {
      mac: '02:00:00:00:00:01',
      addr: '192.168.1.10',
      seenAt: T0,
      hostname: null,
      vendorClass: null,
      service: null,
      sensor: 's',
    };
    for (const s of [5, 1, 9, 3]) fold.add({ ...base, seenAt: T0 + s });
    // In the order they arrived: the 1 came before the 9.
    expect(fold.take().map((o) => o.seenAt)).toEqual([T0 + 1, T0 + 9]);
    expect(fold.size).toBe(0);
  });
});
