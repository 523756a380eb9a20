import { ConfigError } from '../config/config-loader';
import { KeyMaterialError } from '../keys/key-material';
import { PluginLoadError } from '../plugins/plugin-errors';
import { OAuthError } from './oauth-error';

/** The database named in the configuration cannot be reached (or refuses the credentials). */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';

  constructor(url: string, cause: unknown) {
    super(`cannot connect to the database ${maskUrlPassword(url)}: ${causeOf(cause)}`, { cause });
  }
}

/** Errors whose message is the whole story for an operator: no stack trace. */
const EXPECTED = [ConfigError, KeyMaterialError, OAuthError, PluginLoadError, DatabaseUnreachableError];

/**
 * Connection failures of the drivers: network (Node), PostgreSQL SQLSTATE classes 08 (connection) and
 * 28 (authorization) and 3D000 (no such database), MySQL access and database errors.
 */
const CONNECTION_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|08\w{3}|28\w{3}|3D000|ER_ACCESS_DENIED_ERROR|ER_BAD_DB_ERROR|ER_DBACCESS_DENIED_ERROR|PROTOCOL_CONNECTION_LOST)$/;

/** Whether `error` says the database could not be reached or refused to let grantry in. */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && CONNECTION_CODES.test(code)) return true;
  const errors = (error as { errors?: unknown[] })?.errors;
  return Array.isArray(errors) && errors.some(isConnectionFailure);
}

/** `scheme://user:password@host/db` with the password replaced by `***` (any other text unchanged). */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^@/?#]*@/i, '$1***@');
}

/**
 * The lines a start-up or CLI failure prints: one clear message, and the stack only for an
 * unexpected error when `GRANTRY_DEBUG` is set. With the database URL, a connection failure
 * says which database (password masked) and why, in one line.
 */
export function failureMessage(error: unknown, env: NodeJS.ProcessEnv, databaseUrl?: string): string {
  if (databaseUrl !== undefined && !(error instanceof DatabaseUnreachableError) && isConnectionFailure(error)) {
    return failureMessage(new DatabaseUnreachableError(databaseUrl, error), env);
  }
  const message = error instanceof OAuthError ? `${error.code}: ${error.description}` : (error as Error)?.message ?? String(error);
  const expected = EXPECTED.some((type) => error instanceof type);
  return `grantry: ${message}\n${!expected && env.GRANTRY_DEBUG ? `${(error as Error)?.stack}\n` : ''}`;
}

/** The driver's reason in one line; Node's AggregateError (several addresses tried) has its reasons inside. */
function causeOf(error: unknown): string {
  const errors = (error as { errors?: unknown[] })?.errors;
  const first = (error as Error)?.message || (Array.isArray(errors) && errors.length ? causeOf(errors[0]) : '');
  const code = (error as { code?: unknown })?.code;
  const text = first || (typeof code === 'string' ? code : String(error));
  return maskUrlPassword(text.split('\n')[0]);
}
