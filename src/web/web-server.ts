import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebConfig } from '../config/index.js';
import { parseListenAddress } from '../config/index.js';
import type { LoadedRule } from '../detect/index.js';
import { YamoriError } from '../errors/index.js';
import type { FeedStatus } from '../intel/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { createApiRoutes, type ApiRoute } from './api-routes.js';
import { loadDashboardAssets, type DashboardAsset } from './dashboard-bundle.js';
import {
  readCookie,
  readJsonBody,
  SECURITY_HEADERS,
  sendError,
  sendJson,
  bodyText,
} from './http-exchange.js';
import { LoginLimiter } from './login-limiter.js';
import type { RemoteFacts } from './remote-summary.js';
import { csrfMatches, SessionStore, type Session } from './session-store.js';
import { checkPassword, ensurePassword, setPassword, verifyToken } from './web-credentials.js';

export interface WebServerDeps {
  store: Store;
  /** The loaded rules: the rules page and each alert's triage advice. */
  rules: () => readonly LoadedRule[];
  /** Every feed with its health and last run (intel's IntelService.status). */
  feedStatus: () => Promise<FeedStatus[]>;
  /** AS and country of a public address; without it the overview groups remotes by address only. */
  enrich?: (addr: string) => Promise<RemoteFacts>;
  log: Logger;
  /** Wall clock in milliseconds. */
  now?: () => number;
  /** Where app.js and app.css are; default: built beside the server, else bundled at start. */
  assetsDir?: string;
  version: string;
  /** `yamori serve`: the stages' health for /healthz (HTTP 503 when not healthy); absent: always ok. */
  health?: () => Promise<{ healthy: boolean } & Record<string, unknown>>;
  /** `yamori serve`: Prometheus text for /metrics; absent: /metrics is not served. */
  metrics?: () => Promise<string>;
  /** Bearer token /metrics requires (serve.metrics_token); null or absent: none. */
  metricsToken?: string | null;
}

export interface WebServer {
  /**
   * Listens, and makes sure a password exists. Resolves with the URL and, on the first start, the
   * generated one-time password (null afterwards). Throws WEB_LISTEN_FAILED or WEB_ASSETS_MISSING.
   */
  start(): Promise<{ url: string; oneTimePassword: string | null }>;
  /** Stops listening and ends open connections. */
  stop(): Promise<void>;
}

const COOKIE = 'yamori_session';
const PAGES = /^\/(?:|login|overview|devices(?:\/[^/]+)?|flows|alerts(?:\/[^/]+)?|feeds|rules)$/;

interface Caller {
  session: Session | null;
  /** "session" or "token:NAME". */
  actor: string;
}

/**
 * The dashboard and its JSON API on node:http: a few dozen routes need no framework, and owning the
 * request loop keeps every security decision (authentication, CSRF, headers, body limits) in this file.
 * Creating it does no I/O.
 */
export function createWebServer(config: WebConfig, deps: WebServerDeps): WebServer {
  const now = deps.now ?? Date.now;
  const sessions = new SessionStore(config.sessionTtlH * 3_600_000, now);
  const limiter = new LoginLimiter(config.loginAttemptsPerMin, now);
  const routes = createApiRoutes(deps, now);
  const secureCookies = config.publicUrl?.startsWith('https://') ?? false;
  const publicOrigin = config.publicUrl === null ? null : new URL(config.publicUrl).origin;
  let assets = new Map<string, DashboardAsset>();
  let server: Server | null = null;
  // One scrypt at a time: each takes 128 MiB, and a burst of logins must not take the machine's memory.
  let hashing: Promise<unknown> = Promise.resolve();

  const cookie = (value: string, maxAgeS: number): string =>
    `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secureCookies ? '; Secure' : ''}`;

  const identify = async (request: IncomingMessage): Promise<Caller | null> => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
      const name = bearer === undefined ? null : await verifyToken(deps.store, bearer);
      return name === null ? null : { session: null, actor: `token:${name}` };
    }
    const id = readCookie(request, COOKIE);
    const session = id === undefined ? null : sessions.touch(id);
    return session === null ? null : { session, actor: 'session' };
  };

  /** A session's change must carry its CSRF token and, when the browser names one, come from our origin. */
  const checkCsrf = (request: IncomingMessage, caller: Caller): void => {
    if (caller.session === null) return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== publicOrigin && !isSameHost(origin, request.headers.host)) {
      throw new YamoriError('WEB_CSRF_REJECTED', { detail: ' and come from the dashboard itself' });
    }
    const presented = request.headers['x-csrf-token'];
    if (!csrfMatches(caller.session, typeof presented === 'string' ? presented : undefined)) {
      throw new YamoriError('WEB_CSRF_REJECTED', { detail: '' });
    }
  };

  const login = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const client = request.socket.remoteAddress ?? 'unknown';
    const waitS = limiter.attempt(client);
    if (waitS > 0) {
      sendError(response, new YamoriError('WEB_LOGIN_RATE_LIMITED', { client, seconds: waitS }), {
        'Retry-After': String(waitS),
      });
      return;
    }
    const body = await readJsonBody(request);
    const password = bodyText(body, 'password', 1024) ?? '';
    const check = hashing.then(() => checkPassword(deps.store, password));
    hashing = check.catch(() => undefined);
    if (!(await check)) {
      deps.log.warn('dashboard login failed', { client });
      throw new YamoriError('WEB_LOGIN_FAILED');
    }
    const old = readCookie(request, COOKIE);
    if (old !== undefined) sessions.delete(old);
    const session = sessions.create();
    deps.log.info('dashboard login', { client });
    sendJson(
      response,
      200,
      { csrfToken: session.csrfToken },
      {
        'Set-Cookie': cookie(session.id, config.sessionTtlH * 3600),
      },
    );
  };

  const handleApi = async (
    request: IncomingMessage,
    response: ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<void> => {
    if (method === 'POST' && path === '/api/login') return login(request, response);
    const caller = await identify(request);
    if (caller === null) throw new YamoriError('WEB_UNAUTHENTICATED');
    if (method === 'POST') checkCsrf(request, caller);
    if (path === '/api/session' && method === 'GET') {
      sendJson(response, 200, {
        actor: caller.actor,
        csrfToken: caller.session?.csrfToken ?? null,
        version: deps.version,
      });
      return;
    }
    if (path === '/api/logout' && method === 'POST') {
      if (caller.session !== null) sessions.delete(caller.session.id);
      sendJson(response, 200, { ok: true }, { 'Set-Cookie': cookie('', 0) });
      return;
    }
    if (path === '/api/password' && method === 'POST') {
      const body = await readJsonBody(request);
      const current = bodyText(body, 'current', 1024) ?? '';
      const next = bodyText(body, 'password', 1024) ?? '';
      const check = hashing.then(() => checkPassword(deps.store, current));
      hashing = check.catch(() => undefined);
      if (!(await check)) throw new YamoriError('WEB_LOGIN_FAILED');
      await setPassword(deps.store, next);
      sessions.clear();
      deps.log.info('dashboard password changed; every session was ended', { by: caller.actor });
      sendJson(response, 200, { ok: true }, { 'Set-Cookie': cookie('', 0) });
      return;
    }
    const matched = matchRoute(routes, method, path);
    if (matched === null)
      throw new YamoriError('WEB_NOT_FOUND', { what: 'API route', id: `${method} ${path}` });
    const body = method === 'POST' ? await readJsonBody(request) : {};
    const result = await matched.route.handle({ params: matched.params, query, body, actor: caller.actor });
    sendJson(response, 200, toApiJson(result));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://yamori.invalid');
    const path = url.pathname;
    try {
      if (path.startsWith('/api/')) {
        await handleApi(request, response, method, path, url.searchParams);
        return;
      }
      if (method !== 'GET' && method !== 'HEAD') {
        throw new YamoriError('WEB_NOT_FOUND', { what: 'page', id: `${method} ${path}` });
      }
      if (path === '/healthz') {
        if (deps.health === undefined) {
          sendJson(response, 200, { status: 'ok', version: deps.version });
          return;
        }
        const health = await deps.health();
        sendJson(response, health.healthy ? 200 : 503, {
          ...health,
          status: health.healthy ? 'ok' : 'unhealthy',
          version: deps.version,
        });
        return;
      }
      if (path === '/metrics' && deps.metrics !== undefined) {
        const token = deps.metricsToken ?? null;
        if (token !== null && !bearerMatches(request.headers.authorization, token)) {
          throw new YamoriError('WEB_UNAUTHENTICATED');
        }
        const text = await deps.metrics();
        response.writeHead(200, {
          ...SECURITY_HEADERS,
          'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
          'Cache-Control': 'no-store',
        });
        response.end(method === 'HEAD' ? undefined : text);
        return;
      }
      const asset = path.startsWith('/assets/') ? assets.get(path.slice('/assets/'.length)) : undefined;
      if (asset !== undefined) {
        response.writeHead(200, {
          ...SECURITY_HEADERS,
          'Content-Type': asset.contentType,
          'Content-Length': asset.body.length,
          'Cache-Control': 'no-cache',
        });
        response.end(method === 'HEAD' ? undefined : asset.body);
        return;
      }
      if (!PAGES.test(path)) throw new YamoriError('WEB_NOT_FOUND', { what: 'page', id: path });
      response.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
      });
      response.end(method === 'HEAD' ? undefined : INDEX_HTML);
    } catch (error) {
      const status = sendError(response, error);
      if (status >= 500) {
        deps.log.error('dashboard request failed', {
          route: `${method} ${path}`,
          detail: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };

  return {
    async start() {
      const listen = parseListenAddress(config.listen);
      if (listen === null) {
        throw new YamoriError('WEB_LISTEN_FAILED', { listen: config.listen, reason: 'it is not ADDR:PORT' });
      }
      assets = await loadDashboardAssets(deps.assetsDir);
      const oneTimePassword = await ensurePassword(deps.store);
      const created = createServer(
        { requestTimeout: 30_000, headersTimeout: 10_000 },
        (request, response) => {
          void handle(request, response);
        },
      );
      await new Promise<void>((resolve, reject) => {
        created.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            new YamoriError(
              'WEB_LISTEN_FAILED',
              {
                listen: config.listen,
                reason: error.code === 'EADDRINUSE' ? 'the port is in use' : error.message,
              },
              { cause: error },
            ),
          ),
        );
        created.listen(listen.port, listen.address, () => resolve());
      });
      server = created;
      const bound = created.address() as AddressInfo;
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      const url = config.publicUrl ?? `http://${host}:${bound.port}`;
      return { url, oneTimePassword };
    },
    async stop() {
      const running = server;
      server = null;
      if (running === null) return;
      await new Promise<void>((resolve) => {
        running.close(() => resolve());
        running.closeAllConnections();
      });
    },
  };
}

function bearerMatches(authorization: string | undefined, token: string): boolean {
  const presented = authorization === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function isSameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function matchRoute(
  routes: readonly ApiRoute[],
  method: string,
  path: string,
): { route: ApiRoute; params: Record<string, string> } | null {
  const parts = path.split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.pattern.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((segment, index) => {
      const part = parts[index]!;
      if (segment.startsWith(':')) {
        if (part === '') return false;
        try {
          params[segment.slice(1)] = decodeURIComponent(part);
        } catch {
          return false;
        }
        return true;
      }
      return segment === part;
    });
    if (matches) return { route, params };
  }
  return null;
}

/** Instants (`…At`, `at` and watermark numbers, epoch microseconds) become ISO 8601 text in UTC, the API's one time format. */
export function toApiJson(value: unknown, key = ''): unknown {
  if (
    typeof value === 'number' &&
    /(?:^at|At|Watermark|^window(?:Start|End)|^indicators(?:Since|Until))$/.test(key)
  )
    return new Date(Math.floor(value / 1000)).toISOString();
  if (Array.isArray(value)) return value.map((item) => toApiJson(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, toApiJson(inner, name)]));
  }
  return value;
}

/** Every route the API answers that needs a session or token, for documentation and tests. */
export function apiRoutePatterns(): { method: string; pattern: string }[] {
  const routes = createApiRoutes({} as WebServerDeps, Date.now).map(({ method, pattern }) => ({
    method,
    pattern,
  }));
  return [
    { method: 'GET', pattern: '/api/session' },
    { method: 'POST', pattern: '/api/logout' },
    { method: 'POST', pattern: '/api/password' },
    ...routes,
  ];
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Yamori</title>
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
