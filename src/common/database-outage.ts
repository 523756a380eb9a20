import { Logger } from '@nestjs/common';
import { logLine, logText } from './log-text';

/**
 * Errors that mean "the database cannot be reached or cannot serve now" rather than "this request
 * is wrong": the connection was refused, reset or lost, the pool timed out acquiring one, the
 * server is shutting down or full, SQLite stayed locked past busy_timeout. A request that meets one
 * can succeed unchanged a few seconds later, so it is answered 503 with Retry-After, not 500.
 * Constraint violations, syntax errors and every other query failure are not on these lists and
 * stay what they are.
 */

/** Node socket errors (pg, mysql2) and mysql2's own connection codes. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN',
  'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
  // SQLite: the file is locked past busy_timeout, or cannot be read or opened.
  'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR',
]);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (the server is shutting down
 * or starting), 53300 (too many connections).
 */
const PG_STATES = /^(08\d{3}|57P0[123]|53300)$/;

/** MySQL/MariaDB client and server errnos: can't connect (2002, 2003), gone away (2006), lost (2013), too many connections (1040), shutdown (1053). */
const MYSQL_ERRNOS = new Set([1040, 1053, 2002, 2003, 2006, 2013]);

/** Messages of drivers that give no code: pg's lost or timed-out connections, mysql2's closed connection. */
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /Can't add new command when connection is in closed state/,
  /^Pool is closed/,
];

/**
 * True when `error` (or what it wraps: TypeORM's driverError, an AggregateError's errors — Node's
 * connect to every address of a host) is a connection-level database failure. `cause` is not
 * followed: an outbound fetch that failed (`fetch failed`, cause ECONNREFUSED) is not the database.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const { code, errno, message, driverError, errors } = error as {
    code?: unknown; errno?: unknown; message?: unknown; driverError?: unknown; errors?: unknown;
  };
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code) || PG_STATES.test(code)) return true;
    // SQLite's extended codes of a file it cannot read or write (SQLITE_IOERR_READ, ...).
    if (code.startsWith('SQLITE_IOERR_') || code.startsWith('SQLITE_BUSY_')) return true;
  }
  if (typeof errno === 'number' && MYSQL_ERRNOS.has(errno)) return true;
  if (typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (driverError !== error && isDatabaseUnavailable(driverError, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}

/** Seconds a client is asked to wait (RFC 9110 §10.2.3): long enough for a failover, short enough to notice recovery. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** A quiet gap this long ends a burst: the next failure is logged again. */
const BURST_GAP_MS = 30_000;

/**
 * Logs an outage once per burst (at error, with the cause, no stack): a pool that cannot connect
 * fails every request, and a stack per request would bury the one line that matters.
 */
export class DatabaseOutageLog {
  private readonly logger = new Logger('Database');
  private lastSeen = 0;
  private count = 0;

  /** Notes one failed request; writes a line when it starts a burst. */
  record(error: unknown, context: { method: string; url: string }, now = Date.now()): void {
    const startsBurst = now - this.lastSeen > BURST_GAP_MS;
    this.lastSeen = now;
    if (!startsBurst) {
      this.count++;
      return;
    }
    const earlier = this.count ? ` (the previous burst failed ${this.count + 1} requests)` : '';
    this.count = 0;
    this.logger.error(
      logLine(`database unavailable: requests that need it answer 503 until it is back (first: ${context.method} ${logText(context.url)}); cause: ${causeOf(error)}${earlier}`),
    );
  }
}

/** The innermost driver message with its code, e.g. `connect ECONNREFUSED 127.0.0.1:5432 (ECONNREFUSED)`. */
function causeOf(error: unknown): string {
  let current = error as { message?: unknown; code?: unknown; driverError?: unknown } | undefined;
  while (current?.driverError && current.driverError !== current) current = current.driverError as typeof current;
  const message = typeof current?.message === 'string' && current.message ? current.message : String(error);
  return typeof current?.code === 'string' && !message.includes(current.code) ? `${message} (${current.code})` : message;
}
