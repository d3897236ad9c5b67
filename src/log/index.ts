/**
 * The logger: levels, text or JSON lines, rate-limited warnings with counts, and redaction of secrets.
 *
 * In: a message and fields. Out: one line on standard error (or the given sink).
 * Secrets never reach a line: secret-looking field names and URL credentials are redacted here.
 * A leaf: every folder may import it; it imports nothing of ours but errors/.
 */
export {
  createLogger,
  redactFields,
  type Logger,
  type LogLevel,
  type LogFields,
  type LoggerOptions,
} from './logger.js';
