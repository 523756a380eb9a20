import { readFileSync } from 'node:fs';
import { parseArgs, ParseArgsConfig } from 'node:util';

export type Options = ParseArgsConfig['options'];

/** Strict option parsing: an unknown or malformed option is a usage error, not ignored. */
export function parse(args: string[], options: Options): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    // --config and --tenant are read before the command runs (run-cli.ts); every command accepts them.
    return parseArgs({ args, options: { ...options, config: { type: 'string' }, tenant: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function requireString(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || !value) throw new UsageError(`--${name} is required`);
  return value;
}

export function requirePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return positionals[0];
}

/**
 * A secret the operator hands in without putting it on the command line (where `ps` and shell
 * history would keep it): `--<name>-file F` (see `readSecretFile`) or `--<name>-env NAME`.
 * `--<name>` itself is still accepted, for scripts that already use it. At most one of the three.
 */
export function secretOption(values: Record<string, unknown>, name: string, env: NodeJS.ProcessEnv): string | undefined {
  const given = [name, `${name}-file`, `${name}-env`].filter((option) => values[option] !== undefined);
  if (given.length > 1) throw new UsageError(`give only one of ${given.map((option) => `--${option}`).join(', ')}`);
  if (values[`${name}-file`] !== undefined) {
    return readSecretFile(String(values[`${name}-file`]), `--${name}-file`);
  }
  if (values[`${name}-env`] !== undefined) {
    const variable = String(values[`${name}-env`]);
    const value = env[variable];
    if (value === undefined) throw new UsageError(`--${name}-env ${variable}: the environment variable is not set`);
    return value;
  }
  return values[name] as string | undefined;
}

/**
 * A password file: its content less one trailing line break (`\n` or `\r\n`), so a file written
 * by `echo` or an editor holds the same password as one written by `printf '%s'`. A file with
 * another line break in it is refused rather than cut: it is likely not the file meant (a key, a
 * list), and a line break cannot be typed into a sign-in form either.
 */
export function readSecretFile(path: string, option: string): string {
  const secret = readInputFile(path).toString('utf8').replace(/\r?\n$/, '');
  if (/[\r\n]/.test(secret)) throw new UsageError(`${option} ${path}: the file holds more than one line; a password file holds the password alone (printf '%s' "$PASSWORD" > FILE)`);
  return secret;
}

/** A file the operator named; an unreadable one is a usage error naming it. */
export function readInputFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}
