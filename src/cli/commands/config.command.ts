import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { stringify as toToml } from 'smol-toml';
import { maskUrlPassword } from '../../common/fatal';
import { OAuthError } from '../../common/oauth-error';
import { buildConfig, ConfigError, inspectConfig, readConfigDocument, resolveConfigPath } from '../../config/config-loader';
import { GrantryConfig } from '../../config/config.schema';
import { didYouMeanHint } from '../../config/did-you-mean';
import { isTenantDomain, TENANT_DOMAIN_RULE } from '../../config/tenant-settings';
import { builtInAuthenticators, listenerProblems } from '../../oauth/client-auth/authenticator.registry';
import { Grant, GrantOptions } from '../../oauth/core/extension-points';
import { AUTHORIZATION_ENDPOINT_GRANTS, BUILT_IN_GRANTS } from '../../oauth/grants/built-in-grants';
import { LoginAuthenticator, LoginStepOptions } from '../../oauth/authorization/interaction/login-step';
import { PasswordLoginStep } from '../../oauth/authorization/interaction/password.login-step';
import { allowedGrantTypeProblems, registrationGrantTypes } from '../../oauth/registration/registration-grant-types';
import { namesPluginModule } from '../../plugins/module-loader';
import { parse, UsageError } from '../args';
import type { CliIO } from '../cli-io';
import { probeDatabase, requireExistingStore } from '../preflight';
import { registeredClientWarnings } from '../registration-check';
import { tenantSettingRows, tenantSettingsToml, tenantTableSemanticProblems } from '../tenant-settings-view';
import { CONFIG_USAGE } from '../usage';

/**
 * The overrides tenant `domain`'s record holds (admin API), read from an existing database; undefined
 * when there is none here (a read-only command never creates one): the file's part is printed alone.
 */
async function storedTenantSettings(config: GrantryConfig, io: CliIO, domain: string): Promise<unknown> {
  const fileOnly = (why: string) => {
    io.stderr.write(`grantry: ${why}: tenant ${domain}'s settings from the deployment file only (its record's overrides win over them)\n`);
    return undefined;
  };
  if (config.database.url === 'sqlite::memory:') return fileOnly('an in-memory database holds no tenant');
  try {
    requireExistingStore(config);
  } catch {
    return fileOnly('no database here');
  }
  await probeDatabase(config);
  // Loaded only here: checking or printing the file needs none of the application, and reading
  // the tenant's record needs only what `tenants show` boots (ReadOnlyModule, issue 30).
  const [{ withCliContext }, { TenantsService }, { READ_FEATURES }] = await Promise.all([import('../cli-context'), import('../../tenants/tenants.service'), import('../read-only.module')]);
  const settings = await withCliContext(config, io, async (app) => {
    try {
      return (await app.get(TenantsService).get(domain)).view.settings as unknown;
    } catch (error) {
      if (error instanceof OAuthError && error.status === 404) return undefined;
      throw error;
    }
  }, undefined, READ_FEATURES.tenants);
  return settings ?? fileOnly(`tenant ${domain} does not exist (yet)`);
}

/** What a masked value prints as. */
export const MASK = '********';

export async function configCommand(sub: string | undefined, args: string[], io: CliIO): Promise<void> {
  switch (sub) {
    case 'check': {
      const { values } = parse(args, {});
      const { path, problems, warnings, config } = check(values.config as string | undefined, io.env);
      // The database is read, never written: clients registered with grant types the file no longer opens to
      // registration, and pairwise clients whose redirect URIs name no sector of their own.
      if (config && !problems.length) warnings.push(...(await registeredClientWarnings(config)));
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
      const { values } = parse(args, { effective: { type: 'boolean' }, tenant: { type: 'string' } });
      if (values.effective !== true) throw new UsageError('config print needs --effective (the only view)');
      const tenant = values.tenant as string | undefined;
      if (tenant !== undefined && !isTenantDomain(tenant)) throw new UsageError(`--tenant ${JSON.stringify(tenant)}: ${TENANT_DOMAIN_RULE}`);
      const { path, raw } = readConfigDocument(values.config as string | undefined, io.env);
      const config = buildConfig(raw, { env: io.env, configDir: path ? resolve(path, '..') : process.cwd(), source: path });
      if (tenant !== undefined) {
        const stored = await storedTenantSettings(config, io, tenant);
        const rows = tenantSettingRows(config, tenant, stored ?? {});
        io.stdout.write(values.json === true ? `${JSON.stringify({ tenant, settings: rows }, null, 2)}\n` : tenantSettingsToml(tenant, rows, stored !== undefined));
        return;
      }
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

/**
 * Every problem of the file that can be found without the database and without running plugin
 * code, all in one run: the values (with `$env{}` references and unknown keys), then what the
 * values name — `[[event_listener]]` and `[[login.authenticator]]` entries that configure nothing,
 * properties of the built-in authenticators, files that do not exist. The later checks read what
 * could be read of an invalid file, so fixing the first problems never reveals new ones.
 */
function check(explicit: string | undefined, env: NodeJS.ProcessEnv): { path?: string; problems: string[]; warnings: string[]; config?: GrantryConfig } {
  let document: { path?: string; raw: Record<string, unknown> };
  try {
    document = readConfigDocument(explicit, env);
  } catch (error) {
    // Unreadable, or not TOML: nothing more can be said.
    if (error instanceof ConfigError) return { path: resolveConfigPath(explicit, env), problems: error.problems, warnings: [] };
    throw error;
  }
  const { path } = document;
  const { config, problems } = inspectConfig(document.raw, { env, configDir: path ? resolve(path, '..') : process.cwd(), source: path });
  const { errors, warnings } = listenerProblems(Array.isArray(config.event_listener) ? config.event_listener : [], builtInAuthenticators(), namesPluginModule);
  // What the tenant tables name (their keys and values are the loader's part, above).
  const tenants = tenantTableSemanticProblems(config);
  return { path, problems: [...problems, ...errors, ...loginStepProblems(config), ...allowedGrantTypeProblems(config), ...tenants, ...missingFiles(config)], warnings, config };
}

/** `[[login.authenticator]]` ids that name no built-in step and no module (start-up refuses them too). */
function loginStepProblems(config: GrantryConfig): string[] {
  const tables = Array.isArray(config.login?.authenticator) ? config.login.authenticator : [];
  const known = [(Reflect.getMetadata(LoginAuthenticator.KEY, PasswordLoginStep) as LoginStepOptions).id];
  return tables.flatMap((table, i) =>
    isTable(table) && typeof table.id === 'string' && table.module === undefined && !known.includes(table.id)
      ? [`login.authenticator[${i}].id = ${JSON.stringify(table.id)}: matches no login step${didYouMeanHint(table.id, known)} (built in: ${known.join(', ')}; a drop-in step names its module)`]
      : [],
  );
}

/** Files the configuration names that do not exist: the keystore, plugin modules given by path, the templates folder. */
function missingFiles(config: GrantryConfig): string[] {
  const problems: string[] = [];
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
  const keystore = text(config.keystore?.file);
  if (keystore && !existsSync(resolve(keystore))) problems.push(`keystore.file = ${JSON.stringify(keystore)}: no such file (${resolve(keystore)})`);
  const entries = (list: unknown): Record<string, unknown>[] => (Array.isArray(list) ? list.filter(isTable) : []);
  const grantTables = isTable(config.oauth?.grant_type) ? Object.entries(config.oauth.grant_type as Record<string, unknown>) : [];
  const paths: [string, string | undefined][] = [
    ...entries(config.oauth?.custom_grant_type).flatMap((grant, i): [string, string | undefined][] => [
      [`oauth.custom_grant_type[${i}].grant_handler`, text(grant.grant_handler)],
      [`oauth.custom_grant_type[${i}].grant_validator`, text(grant.grant_validator)],
    ]),
    ...entries(config.event_listener).map((listener, i): [string, string | undefined] => [`event_listener[${i}].name`, listener.enable === false ? undefined : text(listener.name)]),
    ...grantTables.flatMap(([id, table]): [string, string | undefined][] =>
      isTable(table) ? [[`oauth.grant_type.${id}.grant_handler`, text(table.grant_handler)], [`oauth.grant_type.${id}.grant_validator`, text(table.grant_validator)]] : [],
    ),
    ...entries(config.login?.authenticator).map((step, i): [string, string | undefined] => [`login.authenticator[${i}].module`, step.enable === false ? undefined : text(step.module)]),
  ];
  for (const [key, spec] of paths) {
    // Only paths: a package name or a WSO2 class name is resolved (or ignored) at start-up.
    if (!spec || !(spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec))) continue;
    const file = resolve(config.configDir, spec);
    if (!existsSync(file)) problems.push(`${key} = ${JSON.stringify(spec)}: no such file (${file})`);
  }
  const templates = text(config.login?.templates_dir);
  if (templates && !existsSync(resolve(config.configDir, templates))) problems.push(`login.templates_dir = ${JSON.stringify(templates)}: no such folder (${resolve(config.configDir, templates)})`);
  return problems;
}

/** A TOML table (what an entry of an array of tables must be; an invalid file may hold anything there). */
function isTable(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
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
  // No [tenant] table when the file has none; with some, each as written (--tenant D shows one merged, with sources).
  if (!Object.keys(config.tenant).length) delete document.tenant;
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
