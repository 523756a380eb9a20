import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { stringify as toToml } from 'smol-toml';
import { maskUrlPassword } from '../../common/fatal';
import { buildConfig, ConfigError, readConfigDocument } from '../../config/config-loader';
import { GrantryConfig } from '../../config/config.schema';
import { builtInAuthenticators, listenerMatches, unmatchedListeners } from '../../oauth/client-auth/authenticator.registry';
import { Grant, GrantOptions } from '../../oauth/core/extension-points';
import { AUTHORIZATION_ENDPOINT_GRANTS, BUILT_IN_GRANTS } from '../../oauth/grants/built-in-grants';
import { registrationGrantTypes } from '../../oauth/registration/registration-grant-types';
import { namesPluginModule } from '../../plugins/module-loader';
import { parse, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { unapprovedRegistrationWarnings } from '../registration-check';

export const CONFIG_USAGE = `grantry config check [--config PATH]
grantry config print --effective [--config PATH] [--json]
  (check: validates the file and its $env{} references without writing to the database or creating
   any file; exit 0 printing "ok: <file>", or 1 listing every problem, one per line. An existing
   database is read for clients registered (RFC 7591) with grant types outside
   [oauth.registration] allowed_grant_types: a warning names them.
   print --effective: the whole configuration in force (built-in defaults merged, PORT/HOST and
   DATABASE_URL applied) as TOML, or JSON with --json; passwords, keys and secrets masked)
  e.g. grantry config check --config /etc/grantry/deployment.toml
       grantry config print --effective --json`;

/** What a masked value prints as. */
export const MASK = '********';

export async function configCommand(sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  switch (sub) {
    case 'check': {
      const { values } = parse(args, {});
      const { path, problems, warnings, config } = check(values.config as string | undefined, io.env);
      // The database is read, never written: clients registered with grant types the file no longer opens to registration.
      if (config && !problems.length) warnings.push(...(await unapprovedRegistrationWarnings(config)));
      for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
      if (problems.length) {
        io.stderr.write(`grantry: ${path ? resolve(path) : 'built-in defaults'}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
        for (const problem of problems) io.stderr.write(`  - ${problem}\n`);
        throw new ConfigCheckFailed();
      }
      io.stdout.write(`ok: ${path ? resolve(path) : 'built-in defaults'}\n`);
      return;
    }
    case 'print': {
      const { values } = parse(args, { effective: { type: 'boolean' } });
      if (values.effective !== true) throw new UsageError('config print needs --effective (the only view)');
      const { path, raw } = readConfigDocument(values.config as string | undefined, io.env);
      const config = buildConfig(raw, { env: io.env, configDir: path ? resolve(path, '..') : process.cwd(), source: path });
      const effective = masked(effectiveDocument(config), envPaths(raw));
      io.stdout.write(values.json === true ? `${JSON.stringify(effective, null, 2)}\n` : `${toToml(effective)}\n`);
      return;
    }
    default:
      throw new UsageError(`usage:\n${CONFIG_USAGE}`);
  }
}

/** `config check` found problems: they are printed already; the exit code is 1. */
export class ConfigCheckFailed extends Error {
  override name = 'ConfigCheckFailed';
  constructor() {
    super('');
  }
}

/** Every problem of the file that can be found without the database and without running plugin code. */
function check(explicit: string | undefined, env: NodeJS.ProcessEnv): { path?: string; problems: string[]; warnings: string[]; config?: GrantryConfig } {
  let path: string | undefined;
  let config: GrantryConfig;
  try {
    const document = readConfigDocument(explicit, env);
    path = document.path;
    config = buildConfig(document.raw, { env, configDir: path ? resolve(path, '..') : process.cwd(), source: path });
  } catch (error) {
    if (error instanceof ConfigError) return { path: path ?? explicit ?? env.GRANTRY_CONFIG, problems: error.problems, warnings: [] };
    throw error;
  }
  const known = builtInAuthenticators();
  const { errors, warnings } = unmatchedListeners(config.event_listener, (listener) => known.some((meta) => listenerMatches(listener, meta)) || namesPluginModule(listener), known);
  return { path, problems: [...errors, ...missingFiles(config)], warnings, config };
}

/** Files the configuration names that do not exist: the keystore, plugin modules given by path. */
function missingFiles(config: GrantryConfig): string[] {
  const problems: string[] = [];
  if (config.keystore && !existsSync(resolve(config.keystore.file))) problems.push(`keystore.file = ${JSON.stringify(config.keystore.file)}: no such file (${resolve(config.keystore.file)})`);
  const modules: [string, string | undefined][] = [
    ...config.oauth.custom_grant_type.map((grant, i): [string, string] => [`oauth.custom_grant_type[${i}].grant_handler`, grant.grant_handler]),
    ...config.event_listener.map((listener, i): [string, string | undefined] => [`event_listener[${i}].name`, listener.enable === false ? undefined : listener.name]),
    ...Object.entries(config.oauth.grant_type as Record<string, { grant_handler?: string }>).map(([id, table]): [string, string | undefined] => [`oauth.grant_type.${id}.grant_handler`, table?.grant_handler]),
  ];
  for (const [key, spec] of modules) {
    // Only paths: a package name or a WSO2 class name is resolved (or ignored) at start-up.
    if (!spec || !(spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec))) continue;
    const file = resolve(config.configDir, spec);
    if (!existsSync(file)) problems.push(`${key} = ${JSON.stringify(spec)}: no such file (${file})`);
  }
  return problems;
}

/** The configuration as a plain document: every built-in grant's table with its defaults, no internals. */
function effectiveDocument(config: GrantryConfig): Record<string, unknown> {
  const grants = config.oauth.grant_type as Record<string, { enable?: boolean } | undefined>;
  const defaults = [
    // A built-in grant is on unless its decorator says enabledByDefault: false (password).
    ...BUILT_IN_GRANTS.map(({ definition, handler }) => ({ definition, enable: (Reflect.getMetadata(Grant.KEY, handler) as GrantOptions | undefined)?.enabledByDefault ?? true })),
    // Response types of the authorization endpoint: implicit only when switched on.
    ...AUTHORIZATION_ENDPOINT_GRANTS.map((definition) => ({ definition, enable: false })),
  ];
  for (const { definition, enable } of defaults) {
    const table = (grants[definition.id] ??= new definition.settings());
    table.enable ??= enable;
  }
  // Its default follows the implicit grant's switch: shown resolved.
  config.oauth.registration.allowed_grant_types ??= registrationGrantTypes(config);
  const { configDir: _configDir, ...document } = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  return withoutNulls(document) as Record<string, unknown>;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null).map(([key, item]) => [key, withoutNulls(item)]));
  }
  return value;
}

/** Paths (`a.b[0].c`) of the strings that reference the environment in the file. */
function envPaths(node: unknown, path = '', out = new Set<string>()): Set<string> {
  if (typeof node === 'string' && node.includes('$env{')) out.add(path);
  else if (Array.isArray(node)) node.forEach((item, i) => envPaths(item, `${path}[${i}]`, out));
  else if (node && typeof node === 'object') for (const [key, item] of Object.entries(node)) envPaths(item, path ? `${path}.${key}` : key, out);
  return out;
}

/** Keys that always hold a secret, and key names that do. */
const ALWAYS_SECRET = new Set(['security.master_key', 'keystore.password']);
const SECRET_NAME = /password|secret|passphrase|credential/i;
const KEY_NAME = /key/i;

/**
 * Secrets replaced by MASK: `[security] master_key`, `[keystore] password`, the password in
 * `[database] url`, every string whose key names a password or secret, and every string from
 * `$env{}` whose key names a key. Never print a secret: when in doubt, mask.
 */
function masked(node: unknown, fromEnv: Set<string>, path = '', key = ''): unknown {
  if (typeof node === 'string') {
    if (path === 'database.url') return maskUrlPassword(node).replace('***', MASK);
    if (ALWAYS_SECRET.has(path) || SECRET_NAME.test(key) || (KEY_NAME.test(key) && fromEnv.has(path))) return MASK;
    return node;
  }
  if (Array.isArray(node)) return node.map((item, i) => masked(item, fromEnv, `${path}[${i}]`, key));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([name, item]) => [name, masked(item, fromEnv, path ? `${path}.${name}` : name, name)]));
  }
  return node;
}
