import { ConfigError } from '../config/config-loader';
import { KeyMaterialError } from '../keys/key-material';
import { PluginLoadError } from '../plugins/plugin-errors';
import { OAuthError } from './oauth-error';

/** Errors whose message is the whole story for an operator: no stack trace. */
const EXPECTED = [ConfigError, KeyMaterialError, OAuthError, PluginLoadError];

/** Prints a start-up or CLI failure as one clear message and exits non-zero. */
export function exitWithError(error: unknown): never {
  const expected = EXPECTED.some((type) => error instanceof type);
  const message = error instanceof OAuthError ? `${error.code}: ${error.description}` : (error as Error)?.message ?? String(error);
  process.stderr.write(`grantry: ${message}\n`);
  if (!expected && process.env.GRANTRY_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
  process.exit(1);
}
