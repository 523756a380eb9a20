import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parse as parseToml, TomlError } from 'smol-toml';
import { TrustedProxies } from './trusted-proxies';
import { CACHE_NAMES, isCacheName } from './cache-settings';
import { GrantryConfig } from './config.schema';
import { didYouMeanHint } from './did-you-mean';
import { decodeMasterKey, MASTER_KEY_FORMAT } from './master-key-format';
import { expandEnv } from './env-expansion';
import { GRANT_TYPE_TABLES } from './grant-type-tables';
import { flatten } from './validation-lines';
import { tenantTableProblems } from './tenant-settings';

export const DEFAULT_CONFIG_PATH = 'config/deployment.toml';

export { flatten } from './validation-lines';

/** A deployment file that cannot be used; the message names every bad key. */
export class ConfigError extends Error {
  override name = 'ConfigError';

  /** Each problem on its own (`key = value: what is allowed`); the message alone when it is one. */
  readonly problems: string[];

  constructor(message: string, problems?: string[]) {
    super(message);
    this.problems = problems ?? [message];
  }
}

/** Where `grantry start --port/--host` asks to listen; they win over `PORT`/`HOST` and `[server]`. */
export interface ListenOverride {
  port?: number;
  host?: string;
}

/** `--config PATH`, else `GRANTRY_CONFIG`, else `config/deployment.toml` when it exists, else none. */
export function resolveConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit) return explicit;
  if (env.GRANTRY_CONFIG) return env.GRANTRY_CONFIG;
  return existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined;
}

/** Reads, expands and validates the deployment file; without one, the built-in defaults. */
export function loadConfig(explicitPath?: string, env: NodeJS.ProcessEnv = process.env, listen: ListenOverride = {}): GrantryConfig {
  const { path, raw } = readConfigDocument(explicitPath, env);
  return buildConfig(raw, { env, configDir: path ? dirname(resolve(path)) : process.cwd(), source: path, listen });
}

/** The deployment file as parsed TOML, before `$env{}` expansion (`{}` without a file). */
export function readConfigDocument(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): { path?: string; raw: Record<string, unknown> } {
  const path = resolveConfigPath(explicitPath, env);
  if (!path) return { raw: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  return { path, raw: parseConfigText(text, path) };
}

export function parseConfigText(text: string, source = 'config'): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ConfigError(`${source}: TOML syntax error at line ${error.line}, column ${error.column}: ${firstLine(error.message)}`);
    }
    throw error;
  }
}

export interface BuildOptions {
  env?: NodeJS.ProcessEnv;
  configDir?: string;
  source?: string;
  listen?: ListenOverride;
}

/** Validates a parsed document (also the entry point for tests, which build configs in code). */
export function buildConfig(raw: Record<string, unknown>, options: BuildOptions = {}): GrantryConfig {
  const { config, problems } = inspectConfig(raw, options);
  if (problems.length) fail(options.source ?? 'config', problems);
  return config;
}

/**
 * Every problem of the document at once — `$env{}` references, reserved keys, unknown keys (with
 * the nearest known one), values, grant tables, cache names, the listening address — beside the
 * configuration as far as it could be read. With problems, `config` is the document's values
 * coerced and defaulted but not valid: for `grantry config check`, which looks further into it
 * (listeners, files) so that one run lists everything; never for running a server.
 */
export function inspectConfig(
  raw: Record<string, unknown>,
  { env = process.env, configDir = process.cwd(), listen = {} }: BuildOptions = {},
): { config: GrantryConfig; problems: string[] } {
  const envProblems: string[] = [];
  const expanded = expandEnv(raw, env, '', envProblems) as Record<string, unknown>;
  // Keys that name JavaScript's object machinery are never settings: report them, never apply them.
  const reserved = reservedKeys(expanded);
  const config = plainToInstance(GrantryConfig, reserved.length ? withoutReservedKeys(expanded) : expanded);
  const problems = [...reserved.map((key) => `${key}: unknown key`), ...flatten(validateSync(config, { whitelist: true, forbidNonWhitelisted: true }))];
  if (config.oauth?.grant_type && typeof config.oauth.grant_type === 'object') problems.push(...validateGrantTables(config));
  if (Array.isArray(config.cache?.manager)) problems.push(...unknownCaches(config));
  // After the grant tables: a tenant may name the file's drop-in grants.
  problems.push(...tenantTableProblems(config));
  Object.defineProperty(config, 'document', { value: expanded, enumerable: false });
  problems.push(...masterKeyProblems(config, env));
  if (Array.isArray(config.server?.trusted_proxies)) problems.push(...TrustedProxies.parse(config.server.trusted_proxies).problems);
  // A key whose $env{} reference failed is reported once, for that; not again for the text left in its place.
  const failedKeys = envProblems.map((problem) => problem.slice(0, problem.indexOf(': ')));
  const valueProblems = problems.filter((problem) => !failedKeys.some((key) => problem.startsWith(`${key} `) || problem.startsWith(`${key}:`)));
  const listenProblems: string[] = [];
  const port = listen.port ?? portFromEnv(env, listenProblems);
  const host = listen.host ?? hostFromEnv(env, listenProblems);
  config.configDir = configDir;
  const all = [...envProblems, ...valueProblems, ...listenProblems];
  if (all.length) return { config, problems: all };
  // The environment wins over the file for the values containers usually inject.
  if (env.DATABASE_URL) config.database.url = env.DATABASE_URL;
  if (!config.security.master_key && env.GRANTRY_MASTER_KEY) config.security.master_key = env.GRANTRY_MASTER_KEY;
  // The listening address: `grantry start --port/--host`, else PORT/HOST, else [server].
  if (port !== undefined) config.server.port = port;
  if (host !== undefined) config.server.host = host;
  // With port 0 and no base_url the issuer follows the listening address (IssuerContext, after listen).
  if (config.server.base_url !== undefined || config.server.port !== 0) {
    const scheme = config.server.tls?.cert !== undefined ? 'https' : 'http';
    config.server.base_url = (config.server.base_url ?? `${scheme}://localhost:${config.server.port}`).replace(/\/+$/, '');
  }
  return { config, problems: [] };
}

function fail(source: string, problems: string[]): never {
  throw new ConfigError(`${source}: invalid configuration\n${problems.map((line) => `  - ${line}`).join('\n')}`, problems);
}

/** A port number, as `--port` and `PORT` take it: an integer from 0 (any free port) to 65535. */
export function parsePort(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return port >= 0 && port <= 65535 ? port : undefined;
}

function portFromEnv(env: NodeJS.ProcessEnv, problems: string[]): number | undefined {
  if (env.PORT === undefined) return undefined;
  const port = parsePort(env.PORT);
  if (port === undefined) problems.push(`PORT = ${JSON.stringify(env.PORT)}: must be an integer from 0 to 65535`);
  return port;
}

function hostFromEnv(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  if (env.HOST === undefined) return undefined;
  if (!env.HOST.trim()) problems.push('HOST = "": must name an address to listen on');
  return env.HOST.trim() || undefined;
}

/** `[[cache.manager]] name` must be one of grantry's caches: a typo would silently keep the default. */
function unknownCaches(config: GrantryConfig): string[] {
  return config.cache.manager.flatMap((manager, i) =>
    typeof manager?.name === 'string' && !isCacheName(manager.name)
      ? [`cache.manager[${i}].name = ${JSON.stringify(manager.name)}: unknown cache${didYouMeanHint(manager.name, Object.keys(CACHE_NAMES))} (known: ${Object.keys(CACHE_NAMES).join(', ')})`]
      : [],
  );
}

/**
 * `[security] master_key`, else GRANTRY_MASTER_KEY, in the format start-up decodes (an empty value
 * means unset: the key file serves). Named without the value: it is a secret.
 */
function masterKeyProblems(config: GrantryConfig, env: NodeJS.ProcessEnv): string[] {
  const inFile = config.security?.master_key;
  if (typeof inFile === 'string' && inFile) return decodeMasterKey(inFile) ? [] : [`security.master_key: ${MASTER_KEY_FORMAT}`];
  if (inFile === undefined || inFile === '') return env.GRANTRY_MASTER_KEY && !decodeMasterKey(env.GRANTRY_MASTER_KEY) ? [`GRANTRY_MASTER_KEY: ${MASTER_KEY_FORMAT}`] : [];
  return []; // not a string: the schema says so
}

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Paths of `__proto__`, `constructor` and `prototype` keys anywhere in the document. */
function reservedKeys(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) => {
    const path = Array.isArray(value) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;
    return RESERVED_KEYS.has(key) ? [path] : reservedKeys((value as Record<string, unknown>)[key], path);
  });
}

/** A copy of the document without the reserved keys (reported apart), so the rest is still checked. */
function withoutReservedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutReservedKeys) as T;
  if (!value || typeof value !== 'object' || value instanceof Date) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (!RESERVED_KEYS.has(key)) copy[key] = withoutReservedKeys(item);
  return copy as T;
}

/**
 * `[oauth.grant_type.<id>]`: each table is validated with the settings class of its built-in grant
 * (and replaced by the typed instance); a table no built-in grant owns is an error.
 */
function validateGrantTables(config: GrantryConfig): string[] {
  const problems: string[] = [];
  const tables = config.oauth.grant_type as Record<string, unknown>;
  for (const [id, table] of Object.entries(tables)) {
    const key = `oauth.grant_type.${id}`;
    const settingsClass = GRANT_TYPE_TABLES.get(id);
    if (!settingsClass) {
      const ids = [...GRANT_TYPE_TABLES.keys()];
      problems.push(`${key}: unknown grant${didYouMeanHint(id, ids)} (built-in: ${ids.join(', ')}; drop-in grants go in [[oauth.custom_grant_type]])`);
      continue;
    }
    if (!table || typeof table !== 'object' || Array.isArray(table)) {
      problems.push(`${key}: must be a table`);
      continue;
    }
    const settings = plainToInstance(settingsClass, table);
    problems.push(...flatten(validateSync(settings, { whitelist: true, forbidNonWhitelisted: true }), key));
    tables[id] = settings;
  }
  return problems;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
