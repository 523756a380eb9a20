import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  EventListenerSettings, GrantryConfig, GrantTypeSettings, IdTokenSettings, LoginAuthenticatorSettings, PkceSettings, ProfileSettings, RegistrationSettings, TenantOverrides, TokenSettings,
} from './config.schema';
import { didYouMeanHint } from './did-you-mean';
import { GRANT_TYPE_TABLES } from './grant-type-tables';
import { flatten } from './validation-lines';

/**
 * Per-tenant settings (issue 26): a tenant resolves the deployment file's settings with its own
 * overrides of a documented subset of keys — from the file's `[tenant."<domain>"]` table and from
 * the admin API (which wins). Everything here is pure: the request context calls
 * `resolveTenantSettings` when it builds a tenant's context, the admin API `tenantOverrideProblems`
 * before it stores overrides, the loader `tenantTableProblems` for the file. Values are validated
 * with the top level's classes (config.schema.ts), so a tenant's value obeys the same rules.
 */

/** The settings one issuer resolves, read through the request context at use time (`IssuerContext.settings`). */
export interface IssuerSettings {
  /** `[oauth.token]` */
  readonly token: TokenSettings;
  /** `[oauth.pkce]` */
  readonly pkce: PkceSettings;
  /** `[oauth.oidc.id_token]` */
  readonly idToken: IdTokenSettings;
  /** `[oauth.registration]` */
  readonly registration: RegistrationSettings;
  /** `[oauth.profile]`: the issuer's security profile (oauth/core/security-profiles.ts). */
  readonly profile: ProfileSettings;
  /** `[oauth.grant_type.<id>]`: `enable` and `order` say whether and where a grant serves (a tenant's merged over the file's, key by key). */
  readonly grantTypes: Readonly<Record<string, GrantTypeSettings | undefined>>;
  /**
   * `[[event_listener]]`: the file's entries, then the tenant file's, then the admin API's, as
   * given. One authenticator may be named by several (by id, alias or name): whoever reads them
   * merges every entry that configures it, in this order (`mergeEntries`), so the later one wins.
   */
  readonly eventListeners: readonly EventListenerSettings[];
  /** `[[login.authenticator]]`: the file's, then the tenant file's, then the admin API's; merged by `id` the same way. */
  readonly loginSteps: readonly LoginAuthenticatorSettings[];
}

/** The deployment file's settings (the default issuer's): its own objects, nothing copied. */
export function fileSettings(config: GrantryConfig): IssuerSettings {
  return {
    token: config.oauth.token,
    pkce: config.oauth.pkce,
    idToken: config.oauth.oidc.id_token,
    registration: config.oauth.registration,
    profile: config.oauth.profile,
    grantTypes: config.oauth.grant_type,
    eventListeners: config.event_listener,
    loginSteps: config.login.authenticator,
  };
}

/** Where a value of a tenant's settings comes from, weakest first. */
export type SettingSource = 'default' | 'file' | 'tenant-file' | 'tenant-admin';

export interface TenantSettings {
  /** What the tenant's request context resolves. */
  settings: IssuerSettings;
  /**
   * The source of each value: keys of tables as dotted paths (`oauth.token.access_token_ttl`,
   * `oauth.grant_type.password.enable`); an entry of `eventListeners` / `loginSteps` as a whole,
   * by its index (`event_listener[2]`, `login.authenticator[0]`).
   */
  sources: Record<string, SettingSource>;
}

/** The overrides of a tenant are invalid (only the admin API's can be: the file's stop start-up). */
export class TenantSettingsError extends Error {
  override name = 'TenantSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid tenant settings\n${problems.map((line) => `  - ${line}`).join('\n')}`);
  }
}

/** A table of a tenant's overrides validated with the class of the same table at the top level. */
interface Section {
  path: readonly string[];
  type: new () => object;
  keys: readonly string[];
}

/**
 * THE LIST of what a tenant may override (README and deployment.toml.example document it). A key
 * not in it is refused by name: "not overridable per tenant".
 */
export const TENANT_SECTIONS: readonly Section[] = [
  { path: ['oauth', 'token'], type: TokenSettings, keys: ['access_token_ttl', 'refresh_token_ttl', 'refresh_token_absolute_ttl'] },
  { path: ['oauth', 'oidc', 'id_token'], type: IdTokenSettings, keys: ['ttl'] },
  { path: ['oauth', 'pkce'], type: PkceSettings, keys: ['required', 'allow_plain'] },
  { path: ['oauth', 'registration'], type: RegistrationSettings, keys: ['open', 'allowed_scopes', 'allowed_grant_types', 'software_statement_issuers'] },
  { path: ['oauth', 'profile'], type: ProfileSettings, keys: ['name'] },
];
/** `[oauth.grant_type.<id>]`: a built-in's table id, or a `[[oauth.custom_grant_type]]` name of the file. */
export const TENANT_GRANT_KEYS = ['enable', 'order'] as const;
/** `[[event_listener]]`: `id` or `name` say which authenticator (`type` is WSO2's, accepted and unused). */
export const TENANT_LISTENER_KEYS = ['id', 'name', 'type', 'enable', 'order', 'properties'] as const;
/** `[[login.authenticator]]`: by `id`; a tenant cannot name a `module` (no tenant loads code). */
export const TENANT_LOGIN_STEP_KEYS = ['id', 'enable', 'order', 'properties'] as const;

/** What the messages list as overridable. */
const OVERRIDABLE_TABLES = [...TENANT_SECTIONS.map(({ path }) => path.join('.')), 'oauth.grant_type.<id>', '[[event_listener]]', '[[login.authenticator]]'];

/** RFC 1123 §2.1 labels, lower case: letters, digits and inner hyphens, 1–63 characters (the rule of tenants/tenant-domain.ts). */
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A tenant domain (`wso2.com`): dot-separated labels of a-z, 0-9 and inner `-`, 1 to 63 each, at most 64 characters (the `tenant` column). */
export function isTenantDomain(domain: string): boolean {
  return domain.length >= 1 && domain.length <= 64 && domain.split('.').every((label) => DOMAIN_LABEL.test(label));
}

export const TENANT_DOMAIN_RULE = 'a tenant domain is lower-case dot-separated labels of a-z, 0-9 and inner hyphens, 1 to 63 characters each, at most 64 in all';

/**
 * What is wrong with overrides set through the admin API (shaped as the file's keys:
 * `{ "oauth": { "token": { "access_token_ttl": 900 } } }`), one line per problem naming the key;
 * `[]` when they may be stored. `config` (the running one) lets a tenant switch a drop-in grant of
 * the file by its name; without it only the built-in grants' tables are known.
 */
export function tenantOverrideProblems(overrides: unknown, config?: GrantryConfig): string[] {
  return parseTenantOverrides(overrides, '', config).problems;
}

/**
 * `[tenant."<domain>"]` of the loaded file: each domain and each table checked, and each table
 * replaced by its validated overrides (only the keys it set). For the loader (start-up and
 * `grantry config check`): every problem, by key.
 */
export function tenantTableProblems(config: GrantryConfig): string[] {
  const tenants = config.tenant as unknown;
  if (!isTable(tenants)) return []; // the schema says it must be a table
  const problems: string[] = [];
  for (const [domain, table] of Object.entries(tenants)) {
    const key = `tenant.${JSON.stringify(domain)}`;
    if (!isTenantDomain(domain)) {
      problems.push(`${key}: not a tenant domain (${TENANT_DOMAIN_RULE})`);
      delete tenants[domain]; // reported; nothing further reads it
      continue;
    }
    const parsed = parseTenantOverrides(table, key, config);
    problems.push(...parsed.problems);
    tenants[domain] = parsed.overrides;
  }
  return problems;
}

/**
 * A tenant's effective settings: the defaults, then the file's top level, then its
 * `[tenant."<domain>"]` table, then `adminOverrides` (the tenant record's, from the admin API),
 * each winning over the ones before; with the source of each value. Throws
 * `TenantSettingsError` when `adminOverrides` are invalid (the admin API refuses them, so only a
 * record written around it can be).
 */
export function resolveTenantSettings(config: GrantryConfig, domain: string, adminOverrides: unknown = {}): TenantSettings {
  const admin = parseTenantOverrides(adminOverrides ?? {}, 'settings', config);
  if (admin.problems.length) throw new TenantSettingsError(admin.problems);
  const layers: [SettingSource, TenantOverrides][] = [['tenant-file', config.tenant?.[domain] ?? {}], ['tenant-admin', admin.overrides]];
  const base = fileSettings(config);
  const sources: Record<string, SettingSource> = {};
  const document = config.document;
  const fromFile = (path: readonly (string | number)[]): SettingSource => (document !== undefined && valueAt(document, path) === undefined ? 'default' : 'file');

  // Tables: the file's values (or defaults), then each layer's keys over them.
  const sections = TENANT_SECTIONS.map(({ path, keys }) => {
    const merged: Record<string, unknown> = { ...(valueAt(config, path) as object) };
    for (const key of keys) if (merged[key] !== undefined) sources[[...path, key].join('.')] = fromFile([...path, key]);
    for (const [source, overrides] of layers) {
      for (const [key, value] of Object.entries((valueAt(overrides, path) as Record<string, unknown> | undefined) ?? {})) {
        merged[key] = value;
        sources[[...path, key].join('.')] = source;
      }
    }
    return merged;
  });
  const [token, idToken, pkce, registration, profile] = sections as unknown as [TokenSettings, IdTokenSettings, PkceSettings, RegistrationSettings, ProfileSettings];

  const grantTypes: Record<string, GrantTypeSettings | undefined> = { ...base.grantTypes };
  for (const [id, table] of Object.entries(base.grantTypes)) {
    for (const key of TENANT_GRANT_KEYS) if (table?.[key] !== undefined) sources[`oauth.grant_type.${id}.${key}`] = 'file';
  }
  for (const [source, overrides] of layers) {
    for (const [id, table] of Object.entries(overrides.oauth?.grant_type ?? {})) {
      grantTypes[id] = { ...grantTypes[id], ...table };
      for (const key of Object.keys(table)) sources[`oauth.grant_type.${id}.${key}`] = source;
    }
  }

  const entries = <T>(name: string, own: readonly T[], of: (overrides: TenantOverrides) => readonly T[] | undefined): T[] => {
    const all = [...own];
    own.forEach((_, i) => (sources[`${name}[${i}]`] = 'file'));
    for (const [source, overrides] of layers) {
      for (const entry of of(overrides) ?? []) sources[`${name}[${all.push(entry) - 1}]`] = source;
    }
    return all;
  };
  const eventListeners = entries('event_listener', base.eventListeners, (overrides) => overrides.event_listener);
  const loginSteps = entries('login.authenticator', base.loginSteps, (overrides) => overrides.login?.authenticator);
  return { settings: { token, idToken, pkce, registration, profile, grantTypes, eventListeners, loginSteps }, sources };
}

/**
 * Every entry `matches` selects, merged in order (a later entry's keys win; `properties` merged
 * key by key), or undefined when none does: how an authenticator or login step finds what the
 * file, the tenant's table and the admin API say of it together.
 */
export function mergeEntries<T extends { properties?: Record<string, unknown> }>(entries: readonly T[], matches: (entry: T) => boolean): T | undefined {
  let merged: T | undefined;
  for (const entry of entries) {
    if (!matches(entry)) continue;
    merged = merged === undefined ? entry : { ...merged, ...definedOf(entry), properties: entry.properties || merged.properties ? { ...merged.properties, ...entry.properties } : undefined };
  }
  return merged;
}

/** The keys of `entry` that hold a value (an unset `enable` of a later entry keeps an earlier one's). */
function definedOf<T extends object>(entry: T): Partial<T> {
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * Validates one tenant's overrides (a file table at `prefix`, or the admin API's) against the list:
 * the overrides as validated (each table holding only the keys given), and every problem.
 */
export function parseTenantOverrides(input: unknown, prefix: string, config?: GrantryConfig): { overrides: TenantOverrides; problems: string[] } {
  const problems: string[] = [];
  const at = (...keys: (string | number)[]) => keys.reduce<string>((path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key), prefix);
  const overrides: TenantOverrides = {};
  if (!isTable(input)) return { overrides, problems: [`${prefix || 'settings'}: must be a table`] };
  // Reported, never applied: the rest is still checked without them.
  const reserved = reservedKeys(input, prefix);
  problems.push(...reserved);
  const raw = reserved.length ? (withoutReservedKeys(input) as Record<string, unknown>) : input;

  // Walk the document: a key is either on the way to an overridable table, one of them, or refused.
  const notOverridable = (...keys: string[]) => problems.push(`${at(...keys)}: not overridable per tenant (overridable: ${OVERRIDABLE_TABLES.join(', ')})`);
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'oauth') {
      if (!isTable(value)) {
        problems.push(`${at('oauth')}: must be a table`);
        continue;
      }
      for (const [sub, table] of Object.entries(value)) {
        if (sub === 'grant_type') {
          const grants = parseGrantTables(table, at('oauth', 'grant_type'), config, problems);
          if (grants) (overrides.oauth ??= {}).grant_type = grants;
        } else if (sub === 'oidc') {
          if (!isTable(table)) problems.push(`${at('oauth', 'oidc')}: must be a table`);
          else for (const inner of Object.keys(table)) if (inner !== 'id_token') notOverridable('oauth', 'oidc', inner);
        } else if (!TENANT_SECTIONS.some(({ path }) => path[1] === sub)) {
          notOverridable('oauth', sub);
        }
      }
    } else if (key === 'login') {
      if (!isTable(value)) {
        problems.push(`${at('login')}: must be a table`);
        continue;
      }
      for (const sub of Object.keys(value)) if (sub !== 'authenticator') notOverridable('login', sub);
    } else if (key !== 'event_listener') {
      notOverridable(key);
    }
  }
  for (const section of TENANT_SECTIONS) {
    const table = valueAt(raw, section.path);
    if (table === undefined) continue;
    const parsed = parseSection(section.type, section.keys, table, at(...section.path), problems);
    if (parsed) setAt(overrides, section.path, parsed);
  }
  const listeners = parseEntries(EventListenerSettings, TENANT_LISTENER_KEYS, raw.event_listener, at('event_listener'), problems);
  listeners?.forEach((listener, i) => {
    if (listener.id === undefined && listener.name === undefined) problems.push(`${at('event_listener', i)}: needs an id or a name (the authenticator it overrides)`);
  });
  if (listeners) overrides.event_listener = listeners;
  const steps = parseEntries(LoginAuthenticatorSettings, TENANT_LOGIN_STEP_KEYS, isTable(raw.login) ? raw.login.authenticator : undefined, at('login', 'authenticator'), problems);
  if (steps) overrides.login = { authenticator: steps };
  return { overrides, problems };
}

function parseGrantTables(raw: unknown, path: string, config: GrantryConfig | undefined, problems: string[]): Record<string, Pick<GrantTypeSettings, 'enable' | 'order'>> | undefined {
  if (!isTable(raw)) {
    problems.push(`${path}: must be a table`);
    return undefined;
  }
  const custom = Array.isArray(config?.oauth?.custom_grant_type) ? config.oauth.custom_grant_type.filter(isTable) : [];
  const ids = [...GRANT_TYPE_TABLES.keys(), ...custom.map((entry) => entry.name).filter((name): name is string => typeof name === 'string')];
  const grants: Record<string, Pick<GrantTypeSettings, 'enable' | 'order'>> = {};
  for (const [id, table] of Object.entries(raw)) {
    const key = `${path}.${id}`;
    if (!ids.includes(id)) {
      problems.push(`${key}: unknown grant${didYouMeanHint(id, ids)} (known: ${ids.join(', ')})`);
      continue;
    }
    const parsed = parseSection(GrantTypeSettings, TENANT_GRANT_KEYS, table, key, problems) as Pick<GrantTypeSettings, 'enable' | 'order'> | undefined;
    if (!parsed) continue;
    // A drop-in module the file switches off is never loaded: no tenant can switch it on.
    const fileEntry = custom.find((entry) => entry.name === id) ?? (isTable(config?.oauth?.grant_type?.[id]) && config.oauth.grant_type[id].grant_handler !== undefined ? config.oauth.grant_type[id] : undefined);
    if (parsed.enable === true && fileEntry?.enable === false) {
      problems.push(`${key}.enable = true: the file switches this drop-in grant off, so it is not loaded and no tenant can switch it on`);
    }
    grants[id] = parsed;
  }
  return grants;
}

/**
 * A table validated with the top level's class for it: keys outside `keys` refused by name, the
 * rest coerced and checked by that class's rules; the result holds the keys given and nothing else.
 */
function parseSection(type: new () => object, keys: readonly string[], raw: unknown, path: string, problems: string[]): Record<string, unknown> | undefined {
  if (!isTable(raw)) {
    problems.push(`${path}: must be a table`);
    return undefined;
  }
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (keys.includes(key)) given[key] = value;
    else problems.push(`${path}.${key}: not overridable per tenant${didYouMeanHint(key, keys)} (overridable here: ${keys.join(', ')})`);
  }
  const instance = plainToInstance(type, given) as Record<string, unknown>;
  const errors = flatten(validateSync(instance, { whitelist: true, forbidNonWhitelisted: true }), path);
  problems.push(...errors);
  return Object.fromEntries(Object.keys(given).map((key) => [key, instance[key]]));
}

function parseEntries<T>(type: new () => T, keys: readonly string[], raw: unknown, path: string, problems: string[]): T[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    problems.push(`${path}: must be an array of tables ([[...]])`);
    return undefined;
  }
  return raw.flatMap((entry, i) => {
    const parsed = parseSection(type as new () => object, keys, entry, `${path}[${i}]`, problems);
    return parsed ? [parsed as T] : [];
  });
}

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Keys that name JavaScript's object machinery, anywhere (the admin API's JSON may carry them): never settings. */
function reservedKeys(value: unknown, path: string): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) => {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    return RESERVED_KEYS.has(key) ? [`${at}: not a setting`] : reservedKeys((value as Record<string, unknown>)[key], at);
  });
}

function withoutReservedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutReservedKeys);
  if (!value || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (!RESERVED_KEYS.has(key)) copy[key] = withoutReservedKeys(item);
  return copy;
}

function valueAt(node: unknown, path: readonly (string | number)[]): unknown {
  let value = node;
  for (const key of path) {
    if (!value || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function setAt(node: object, path: readonly string[], value: unknown): void {
  let target = node as Record<string, unknown>;
  for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
  target[path[path.length - 1]] = value;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
