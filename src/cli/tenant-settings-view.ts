import { DEFAULT_TENANT } from '../common/request-context';
import type { EventListenerSettings, GrantryConfig } from '../config/config.schema';
import { mergeEntries, resolveTenantSettings, SettingSource, TENANT_SECTIONS } from '../config/tenant-settings';
import { builtInAuthenticators, listenerMatches, tenantListenerProblems } from '../oauth/client-auth/authenticator.registry';
import { Grant, GrantOptions, type AuthenticatorOptions } from '../oauth/core/extension-points';
import { AUTHORIZATION_ENDPOINT_GRANTS, BUILT_IN_GRANTS } from '../oauth/grants/built-in-grants';
import { LoginAuthenticator, LoginStepOptions, tenantLoginStepProblems } from '../oauth/authorization/interaction/login-step';
import { PasswordLoginStep } from '../oauth/authorization/interaction/password.login-step';
import { defaultRegistrationGrantTypes } from '../oauth/registration/registration-grant-types';
import { defaultTenantTableProblem } from '../oauth/tenant-overrides.check';
import { namesPluginModule } from '../plugins/module-loader';

/**
 * `grantry config print --effective --tenant D` and the tenant part of `grantry config check`:
 * what a tenant resolves from the file (its `[tenant."<domain>"]` table over the top level), with
 * the source of each value, and what is wrong with the file's tenant tables beyond their keys and
 * values (the loader's part): what they name, and what they make together with the file.
 */

/** One value of a tenant's effective settings: a TOML table (`[oauth.token]`, `[[event_listener]]`), its key, the value and where it comes from. */
export interface TenantSettingRow {
  table: string;
  /** For `[[...]]` tables: which entry (the authenticator's or login step's id). */
  entry?: string;
  key: string;
  value: unknown;
  source: SettingSource;
}

const SECRET_NAME = /password|secret|passphrase|credential|key$/i;
const MASK = '********';

/**
 * The overridable settings `domain` resolves — from the file, and over it the overrides its record
 * holds (`adminOverrides`, set through the admin API; undefined when no database was read) — as
 * rows in the order a deployment file writes them.
 */
export function tenantSettingRows(config: GrantryConfig, domain: string, adminOverrides: unknown = {}): TenantSettingRow[] {
  const { settings, sources } = resolveTenantSettings(config, domain, adminOverrides);
  const rows: TenantSettingRow[] = [];
  const sourceOf = (path: string): SettingSource => sources[path] ?? 'default';

  for (const { path, keys } of TENANT_SECTIONS) {
    const table = path.join('.');
    const values = ({ 'oauth.token': settings.token, 'oauth.oidc.id_token': settings.idToken, 'oauth.pkce': settings.pkce, 'oauth.registration': settings.registration, 'oauth.profile': settings.profile } as Record<string, object>)[table] as Record<string, unknown>;
    for (const key of keys) if (values[key] !== undefined) rows.push({ table, key, value: values[key], source: sourceOf(`${table}.${key}`) });
    // Its default follows the tenant's implicit switch: shown resolved, as config print --effective does.
    if (table === 'oauth.registration' && settings.registration.allowed_grant_types === undefined) {
      rows.push({ table, key: 'allowed_grant_types', value: defaultRegistrationGrantTypes(settings.grantTypes), source: 'default' });
    }
  }

  // Every grant a tenant may switch: the built-ins (on unless their decorator says otherwise; implicit off) and the file's drop-ins.
  const grants: [string, boolean][] = [
    ...BUILT_IN_GRANTS.map(({ definition, handler }): [string, boolean] => [definition.id, (Reflect.getMetadata(Grant.KEY, handler) as GrantOptions | undefined)?.enabledByDefault ?? true]),
    ...AUTHORIZATION_ENDPOINT_GRANTS.map((definition): [string, boolean] => [definition.id, false]),
    ...config.oauth.custom_grant_type.map((entry): [string, boolean] => [entry.name, entry.enable]),
  ];
  for (const [id, enabledByDefault] of grants) {
    const table = `oauth.grant_type.${id}`;
    const own = settings.grantTypes[id];
    const custom = config.oauth.custom_grant_type.find((entry) => entry.name === id);
    rows.push({ table, key: 'enable', value: own?.enable ?? enabledByDefault, source: own?.enable !== undefined ? sourceOf(`${table}.enable`) : custom ? 'file' : 'default' });
    const order = own?.order ?? custom?.order;
    if (order !== undefined) rows.push({ table, key: 'order', value: order, source: own?.order !== undefined ? sourceOf(`${table}.order`) : 'file' });
  }

  // Each authenticator any entry configures, merged over its entries (file, tenant table); a key's source is the last entry that set it.
  const plugins = pluginOptions(config);
  for (const meta of [...builtInAuthenticators(), ...plugins]) {
    const matching = settings.eventListeners.map((entry, i) => ({ entry, i })).filter(({ entry }) => listenerMatches(entry, meta));
    if (!matching.length) continue;
    const merged = mergeEntries(settings.eventListeners, (entry) => listenerMatches(entry, meta))!;
    const lastSource = (key: string, property?: string) => {
      const last = [...matching].reverse().find(({ entry }) => (property === undefined ? entry[key as keyof EventListenerSettings] !== undefined : entry.properties?.[property] !== undefined));
      return last ? sourceOf(`event_listener[${last.i}]`) : 'default';
    };
    for (const key of ['enable', 'order'] as const) if (merged[key] !== undefined) rows.push({ table: 'event_listener', entry: meta.id, key, value: merged[key], source: lastSource(key) });
    // A drop-in's properties are handed to it when it loads, never per tenant: not shown here (config print --effective shows the file).
    if (!plugins.includes(meta)) {
      for (const [property, value] of Object.entries(merged.properties ?? {})) {
        rows.push({ table: 'event_listener.properties', entry: meta.id, key: property, value: SECRET_NAME.test(property) && typeof value === 'string' ? MASK : value, source: lastSource('properties', property) });
      }
    }
  }

  for (const id of loginStepIds(config)) {
    const matching = settings.loginSteps.map((entry, i) => ({ entry, i })).filter(({ entry }) => entry.id === id);
    const merged = mergeEntries(settings.loginSteps, (entry) => entry.id === id);
    if (!merged) continue;
    const lastSource = (test: (entry: (typeof matching)[number]['entry']) => boolean) => {
      const last = [...matching].reverse().find(({ entry }) => test(entry));
      return last ? sourceOf(`login.authenticator[${last.i}]`) : 'default';
    };
    for (const key of ['enable', 'order'] as const) if (merged[key] !== undefined) rows.push({ table: 'login.authenticator', entry: id, key, value: merged[key], source: lastSource((entry) => entry[key] !== undefined) });
    for (const [property, value] of Object.entries(merged.properties ?? {})) {
      rows.push({ table: 'login.authenticator.properties', entry: id, key: property, value: SECRET_NAME.test(property) && typeof value === 'string' ? MASK : value, source: lastSource((entry) => entry.properties?.[property] !== undefined) });
    }
  }
  return rows;
}

/** The rows as a TOML document, each value commented with its source. */
export function tenantSettingsToml(domain: string, rows: readonly TenantSettingRow[], readRecord: boolean): string {
  const lines = [
    readRecord
      ? `# Effective settings of tenant ${domain}: defaults, the top level, [tenant.${JSON.stringify(domain)}], then the tenant record's overrides (admin API), which win.`
      : `# Effective settings of tenant ${domain} from the deployment file: defaults, the top level, [tenant.${JSON.stringify(domain)}] (no database here: the record's overrides, which win, were not read).`,
    '# Everything else is server-wide: grantry config print --effective.',
  ];
  let table = '';
  let entry = '';
  for (const row of rows) {
    const entryTable = row.table.replace(/\.properties$/, '');
    if (row.entry === undefined) {
      if (row.table !== table) lines.push('', `[${row.table}]`);
    } else {
      // An array of tables: each entry opens with its id; its properties follow as a sub-table.
      if (`${entryTable}\u0000${row.entry}` !== entry) {
        lines.push('', `[[${entryTable}]]`, `id = ${JSON.stringify(row.entry)}`);
        entry = `${entryTable}\u0000${row.entry}`;
        table = entryTable;
      }
      if (row.table !== table) lines.push(`[${row.table}]`);
    }
    table = row.table;
    if (row.entry === undefined) entry = '';
    lines.push(`${`${bareKey(row.key)} = ${tomlValue(row.value)}`.padEnd(40)} # ${row.source}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What is wrong with the file's tenant tables beyond keys and values (the loader reports those):
 * `[[event_listener]]` entries that configure nothing or give a drop-in properties, properties a
 * built-in refuses (merged with the file's), `[[login.authenticator]]` ids that name no step, and a
 * tenant with every login step off. Start-up refuses the same.
 */
export function tenantTableSemanticProblems(config: GrantryConfig): string[] {
  const tenants = config.tenant && typeof config.tenant === 'object' ? Object.entries(config.tenant) : [];
  const known = builtInAuthenticators();
  const plugins = pluginOptions(config);
  const stepIds = loginStepIds(config);
  return tenants.flatMap(([domain, overrides]) => {
    if (domain === DEFAULT_TENANT) return [defaultTenantTableProblem()];
    const prefix = `tenant.${JSON.stringify(domain)}.`;
    const problems = [
      ...tenantListenerProblems(overrides.event_listener ?? [], known, prefix, plugins),
      ...tenantLoginStepProblems(overrides.login?.authenticator ?? [], stepIds, prefix),
    ];
    if (problems.length) return problems;
    let settings: ReturnType<typeof resolveTenantSettings>['settings'];
    try {
      ({ settings } = resolveTenantSettings(config, domain));
    } catch {
      return []; // an invalid file (reported by the loader) may not resolve: its problems come first
    }
    for (const meta of known) {
      const merged = mergeEntries(settings.eventListeners, (entry) => listenerMatches(entry, meta));
      try {
        if (merged?.properties) meta.checkProperties?.(merged.properties);
      } catch (error) {
        problems.push(`${prefix}event_listener (${meta.id}, merged with the file's): ${(error as Error).message}`);
      }
    }
    const enabled = stepIds.filter((id) => mergeEntries(settings.loginSteps, (entry) => entry.id === id)?.enable ?? true);
    if (!enabled.length) problems.push(`${prefix}login.authenticator: every login step is disabled, so nobody could sign in`);
    return problems;
  });
}

/** The file's drop-in authenticators (entries naming a module), as the registry knows them once loaded. */
function pluginOptions(config: GrantryConfig): AuthenticatorOptions[] {
  return config.event_listener
    .filter((listener) => listener.enable !== false && namesPluginModule(listener))
    .map((listener) => ({ id: listener.id ?? listener.name!, names: listener.name ? [listener.name] : [], order: listener.order ?? 0 }));
}

/** The built-in login steps' ids and the file's drop-in steps that load. */
function loginStepIds(config: GrantryConfig): string[] {
  const builtIn = (Reflect.getMetadata(LoginAuthenticator.KEY, PasswordLoginStep) as LoginStepOptions).id;
  const dropIns = config.login.authenticator.filter((step) => step.module !== undefined && step.enable !== false).map((step) => step.id);
  return [...new Set([builtIn, ...dropIns])];
}

function bareKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
