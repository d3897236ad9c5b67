import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAYLOAD_SCHEMA } from '../notification-payload.js';
import { DeliveryFailure } from '../notification.js';
import { fixedSample, hostileDigest, sendOptions } from '../testing.js';
import { createFileNotifier } from './file.js';

describe('createFileNotifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-file-channel-'));

  it('creates the folder and appends one parseable JSON object per line', async () => {
    const path = join(dir, 'nested', 'deeper', 'alerts.jsonl');
    const notifier = createFileNotifier('log', { type: 'file', path, secretEnv: {} });
    await notifier.send(fixedSample(), sendOptions('k1'));
    await notifier.send(hostileDigest(3), sendOptions('k2'));
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    const objects = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects.map((o) => [o['schema'], o['idempotency_key'], o['kind']])).toEqual([
      [PAYLOAD_SCHEMA, 'k1', 'test'],
      [PAYLOAD_SCHEMA, 'k2', 'digest'],
    ]);
    expect((objects[1]!['alerts'] as unknown[]).length).toBe(3);
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('reports a path it can never write (a folder) as permanent', async () => {
    const notifier = createFileNotifier('log', { type: 'file', path: dir, secretEnv: {} });
    const failure = await notifier.send(fixedSample(), sendOptions()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryFailure);
    expect((failure as DeliveryFailure).permanent).toBe(true);
  });

  it('reports a parent that is a file as permanent', async () => {
    const blocker = join(dir, 'plain-file');
    writeFileSync(blocker, 'x');
    const notifier = createFileNotifier('log', {
      type: 'file',
      path: join(blocker, 'alerts.jsonl'),
      secretEnv: {},
    });
    const failure = await notifier.send(fixedSample(), sendOptions()).catch((error: unknown) => error);
    expect((failure as DeliveryFailure).permanent).toBe(true);
  });
});
