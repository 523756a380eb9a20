import { Injectable, Logger } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError } from '../../common/oauth-error';
import { ConfigError } from '../../config/config-loader';
import { GrantryConfig } from '../../config/config.schema';
import { implicitEnabledIn } from '../../config/grant-type-tables';
import type { IssuerSettings } from '../../config/tenant-settings';
import { didYouMeanHint } from '../../config/did-you-mean';
import { AUTHORIZATION_ENDPOINT_GRANTS, BUILT_IN_GRANTS } from '../grants/built-in-grants';

/**
 * `[oauth.registration] allowed_grant_types`, or its default: the grants of the authorization
 * endpoint, where the user signs in and consents at this server — authorization_code,
 * refresh_token, and implicit when it is enabled. A registrant is anyone (everyone, with `open`):
 * the password, client_credentials and jwt-bearer grants, and plugins' grants, would give it
 * tokens no user consented to here, so they are the operator's to open.
 */
export function registrationGrantTypes(config: GrantryConfig): string[] {
  return config.oauth.registration.allowed_grant_types ?? defaultRegistrationGrantTypes(config.oauth.grant_type);
}

/** What registrants may choose when `allowed_grant_types` is unset, under an issuer's grant tables. */
export function defaultRegistrationGrantTypes(grantTypes: IssuerSettings['grantTypes']): string[] {
  return ['authorization_code', 'refresh_token', ...(implicitEnabledIn(grantTypes) ? ['implicit'] : [])];
}

/** The grant types grantry knows: the built-ins (implicit among them) and the file's `[[oauth.custom_grant_type]]` names. */
export function knownGrantTypes(config: GrantryConfig): string[] {
  const custom = Array.isArray(config.oauth?.custom_grant_type) ? config.oauth.custom_grant_type.map((entry) => entry?.name).filter((name): name is string => typeof name === 'string') : [];
  return [...new Set([...BUILT_IN_GRANTS.map(({ definition }) => definition.grantType), ...AUTHORIZATION_ENDPOINT_GRANTS.map(({ grantType }) => grantType), ...custom])];
}

/**
 * `[oauth.registration] allowed_grant_types` entries that name no grant type grantry knows: a typo
 * (`refresh-token`) would silently keep a grant closed to registrants. Start-up refuses them, and
 * `config check` lists them, each with the nearest known name.
 */
export function allowedGrantTypeProblems(config: GrantryConfig): string[] {
  const tenants = config.tenant && typeof config.tenant === 'object' ? Object.entries(config.tenant) : [];
  return [
    ...listedGrantTypeProblems(config.oauth?.registration?.allowed_grant_types, 'oauth.registration.allowed_grant_types', config),
    ...tenants.flatMap(([domain, overrides]) =>
      listedGrantTypeProblems(overrides?.oauth?.registration?.allowed_grant_types, `tenant.${JSON.stringify(domain)}.oauth.registration.allowed_grant_types`, config),
    ),
  ];
}

/** Entries of an `allowed_grant_types` list (the file's, a tenant's at `key`) that name no grant type grantry knows. */
export function listedGrantTypeProblems(listed: unknown, key: string, config: GrantryConfig): string[] {
  if (!Array.isArray(listed)) return [];
  const known = knownGrantTypes(config);
  return listed.flatMap((grantType, i) =>
    typeof grantType === 'string' && !known.includes(grantType)
      ? [`${key}[${i}] = ${JSON.stringify(grantType)}: unknown grant type${didYouMeanHint(grantType, known)} (known: ${known.join(', ')})`]
      : [],
  );
}

/** A client that holds grant types its registrant chose outside the list: the token endpoint refuses those. */
export interface UnapprovedRegistration {
  clientId: string;
  grantTypes: string[];
}

/** Clients (with the grant types their registrants chose, RFC 7591/7592) holding any the list does not allow. */
export function unapprovedRegistrations(clients: readonly { clientId: string; registrantGrantTypes: readonly string[] }[], allowed: ReadonlySet<string>): UnapprovedRegistration[] {
  return clients
    .map(({ clientId, registrantGrantTypes }) => ({ clientId, grantTypes: registrantGrantTypes.filter((grantType) => !allowed.has(grantType)) }))
    .filter(({ grantTypes }) => grantTypes.length > 0);
}

const ALLOWED = Symbol('registration allowed grant types');

/** Clients named in the start-up warning; `config check` names every one. */
const NAMED_AT_START_UP = 20;

/** One line for the start-up log and `config check`, naming the clients (at most `max` of them) and what to do. */
export function describeUnapproved(found: readonly UnapprovedRegistration[], max = Infinity): string {
  const named = found.slice(0, max).map(({ clientId, grantTypes }) => `${clientId} (${grantTypes.join(', ')})`);
  const more = found.length > max ? `, and ${found.length - max} more (grantry config check lists them all)` : '';
  return (
    `${found.length} client${found.length === 1 ? '' : 's'} registered through RFC 7591 hold${found.length === 1 ? 's' : ''} grant types outside ` +
    `[oauth.registration] allowed_grant_types, refused at the token endpoint until an administrator saves the client ` +
    `(admin API PATCH or grantry clients update): ${named.join('; ')}${more}`
  );
}

/**
 * Which registrant-chosen grant types a client may use now. The registration endpoint keeps new
 * choices within the list; this keeps old ones there too — a client registered before the list
 * existed, or while it was wider — until an administrator saves the client, which approves what
 * it holds (`RegisteredClient.registrantGrantTypes` is then empty).
 */
@Injectable()
export class RegistrationGrantTypes {
  private readonly logger = new Logger('Registration');

  constructor(
    private readonly config: GrantryConfig,
    private readonly clients: ClientsService,
    private readonly context: IssuerContext,
  ) {
    const problems = allowedGrantTypeProblems(config);
    if (problems.length) throw new ConfigError(`invalid configuration\n${problems.map((line) => `  - ${line}`).join('\n')}`, problems);
  }

  /** The issuer's list (its `[oauth.registration] allowed_grant_types`, else the default), built once per issuer. */
  get allowed(): ReadonlySet<string> {
    const context = this.context.current;
    return context.memoised(ALLOWED, () => new Set(context.settings.registration.allowed_grant_types ?? defaultRegistrationGrantTypes(context.settings.grantTypes)));
  }

  /** At start-up: one warning naming the clients whose registrants chose grant types the list does not allow. */
  async warnOfUnapproved(): Promise<void> {
    const found = unapprovedRegistrations(await this.clients.withRegistrantGrantTypes(), this.allowed);
    if (found.length) this.logger.warn(describeUnapproved(found, NAMED_AT_START_UP));
  }

  /** On the token endpoint's path: one lookup in a set that is empty for every client an administrator made. */
  approved(client: RegisteredClient, grantType: string): boolean {
    return !client.registrantGrantTypes.has(grantType) || this.allowed.has(grantType);
  }

  /** RFC 6749 §5.2 unauthorized_client for a grant type its registrant chose and the list does not hold. */
  require(client: RegisteredClient, grantType: string): void {
    if (this.approved(client, grantType)) return;
    throw OAuthError.unauthorizedClient(`this client may not use grant_type ${grantType} until an administrator approves it`, {
      reason: 'grant_type_not_allowed',
      detail: `grant_type ${grantType} was chosen at registration (RFC 7591) and is not in [oauth.registration] allowed_grant_types`,
    });
  }
}
