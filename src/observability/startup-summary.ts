import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { maskUrlPassword } from '../common/fatal';
import { GrantryConfig } from '../config/config.schema';
import { databaseKind } from '../database/data-source-options';
import { AuthenticatorRegistry } from '../oauth/client-auth/authenticator.registry';
import { Extensions } from '../oauth/extensions';
import { GrantRegistry } from '../oauth/grants/grant.registry';
import { GRANTRY_LOG, GrantryLog } from './log';

/** The one info line an operator reads after `grantry start`: what runs, where, with what. */
@Injectable()
export class StartupSummary {
  constructor(
    @Inject(GRANTRY_LOG) private readonly log: GrantryLog,
    private readonly config: GrantryConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  write(url: string, issuer: string, metricsUrl?: string): void {
    const { database, metrics } = this.config;
    const get = <T>(type: new (...args: never[]) => T): T => this.moduleRef.get(type, { strict: false });
    const extensions = get(Extensions);
    const kind = databaseKind(database.url);
    const location = kind === 'sqlite' ? sqliteLocation(database.url) : maskUrlPassword(database.url);
    const plugins = [
      ...extensions.grants.map((grant) => ({ kind: 'grant', name: grant.handler.grantType, file: fileOf(grant.handler) })),
      ...extensions.authenticators.map((entry) => ({ kind: 'authenticator', name: entry.authenticator.method, file: fileOf(entry.authenticator) })),
      ...extensions.loginSteps.map((step) => ({ kind: 'login_step', name: step.id, file: fileOf(step) })),
    ];
    this.log.info({
      context: 'grantry',
      version: version(),
      listen: url,
      issuer,
      database: { kind, location },
      grant_types: get(GrantRegistry).grantTypes,
      authenticators: get(AuthenticatorRegistry).methods,
      plugins,
      metrics: metrics.enable ? (metricsUrl ?? `${url}/metrics`) : 'off',
      audit: this.config.logging.audit,
    }, `grantry ${version()} listening on ${url}`);
  }
}

function sqliteLocation(url: string): string {
  const file = url.slice('sqlite:'.length);
  return file === ':memory:' ? file : resolve(file);
}

/** Plugin adapters keep the file they were loaded from. */
function fileOf(adapter: object): string | undefined {
  const file = (adapter as { file?: unknown }).file;
  return typeof file === 'string' ? file : undefined;
}

let cachedVersion: string | undefined;
function version(): string {
  // src/observability and dist/observability are both two levels below package.json.
  cachedVersion ??= (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
