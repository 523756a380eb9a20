import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { parse as parseToml, TomlError } from 'smol-toml';
import { AUTHORIZATION_ENDPOINT_GRANTS, BUILT_IN_GRANTS, builtInGrantDefinition } from '../oauth/grants/built-in-grants';
import { GrantryConfig } from './config.schema';
import { expandEnv } from './env-expansion';
import { BOOL_MESSAGE, INT_MESSAGE } from './toml-values';

export const DEFAULT_CONFIG_PATH = 'config/deployment.toml';

const TYPE_MESSAGES = [INT_MESSAGE, BOOL_MESSAGE];

/** A deployment file that cannot be used; the message names every bad key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `--config PATH`, else `GRANTRY_CONFIG`, else `config/deployment.toml` when it exists, else none. */
export function resolveConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit) return explicit;
  if (env.GRANTRY_CONFIG) return env.GRANTRY_CONFIG;
  return existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined;
}

/** Reads, expands and validates the deployment file; without one, the built-in defaults. */
export function loadConfig(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): GrantryConfig {
  const path = resolveConfigPath(explicitPath, env);
  let raw: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
    }
    raw = parseConfigText(text, path);
  }
  return buildConfig(raw, { env, configDir: path ? dirname(resolve(path)) : process.cwd(), source: path });
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

/** Validates a parsed document (also the entry point for tests, which build configs in code). */
export function buildConfig(
  raw: Record<string, unknown>,
  { env = process.env, configDir = process.cwd(), source = 'config' }: { env?: NodeJS.ProcessEnv; configDir?: string; source?: string } = {},
): GrantryConfig {
  let expanded: Record<string, unknown>;
  try {
    expanded = expandEnv(raw, env) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${source}: ${(error as Error).message}`);
  }
  // Keys that name JavaScript's object machinery are never settings: report them, never apply them.
  const reserved = reservedKeys(expanded);
  if (reserved.length) throw new ConfigError(`${source}: invalid configuration\n${reserved.map((key) => `  - ${key}: unknown key`).join('\n')}`);
  const config = plainToInstance(GrantryConfig, expanded);
  const problems = flatten(validateSync(config, { whitelist: true, forbidNonWhitelisted: true }));
  if (config.oauth?.grant_type && typeof config.oauth.grant_type === 'object') problems.push(...validateGrantTables(config));
  if (problems.length) {
    const lines = problems.map((line) => `  - ${line}`);
    throw new ConfigError(`${source}: invalid configuration\n${lines.join('\n')}`);
  }
  // The environment wins over the file for the two values containers usually inject.
  if (env.DATABASE_URL) config.database.url = env.DATABASE_URL;
  if (!config.security.master_key && env.GRANTRY_MASTER_KEY) config.security.master_key = env.GRANTRY_MASTER_KEY;
  // With port 0 and no base_url the issuer follows the listening address (IssuerContext, after listen).
  if (config.server.base_url !== undefined || config.server.port !== 0) {
    config.server.base_url = (config.server.base_url ?? `http://localhost:${config.server.port}`).replace(/\/+$/, '');
  }
  config.configDir = configDir;
  return config;
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

/**
 * `[oauth.grant_type.<id>]`: each table is validated with the settings class its built-in grant
 * declares (and replaced by the typed instance); a table no built-in grant owns is an error.
 */
function validateGrantTables(config: GrantryConfig): string[] {
  const problems: string[] = [];
  const tables = config.oauth.grant_type as Record<string, unknown>;
  for (const [id, table] of Object.entries(tables)) {
    const key = `oauth.grant_type.${id}`;
    const definition = builtInGrantDefinition(id);
    if (!definition) {
      problems.push(`${key}: unknown grant (built-in: ${[...BUILT_IN_GRANTS.map((grant) => grant.definition), ...AUTHORIZATION_ENDPOINT_GRANTS].map((definition) => definition.id).join(', ')}; drop-in grants go in [[oauth.custom_grant_type]])`);
      continue;
    }
    if (!table || typeof table !== 'object' || Array.isArray(table)) {
      problems.push(`${key}: must be a table`);
      continue;
    }
    const settings = plainToInstance(definition.settings, table);
    problems.push(...flatten(validateSync(settings, { whitelist: true, forbidNonWhitelisted: true }), key));
    tables[id] = settings;
  }
  return problems;
}

/** Validation errors as `key = value: what is allowed` lines, keys prefixed with `prefix`. */
export function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const key = /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.entries(error.constraints ?? {}).map(([rule, message]) =>
      rule === 'whitelistValidation' ? 'unknown key' : message.replace(`${error.property} `, ''),
    );
    // A value of the wrong type makes range messages noise: say only what type is expected.
    const typeMessage = messages.find((message) => TYPE_MESSAGES.includes(message));
    const own = !messages.length
      ? []
      : messages.includes('unknown key')
        ? [`${key}: unknown key`]
        : [`${key} = ${JSON.stringify(error.value)}: ${typeMessage ?? messages.join('; ')}`];
    return [...own, ...flatten(error.children ?? [], key)];
  });
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
