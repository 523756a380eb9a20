import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { maskUrlPassword } from '../common/fatal';
import { GrantryConfig } from '../config/config.schema';
import { databaseKind } from '../database/data-source-options';
import { GRANTRY_LOG, GrantryLog } from './log';
import { ServedExtensions } from './served-extensions';

/** The one info line an operator reads after `grantry start`: what runs, where, with what. */
@Injectable()
export class StartupSummary {
  constructor(
    @Inject(GRANTRY_LOG) private readonly log: GrantryLog,
    private readonly config: GrantryConfig,
    private readonly served: ServedExtensions,
  ) {}

  write(url: string, issuer: string, metricsUrl?: string): void {
    const { database, metrics } = this.config;
    const kind = databaseKind(database.url);
    const location = kind === 'sqlite' ? sqliteLocation(database.url) : maskUrlPassword(database.url);
    this.log.info({
      context: 'grantry',
      version: version(),
      listen: url,
      issuer,
      database: { kind, location },
      grant_types: this.served.grantTypes,
      authenticators: this.served.authMethods,
      plugins: this.served.plugins,
      metrics: metrics.enable ? (metricsUrl ?? `${url}/metrics`) : 'off',
      audit: this.config.logging.audit,
    }, `grantry ${version()} listening on ${url}`);
  }
}

function sqliteLocation(url: string): string {
  const file = url.slice('sqlite:'.length);
  return file === ':memory:' ? file : resolve(file);
}

let cachedVersion: string | undefined;
function version(): string {
  // src/observability and dist/observability are both two levels below package.json.
  cachedVersion ??= (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}
