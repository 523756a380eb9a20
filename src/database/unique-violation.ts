import { QueryFailedError } from 'typeorm';

/**
 * True when a statement failed on a primary-key or unique constraint, on any supported
 * database: through TypeORM (a QueryFailedError wrapping the driver's error) or straight
 * from a driver (the atomic writer runs SQLite statements on better-sqlite3 itself).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const driverError = ((error instanceof QueryFailedError ? (error as { driverError?: unknown }).driverError : error) ?? {}) as { code?: string; errno?: number };
  return (
    driverError.code === '23505' || // PostgreSQL unique_violation
    driverError.code === 'ER_DUP_ENTRY' || driverError.errno === 1062 || // MySQL / MariaDB
    driverError.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || driverError.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
