import { OAuthError } from '../common/oauth-error';
import { storable } from '../common/storable';

/** The filters of the audit trail (admin API query, `grantry audit list` options); all optional, all ANDed. */
export interface AuditQuery {
  actor?: string;
  event?: string;
  /** The client the change concerns. */
  clientId?: string;
  tenant?: string;
  /** Epoch seconds: events at or after it. */
  since?: number;
  /** Epoch seconds: events before it. */
  until?: number;
}

/** The query parameters' names, as the admin API and the OpenAPI document spell them. */
export interface AuditQueryInput {
  actor?: unknown;
  event?: unknown;
  client_id?: unknown;
  tenant?: unknown;
  since?: unknown;
  until?: unknown;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses the filters; a filter given twice, empty or unusable is `invalid_request` naming it.
 * A time is epoch seconds (`1767225600`), ISO 8601 (`2026-12-01`, `2026-12-01T10:00:00Z`) or a
 * span back from `now` (`30m`, `24h`, `7d`).
 */
export function parseAuditQuery(input: AuditQueryInput, now: number): AuditQuery {
  const text = (name: keyof AuditQueryInput, maxLength: number): string | undefined => {
    const value = input[name];
    if (value === undefined) return undefined;
    if (!storable(value, maxLength)) throw OAuthError.invalidRequest(`${name} must be given once, as 1 to ${maxLength} characters`);
    return value as string;
  };
  const query: AuditQuery = {
    actor: text('actor', 255),
    event: text('event', 64),
    clientId: text('client_id', 255),
    tenant: text('tenant', 64),
    since: time(text('since', 64), 'since', now),
    until: time(text('until', 64), 'until', now),
  };
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)) as AuditQuery;
}

function time(value: string | undefined, name: string, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{1,12}$/.test(value)) return Number(value);
  const span = /^(\d{1,9})([smhd])$/.exec(value);
  if (span) return now - Number(span[1]) * UNITS[span[2]];
  // A date, or a date and time with seconds and a zone: nothing Date.parse would read in local time.
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  throw OAuthError.invalidRequest(`${name} must be epoch seconds, an ISO 8601 date or time with a zone (2026-12-01, 2026-12-01T10:00:00Z), or a span back from now (30m, 24h, 7d)`);
}
