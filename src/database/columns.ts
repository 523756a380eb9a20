import type { ValueTransformer } from 'typeorm';

/** Epoch seconds in a BIGINT column: PostgreSQL and MySQL drivers hand BIGINT back as strings. */
export const epochSeconds: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};

/** JSON in a TEXT column: portable across SQLite, PostgreSQL and MySQL. */
export const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value)),
  from: (value: string | null) => (value === null || value === undefined ? null : JSON.parse(value)),
};

/** A boolean parameter of a raw statement: better-sqlite3 binds no booleans; 1 and 0 mean true and false to all three databases. */
export function sqlBoolean(value: boolean): number {
  return value ? 1 : 0;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
