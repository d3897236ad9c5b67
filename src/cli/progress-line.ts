import type { Writable } from 'node:stream';
import { formatBytes, formatCount } from './output.js';

/** A one-line progress display for terminals, redrawn at most every 200 ms. */
export function createProgressLine(err: Writable, enabled: boolean, now: () => number = Date.now) {
  const startedAt = now();
  let lastDrawAt = 0;
  let drawn = false;
  return {
    update(packets: number, bytesRead: number, totalBytes: number | null, flows: number): void {
      if (!enabled) return;
      const at = now();
      if (at - lastDrawAt < 200) return;
      lastDrawAt = at;
      const seconds = Math.max((at - startedAt) / 1000, 0.001);
      const rate = Math.round(packets / seconds);
      let bar = '';
      if (totalBytes !== null && totalBytes > 0) {
        const fraction = Math.min(bytesRead / totalBytes, 1);
        const width = 24;
        const filled = Math.round(fraction * width);
        bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      }
      err.write(
        `\r${bar}${formatCount(packets)} packets  ${formatCount(rate)} packets/s  ${formatBytes(bytesRead)}  ${formatCount(flows)} flows\x1b[K`,
      );
      drawn = true;
    },
    done(): void {
      if (drawn) err.write('\r\x1b[K');
    },
  };
}
