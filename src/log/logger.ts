export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Like warn, but at most `perMinute` lines per message; the rest are counted and summarised. */
  warnLimited(message: string, fields?: LogFields): void;
  /** How many times each rate-limited message occurred, shown or not. */
  counts(): ReadonlyMap<string, number>;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; defaults to standard error. */
  write?: (line: string) => void;
  /** JSON lines instead of `level message key=value` text. */
  json?: boolean;
  now?: () => number;
  perMinute?: number;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_KEY = /(token|secret|password|passwd|auth|api[-_]?key|webhook|cookie)/i;
const SECRET_IN_TEXT = /\b(https?:\/\/)([^/\s:@]+):([^@\s]+)@/g;

/** Replaces values of secret-looking fields and credentials inside URLs. */
export function redactFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key)) out[key] = '[redacted]';
    else if (typeof value === 'string') out[key] = value.replace(SECRET_IN_TEXT, '$1[redacted]@');
    else out[key] = value;
  }
  return out;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? Date.now;
  const perMinute = options.perMinute ?? 10;
  const threshold = ORDER[options.level];
  const counts = new Map<string, number>();
  const windows = new Map<string, { startedAt: number; shown: number; suppressed: number }>();

  const emit = (level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields = {}): void => {
    if (ORDER[level] < threshold) return;
    const safe = redactFields(fields);
    if (options.json) {
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, message, ...safe }));
      return;
    }
    const details = Object.entries(safe)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    write(`${level} ${message}${details ? ' ' + details : ''}`);
  };

  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    warnLimited(message, fields) {
      counts.set(message, (counts.get(message) ?? 0) + 1);
      const at = now();
      let window = windows.get(message);
      if (!window || at - window.startedAt >= 60_000) {
        if (window && window.suppressed > 0) {
          emit('warn', `${message} (repeated)`, { suppressed: window.suppressed });
        }
        window = { startedAt: at, shown: 0, suppressed: 0 };
        windows.set(message, window);
      }
      if (window.shown < perMinute) {
        window.shown++;
        emit('warn', message, fields);
      } else {
        window.suppressed++;
      }
    },
    counts: () => counts,
  };
}
