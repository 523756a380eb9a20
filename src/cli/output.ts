import type { CliIO } from './cli-io';

/** CLI output: the bare record or array with --json, else a readable table. */
export function print(out: CliIO['stdout'], value: object | object[], asJson: boolean, columns?: string[]): void {
  if (asJson) {
    out.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const rows = Array.isArray(value) ? value : [value];
  if (!Array.isArray(value)) {
    // One record: a key/value listing shows every field.
    const record = value as Record<string, unknown>;
    const width = Math.max(...Object.keys(record).map((key) => key.length));
    for (const [key, field] of Object.entries(record)) out.write(`${key.padEnd(width)}  ${cell(field)}\n`);
    return;
  }
  if (!rows.length) {
    out.write('(none)\n');
    return;
  }
  const keys = columns ?? Object.keys(rows[0]);
  const cells = rows.map((row) => keys.map((key) => cell((row as Record<string, unknown>)[key])));
  const widths = keys.map((key, i) => Math.max(key.length, ...cells.map((line) => line[i].length)));
  const line = (parts: string[]) => parts.map((part, i) => part.padEnd(widths[i])).join('  ').trimEnd();
  out.write(`${line(keys.map((key) => key.toUpperCase()))}\n`);
  for (const parts of cells) out.write(`${line(parts)}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(' ');
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  return text.includes('\n') ? `${text.split('\n')[0]}...` : text;
}
