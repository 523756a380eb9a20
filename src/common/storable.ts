/**
 * Whether a string from outside can be handed to the database as an identifier: non-empty, no
 * longer than its column, and without NUL. PostgreSQL refuses a NUL in text outright — the query
 * fails and the request would end in a 500 where SQLite and MariaDB answer "not found" — and a
 * value longer than its column names no row anywhere. Every attacker-supplied string that reaches
 * a WHERE clause (or an INSERT) is checked with this first; one that fails is answered exactly as
 * an unknown value is.
 */
export function storable(value: unknown, maxLength: number): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && !value.includes('\u0000');
}
