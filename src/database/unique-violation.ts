import { QueryFailedError } from 'typeorm';

/** True when a statement failed on a primary-key or unique constraint, on any supported database. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = (error as QueryFailedError & { driverError?: { code?: string; errno?: number } }).driverError ?? {};
  return (
    driverError.code === '23505' || // PostgreSQL unique_violation
    driverError.code === 'ER_DUP_ENTRY' || driverError.errno === 1062 || // MySQL / MariaDB
    driverError.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || driverError.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
