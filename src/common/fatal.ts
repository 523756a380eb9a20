/** The database named in the configuration cannot be reached (or refuses the credentials). */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';

  constructor(url: string, cause: unknown) {
    super(`cannot connect to the database ${maskUrlPassword(url)}: ${causeOf(cause)}`, { cause });
  }
}

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

/** The driver's reason in one line; Node's AggregateError (several addresses tried) has its reasons inside. */
function causeOf(error: unknown): string {
  const errors = (error as { errors?: unknown[] })?.errors;
  const first = (error as Error)?.message || (Array.isArray(errors) && errors.length ? causeOf(errors[0]) : '');
  const code = (error as { code?: unknown })?.code;
  const text = first || (typeof code === 'string' ? code : String(error));
  return maskUrlPassword(text.split('\n')[0]);
}
