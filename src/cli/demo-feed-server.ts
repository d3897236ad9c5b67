import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sampleFeodoCsv, sampleUrlhausCsv } from '../capture/index.js';

/** A loopback HTTP server that serves the demo's sample feeds at the paths abuse.ch uses. */
export interface DemoFeedServer {
  /** Feed name → the URL it is served at. */
  urls: { feodo: string; urlhaus: string };
  close(): Promise<void>;
}

const PATHS = { feodo: '/downloads/ipblocklist.csv', urlhaus: '/downloads/csv_online/' } as const;

/** Starts the server on 127.0.0.1 and a free port; the lists are dated `nowMs`. */
export async function startDemoFeedServer(nowMs: number): Promise<DemoFeedServer> {
  const documents = new Map<string, string>([
    [PATHS.feodo, sampleFeodoCsv(nowMs)],
    [PATHS.urlhaus, sampleUrlhausCsv(nowMs)],
  ]);
  const server = createServer((request, response) => {
    const body = request.method === 'GET' ? documents.get(request.url ?? '') : undefined;
    if (body === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    response
      .writeHead(200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Last-Modified': new Date(nowMs).toUTCString(),
      })
      .end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    urls: { feodo: base + PATHS.feodo, urlhaus: base + PATHS.urlhaus },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
