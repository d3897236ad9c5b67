/**
 * Test helpers for notifiers: an HTTP server on 127.0.0.1 that records every request (method, path,
 * headers, raw body) and answers as the test says, including never (a hanging service). Not shipped.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification } from './notification.js';
import { sampleNotification } from './sample-notification.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** An answer, or 'hang' to hold the request open until the server closes. */
export type Responder = (request: RecordedRequest) => Answer | 'hang';

export interface RecordingServer {
  /** "http://127.0.0.1:PORT" */
  url: string;
  requests: RecordedRequest[];
  /** Replaces how the server answers from now on. */
  respond(responder: Responder): void;
  /** The last request's body as JSON. */
  lastJson(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startRecordingServer(
  responder: Responder = () => ({ status: 200, body: 'ok' }),
): Promise<RecordingServer> {
  let current = responder;
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const answer = current(recorded);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(next) {
      current = next;
    },
    lastJson() {
      const last = requests.at(-1);
      if (!last) throw new Error('no request recorded');
      return JSON.parse(last.body) as Record<string, unknown>;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Send options for one attempt, aborted after `timeoutMs`. */
export function sendOptions(
  idempotencyKey = 'alert-1:phone:1',
  timeoutMs = 5_000,
): { idempotencyKey: string; signal: AbortSignal } {
  return { idempotencyKey, signal: AbortSignal.timeout(timeoutMs) };
}

const MICROS_PER_MINUTE = 60_000_000;

/** The sample alert at a fixed instant, linked to a dashboard. */
export function fixedSample(dashboardUrl: string | null = 'https://yamori.lan:8080'): Notification {
  return sampleNotification(Date.UTC(2026, 11, 7, 6, 30) * 1000, dashboardUrl);
}

/**
 * A digest of `count` alerts whose names and values are made of the characters each markup treats
 * specially, so escaping and size limits are tested together.
 */
export function hostileDigest(count: number): Notification {
  const base = fixedSample();
  const template = base.alerts[0]!;
  const alerts = Array.from({ length: count }, (_, i) => ({
    ...template,
    url: `https://yamori.lan:8080/alerts/a${i}`,
    alert: {
      ...template.alert,
      id: `a${i}`,
      severity: i % 3 === 0 ? ('critical' as const) : ('low' as const),
      title: `<b>*_evil_*</b> [x](y) & @everyone #${i} |pipe| \`tick\` ~!.-+=(){}`,
      firstSeenAt: template.alert.firstSeenAt + i * MICROS_PER_MINUTE,
    },
    device: { ...template.device!, name: `tablet_${i}*<script>` },
  }));
  return { ...base, kind: 'digest', title: `${count} alerts`, severity: 'critical', alerts };
}
