import { Injectable } from '@nestjs/common';
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
export class TenantOverridesCheck {
  constructor(
    private readonly config: GrantryConfig,
    private readonly authenticators: AuthenticatorRegistry,
    private readonly loginSteps: LoginSteps,
  ) {}

  /** Every problem, one line each naming the key (`oauth.token.signing_alg: not overridable per tenant ...`). */
  problems(domain: string, overrides: unknown): string[] {
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
