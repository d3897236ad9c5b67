import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../log/index.js';
import { openMemoryStore } from '../store/testing.js';
import { runConntrackLoop } from './conntrack-loop.js';

/** Recorded conntrack -E lines: a UDP exchange starts and ends, with accounting off (no counts). */
const event = (type: 'NEW' | 'DESTROY', port: number): string =>
  type === 'NEW'
    ? `[1795887977.150366]\t    [NEW] ipv4     2 udp      17 30 src=192.168.1.20 dst=198.51.100.7 sport=${port} dport=9999 [UNREPLIED] src=198.51.100.7 dst=192.168.1.20 sport=9999 dport=${port} id=${port}`
    : `[1795887977.361114]\t[DESTROY] ipv4     2 udp      17 29 src=192.168.1.20 dst=198.51.100.7 sport=${port} dport=9999 [UNREPLIED] src=198.51.100.7 dst=192.168.1.20 sport=9999 dport=${port} id=${port}`;

describe('runConntrackLoop', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'yamori-conntrack-loop-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the flows conntrack ends, warns once that accounting is off, and stops when aborted', async () => {
    const path = join(dir, 'conntrack');
    writeFileSync(
      path,
      [
        '#!/bin/sh',
        // A conntrack stand-in: prints the events, then waits for SIGTERM as conntrack does.
        `printf '%s\\n' '${event('NEW', 40000)}' '${event('DESTROY', 40000)}' '${event('NEW', 40001)}'`,
        `printf '%s\\n' '${event('DESTROY', 40001)}'`,
        "trap 'exit 0' TERM",
        'while :; do sleep 0.02; done',
        '',
      ].join('\n'),
    );
    chmodSync(path, 0o755);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
    const store = await openMemoryStore();
    const config = loadConfig({ path: null, env: {} });
    const controller = new AbortController();
    let started = false;
    const result = await runConntrackLoop(
      { ...config, store: { ...config.store, flushIntervalMs: 20 } },
      { store, log, now: Date.now, conntrackPath: path, timeouts: {} },
      {
        signal: controller.signal,
        onStarted: () => (started = true),
        // Stops once both flows are stored (the flush timer writes them).
        onProgress: (s) => {
          if (s.pipeline.flowsWritten === 2) controller.abort();
        },
      },
    );
    expect(started).toBe(true);
    expect(result.stopped).toBe(true);
    expect(result.pipeline).toMatchObject({
      newEvents: 2,
      destroyEvents: 2,
      flowsWritten: 2,
      withoutAccounting: 2,
    });
    const flows = await store.listFlows({});
    expect(flows.map((f) => `${f.srcAddr}:${f.srcPort} > ${f.dstAddr}:${f.dstPort}`).sort()).toEqual([
      '192.168.1.20:40000 > 198.51.100.7:9999',
      '192.168.1.20:40001 > 198.51.100.7:9999',
    ]);
    expect(lines.filter((l) => l.includes('conntrack accounting is off'))).toHaveLength(1);
    await store.close();
  });
});
