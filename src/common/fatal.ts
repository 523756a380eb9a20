import { ConfigError } from '../config/config-loader';
import { KeyMaterialError } from '../keys/key-material';
import { PluginLoadError } from '../plugins/plugin-errors';
import { OAuthError } from './oauth-error';

/** Errors whose message is the whole story for an operator: no stack trace. */
const EXPECTED = [ConfigError, KeyMaterialError, OAuthError, PluginLoadError];

/**
 * The lines a start-up or CLI failure prints: one clear message, and the stack only for an
 * unexpected error when `GRANTRY_DEBUG` is set.
 */
export function failureMessage(error: unknown, env: NodeJS.ProcessEnv): string {
  const message = error instanceof OAuthError ? `${error.code}: ${error.description}` : (error as Error)?.message ?? String(error);
  const expected = EXPECTED.some((type) => error instanceof type);
  return `grantry: ${message}\n${!expected && env.GRANTRY_DEBUG ? `${(error as Error)?.stack}\n` : ''}`;
}
