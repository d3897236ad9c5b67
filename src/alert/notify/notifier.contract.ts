/**
 * The suite every HTTP notifier passes against a local server: success, the failure classes the
 * delivery stage relies on (5xx retryable, 4xx permanent, 429 with Retry-After, a hang aborted by the
 * signal, a refused connection), and no secret in any failure message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryFailure, type Notifier } from './notification.js';
import {
  fixedSample,
  sendOptions,
  startRecordingServer,
  type Answer,
  type RecordingServer,
} from './testing.js';

export interface HttpContractCase {
  type: string;
  /** The notifier pointed at the server's base URL. */
  create(baseUrl: string): Notifier;
  /** What the service answers on success. */
  ok: Answer;
  /** Strings that must never show in a failure message. */
  secrets: string[];
}

async function failureOf(promise: Promise<unknown>): Promise<DeliveryFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DeliveryFailure) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

export function runHttpNotifierContract(c: HttpContractCase): void {
  describe(`${c.type} notifier (HTTP contract)`, () => {
    let server: RecordingServer;
    beforeAll(async () => {
      server = await startRecordingServer();
    });
    afterAll(async () => server.close());

    it('resolves when the service accepts the message, with one POST', async () => {
      server.respond(() => c.ok);
      const before = server.requests.length;
      await c.create(server.url).send(fixedSample(), sendOptions());
      expect(server.requests.length).toBe(before + 1);
      expect(server.requests.at(-1)!.method).toBe('POST');
    });

    it('reports a 500 as retryable', async () => {
      server.respond(() => ({ status: 500, body: 'upstream exploded' }));
      const failure = await failureOf(c.create(server.url).send(fixedSample(), sendOptions()));
      expect(failure.permanent).toBe(false);
      expect(failure.message).toMatch(/500/);
    });

    it('reports a 400 as permanent', async () => {
      server.respond(() => ({
        status: 400,
        body: '{"ok":false,"error":"invalid_payload","description":"Bad Request"}',
      }));
      const failure = await failureOf(c.create(server.url).send(fixedSample(), sendOptions()));
      expect(failure.permanent).toBe(true);
    });

    it('reports a 429 as retryable after the Retry-After it was given', async () => {
      server.respond(() => ({
        status: 429,
        headers: { 'retry-after': '7', 'content-type': 'application/json' },
        body: '{"ok":false,"error":"ratelimited","retry_after":7,"parameters":{"retry_after":7}}',
      }));
      const failure = await failureOf(c.create(server.url).send(fixedSample(), sendOptions()));
      expect(failure.permanent).toBe(false);
      expect(failure.retryAfterMs).toBe(7_000);
    });

    it('gives up on a service that never answers when the signal aborts, as retryable', async () => {
      server.respond(() => 'hang');
      const started = Date.now();
      const failure = await failureOf(c.create(server.url).send(fixedSample(), sendOptions('k', 300)));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(failure.permanent).toBe(false);
      expect(failure.message).toMatch(/in time|aborted/);
    });

    it('reports a refused connection as retryable', async () => {
      const closed = await startRecordingServer();
      const url = closed.url;
      await closed.close();
      const failure = await failureOf(c.create(url).send(fixedSample(), sendOptions()));
      expect(failure.permanent).toBe(false);
      expect(failure.message).toMatch(/cannot reach 127\.0\.0\.1/);
    });

    it('never puts a secret into a failure message', async () => {
      server.respond((request) => ({
        status: 403,
        body: `denied ${request.path} ${JSON.stringify(request.headers)}`,
      }));
      const failure = await failureOf(c.create(server.url).send(fixedSample(), sendOptions()));
      for (const secret of c.secrets) expect(failure.message).not.toContain(secret);
    });
  });
}
