import type { CliIO } from './cli-io';

/** CLI output: the bare record or array with --json, else a readable table. */
export function print(out: CliIO['stdout'], value: object | object[], asJson: boolean, columns?: string[]): void {
  if (asJson) {
    // Machine output keeps epoch seconds, exactly as the admin API answers.
    out.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const rows = Array.isArray(value) ? value : [value];
  if (!Array.isArray(value)) {
    // One record: a key/value listing shows every field.
    const record = value as Record<string, unknown>;
    const width = Math.max(...Object.keys(record).map((key) => key.length));
    for (const [key, field] of Object.entries(record)) out.write(`${key.padEnd(width)}  ${cell(key, field)}\n`);
    return;
  }
  if (!rows.length) {
    out.write('(none)\n');
    return;
  }
  const keys = columns ?? Object.keys(rows[0]);
  const cells = rows.map((row) => keys.map((key) => cell(key, (row as Record<string, unknown>)[key])));
  const widths = keys.map((key, i) => Math.max(key.length, ...cells.map((line) => line[i].length)));
  const line = (parts: string[]) => parts.map((part, i) => part.padEnd(widths[i])).join('  ').trimEnd();
  out.write(`${line(keys.map((key) => key.toUpperCase()))}\n`);
  for (const parts of cells) out.write(`${line(parts)}\n`);
}

/**
 * Fields that hold epoch seconds, by name: `created_at`, `client_id_issued_at`, `retire_at`,
 * `expires_at`, `not_after`, `not_before`, `locked_until`, ... Shown in tables as ISO 8601 UTC.
 */
const EPOCH_FIELD = /(_at|^not_after|^not_before|_until)$/;

/**
 * `*expires_at = 0` means "never" (RFC 7591 §3.2.1 client_secret_expires_at); a time is
 * whole seconds, so the milliseconds are left out.
 */
export function displayTime(key: string, value: unknown): string | undefined {
  if (!EPOCH_FIELD.test(key) || typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (value === 0 && key.endsWith('expires_at')) return 'never';
  return new Date(value * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

function cell(key: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  const time = displayTime(key, value);
  if (time !== undefined) return time;
  if (Array.isArray(value)) return value.join(' ');
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  return text.includes('\n') ? `${text.split('\n')[0]}...` : text;
}
