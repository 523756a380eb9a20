import { Injectable, OnModuleInit } from '@nestjs/common';
import { DEFAULT_TENANT } from '../common/request-context';
import { ConfigError } from '../config/config-loader';
import { GrantryConfig } from '../config/config.schema';
import { parseTenantOverrides, resolveTenantSettings } from '../config/tenant-settings';
import { LoginSteps } from './authorization/interaction/login-step';
import { AuthenticatorRegistry } from './client-auth/authenticator.registry';
import { listedGrantTypeProblems } from './registration/registration-grant-types';

/**
 * The one check of a tenant's overrides set through the admin API (the tenant record's `settings`,
 * shaped as the deployment file's keys), before they are stored: the keys and values
 * (`tenantOverrideProblems`, the top level's rules), then what they name — authenticators and
 * login steps that exist, grant types grantry knows — and what they would build together with
 * the file's settings (contradicting properties, every login step off). `[]`: they may be stored,
 * and the tenant's request context will resolve them (`resolveTenantSettings`) without error.
 * The file's `[tenant."<domain>"]` tables pass the same checks at start-up.
 */
@Injectable()
export class TenantOverridesCheck implements OnModuleInit {
  constructor(
    private readonly config: GrantryConfig,
    private readonly authenticators: AuthenticatorRegistry,
    private readonly loginSteps: LoginSteps,
  ) {}

  /**
   * The default tenant is served with the file's top level (IssuerContext.default): a table of its
   * own would be ignored, so start-up stops. In `onModuleInit`, not the constructor: a failed init
   * closes the application (app.factory.ts), a throwing constructor would leave its database pool open.
   */
  onModuleInit(): void {
    if (Object.prototype.hasOwnProperty.call(this.config.tenant, DEFAULT_TENANT)) {
      const problem = defaultTenantTableProblem();
      throw new ConfigError(`invalid configuration\n  - ${problem}`, [problem]);
    }
  }

  /** Every problem, one line each naming the key (`oauth.token.signing_alg: not overridable per tenant ...`). */
  problems(domain: string, overrides: unknown): string[] {
    if (domain === DEFAULT_TENANT && !isEmptyObject(overrides)) {
      return [`settings: the default tenant (${DEFAULT_TENANT}) is served with the deployment file's top level; its settings are changed there, not per tenant`];
    }
    const { overrides: parsed, problems } = parseTenantOverrides(overrides, '', this.config);
    problems.push(
      ...this.authenticators.overrideProblems(parsed.event_listener ?? []),
      ...this.loginSteps.overrideProblems(parsed.login?.authenticator ?? []),
      ...listedGrantTypeProblems(parsed.oauth?.registration?.allowed_grant_types, 'oauth.registration.allowed_grant_types', this.config),
    );
    if (problems.length) return problems;
    const { settings } = resolveTenantSettings(this.config, domain, overrides);
    return [...this.authenticators.configureProblems(settings.eventListeners), ...this.loginSteps.buildProblems(settings.loginSteps)];
  }
}

/** `[tenant."carbon.super"]` in the file: refused at start-up and by `grantry config check`. */
export function defaultTenantTableProblem(): string {
  return `tenant.${JSON.stringify(DEFAULT_TENANT)}: the default tenant is served with the top level of this file; set these keys there`;
}

function isEmptyObject(value: unknown): boolean {
  return !!value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}
