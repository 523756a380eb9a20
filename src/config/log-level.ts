import type { LevelWithSilent } from 'pino';
import { ValidateBy } from 'class-validator';

/**
 * `[logging] level` spellings and the pino level each means. Operators paste levels from WSO2
 * (log4j: `DEBUG`, `WARN`, `OFF`), Nest (`verbose`, `log`) or pino itself, so all are accepted,
 * in any letter case; anything else stops start-up rather than silently logging at info.
 */
const LEVELS: Readonly<Record<string, LevelWithSilent>> = {
  trace: 'trace',
  verbose: 'trace', // Nest's most detailed level
  debug: 'debug',
  info: 'info',
  log: 'info', // Nest's name for info
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  off: 'silent', // log4j / WSO2
  silent: 'silent',
};

/** The accepted spellings, for messages and documentation (upper-case forms are accepted too). */
export const LOG_LEVEL_SPELLINGS = Object.keys(LEVELS);

/** The pino level a `[logging] level` spelling means; undefined for an unknown one. */
export function pinoLevelOf(spelling: string): LevelWithSilent | undefined {
  return Object.hasOwn(LEVELS, spelling.toLowerCase()) ? LEVELS[spelling.toLowerCase()] : undefined;
}

/** Validates a `[logging] level` value; the message lists every accepted spelling. */
export function IsLogLevel(): PropertyDecorator {
  return ValidateBy({
    name: 'isLogLevel',
    validator: {
      validate: (value) => typeof value === 'string' && pinoLevelOf(value) !== undefined,
      defaultMessage: () => `must be one of ${LOG_LEVEL_SPELLINGS.join(', ')} (any letter case: WSO2's DEBUG, INFO, WARN, OFF too)`,
    },
  });
}
