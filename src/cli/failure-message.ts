import { DatabaseUnreachableError, isConnectionFailure } from '../common/fatal';
import { OAuthError } from '../common/oauth-error';
import { ConfigError } from '../config/config-loader';
import { KeyMaterialError } from '../keys/key-material';
import { PluginLoadError } from '../plugins/plugin-errors';
import { TenantUnavailableError } from './cli-tenant';

/** Errors whose message is the whole story for an operator: no stack trace. */
const EXPECTED = [ConfigError, KeyMaterialError, OAuthError, PluginLoadError, DatabaseUnreachableError, TenantUnavailableError];

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
