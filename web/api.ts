/** Talking to the API: the session's CSRF token rides on every change; a 401 sends the viewer to log in. */

export interface ApiError {
  code: string;
  message: string;
  hint: string;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: () => void = () => undefined;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken !== null) headers['X-CSRF-Token'] = csrfToken;
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as { error?: ApiError } & T;
  if (!response.ok) {
    const error = json.error ?? { code: 'HTTP', message: `HTTP ${response.status}`, hint: '' };
    if (response.status === 401 && path !== '/api/login') onUnauthenticated();
    throw new ApiFailure(response.status, error);
  }
  return json;
}

export const get = <T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> => {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') query.set(key, value);
  const text = query.toString();
  return request<T>('GET', text === '' ? path : `${path}?${text}`);
};

export const post = <T>(path: string, body: unknown = {}): Promise<T> => request<T>('POST', path, body);

/* Response shapes (instants are ISO 8601 text in UTC). */

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type AlertStatus = 'open' | 'acknowledged' | 'closed';

export interface AlertSummary {
  id: string;
  ruleId: string;
  severity: Severity;
  title: string;
  status: AlertStatus;
  firstSeenAt: string;
  lastSeenAt: string;
  count: number;
  deviceMac: string | null;
  deviceName: string | null;
  remoteAddr: string | null;
  indicatorSources: string[];
}

export interface Device {
  mac: string;
  vendor: string | null;
  hostname: string | null;
  vendorClass: string | null;
  isRandomisedMac: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
  addresses: { addr: string; firstSeenAt: string; lastSeenAt: string }[];
  services: { port: number; protocol: string; firstSeenAt: string; lastSeenAt: string }[];
}

export interface Flow {
  id: string;
  protocol: string;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  firstSeenAt: string;
  lastSeenAt: string;
  srcBytes: number;
  dstBytes: number;
  status: string;
  direction: string;
  serverName: string | null;
  dnsName: string | null;
}
