import { INestApplicationContext } from '@nestjs/common';
import { parseUserInput } from '../../users/user-input';
import type { UserLifecycle } from '../../admin/user-lifecycle';
import { UsersService } from '../../users/users.service';
import { parse, readInputFile, readSecretFile, requirePositional, requireString, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { changedClaims, claimValue } from '../claim-options';
import { operatorActor } from '../operator';
import { print } from '../output';
import { readSecretLine } from '../secret-input';
import { USERS_USAGE } from '../usage';

const LIST_COLUMNS = ['id', 'username', 'enabled', 'locked_until', 'created_at'];
const PASSWORD_OPTIONS = {
  'password-file': { type: 'string' },
  'password-env': { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;
const PROFILE_OPTIONS = {
  username: { type: 'string' },
  claim: { type: 'string', multiple: true },
  'claims-file': { type: 'string' },
  identity: { type: 'string', multiple: true },
} as const;
const UPDATE_OPTIONS = {
  ...PROFILE_OPTIONS,
  'unset-claim': { type: 'string', multiple: true },
  enable: { type: 'boolean' },
  disable: { type: 'boolean' },
  unlock: { type: 'boolean' },
} as const;

/** admin/ is required by the writes only: `list` and `show` run without it (issue 30). */
function lifecycle(app: INestApplicationContext): UserLifecycle {
  return app.get((require('../../admin/user-lifecycle') as typeof import('../../admin/user-lifecycle')).UserLifecycle);
}

export async function usersCommand(app: INestApplicationContext, sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  const users = app.get(UsersService);
  switch (sub) {
    case 'create': {
      const { values } = parse(args, { ...PROFILE_OPTIONS, ...PASSWORD_OPTIONS, disabled: { type: 'boolean' } });
      const input: Record<string, unknown> = { username: requireString(values, 'username'), ...profile(values, {}) };
      const password = await passwordOf(values, io, false);
      if (password !== undefined) input.password = password;
      if (values.disabled) input.enabled = false;
      const user = await lifecycle(app).create(parseUserInput(input, true), operatorActor());
      if (password === undefined) io.stderr.write(`user ${user.id} has no password: set one with grantry users set-password ${user.id}\n`);
      print(io.stdout, user, values.json === true);
      return;
    }
    case 'list': {
      const { values } = parse(args, { username: { type: 'string' } });
      const { items } = await users.list(10_000, 0, values.username as string | undefined);
      print(io.stdout, items, values.json === true, LIST_COLUMNS);
      return;
    }
    case 'show': {
      const { values, positionals } = parse(args, {});
      print(io.stdout, await users.get(requirePositional(positionals, 'ID')), values.json === true);
      return;
    }
    case 'update': {
      const { values, positionals } = parse(args, UPDATE_OPTIONS);
      const id = requirePositional(positionals, 'ID');
      if (values.enable && values.disable) throw new UsageError('give only one of --enable, --disable');
      // --claim and --unset-claim change the claims the user has now: read them first.
      const changesClaims = values.claim !== undefined || values['unset-claim'] !== undefined;
      const input: Record<string, unknown> = profile(values, changesClaims ? (await users.get(id)).claims : {});
      if (values.username) input.username = values.username;
      if (values.enable) input.enabled = true;
      if (values.disable) input.enabled = false;
      if (values.unlock) input.locked_until = null;
      if (!Object.keys(input).length) throw new UsageError('nothing to change: give at least one option');
      print(io.stdout, (await lifecycle(app).update(id, parseUserInput(input, false), operatorActor())).view, values.json === true);
      return;
    }
    case 'set-password': {
      const { values, positionals } = parse(args, PASSWORD_OPTIONS);
      const id = requirePositional(positionals, 'ID');
      const password = await passwordOf(values, io, true);
      await lifecycle(app).update(id, parseUserInput({ password }, false), operatorActor());
      io.stderr.write(`password of user ${id} set; its grants are revoked\n`);
      return;
    }
    case 'delete': {
      const { positionals } = parse(args, {});
      const id = requirePositional(positionals, 'ID');
      await lifecycle(app).delete(id, operatorActor());
      io.stderr.write(`deleted user ${id}; its grants are revoked\n`);
      return;
    }
    default:
      throw new UsageError(`usage:\n${USERS_USAGE}`);
  }
}

/** The password from a file (less its trailing line break), an environment variable or stdin; `required` reads stdin when none is named. */
async function passwordOf(values: Record<string, unknown>, io: CliIO, required: boolean): Promise<string | undefined> {
  const given = Object.keys(PASSWORD_OPTIONS).filter((option) => values[option] !== undefined);
  if (given.length > 1) throw new UsageError(`give only one of ${given.map((option) => `--${option}`).join(', ')}`);
  if (values['password-file'] !== undefined) return readSecretFile(String(values['password-file']), '--password-file');
  if (values['password-env'] !== undefined) {
    const value = io.env[String(values['password-env'])];
    if (value === undefined) throw new UsageError(`--password-env ${String(values['password-env'])}: the environment variable is not set`);
    return value;
  }
  if (values['password-stdin'] || required) {
    if (!io.stdin) throw new UsageError('no stdin to read the password from: use --password-file or --password-env');
    return readSecretLine(io.stdin, io.stderr, 'Password: ');
  }
  return undefined;
}

/**
 * --claims-file (a JSON object: all the claims), --claim NAME=VALUE (one claim, a JSON value or
 * text) and --unset-claim NAME applied to `current` (see `changedClaims`); --identity IDP=SUBJECT.
 */
function profile(values: Record<string, unknown>, current: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if (values['claims-file'] !== undefined || values.claim !== undefined || values['unset-claim'] !== undefined) {
    input.claims = changedClaims(current, {
      replaceWith: values['claims-file'] !== undefined ? readJsonObject(String(values['claims-file'])) : undefined,
      set: pairs(values.claim as string[] | undefined, '--claim', 'NAME=VALUE').map(([name, text]) => [name, claimValue(name, text)]),
      unset: (values['unset-claim'] as string[] | undefined) ?? [],
    });
  }
  if (values.identity !== undefined) {
    input.identities = pairs(values.identity as string[], '--identity', 'IDP=SUBJECT').map(([identity_provider, subject]) => ({ identity_provider, subject }));
  }
  return input;
}

function pairs(items: string[] | undefined, option: string, shape: string): [string, string][] {
  return (items ?? []).map((item) => {
    const at = item.indexOf('=');
    if (at <= 0 || at === item.length - 1) throw new UsageError(`${option} takes ${shape}, not ${item}`);
    return [item.slice(0, at), item.slice(at + 1)];
  });
}

function readJsonObject(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readInputFile(path).toString('utf8'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}
