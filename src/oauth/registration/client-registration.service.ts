import { Injectable } from '@nestjs/common';
import { Actor, fieldNames } from '../../audit/audit-event';
import { AuditTrail } from '../../audit/audit-trail';
import { ADMIN_ONLY_FIELDS, ClientMetadata, parseClientMetadata } from '../../clients/client-metadata';
import { atLeastAsStrict } from '../core/profile-names';
import { ClientsService, ClientView } from '../../clients/clients.service';
import { IfMatch, Tagged } from '../../common/entity-tag';
import { IssuerContext } from '../../common/issuer-context';
import { updateVersioned } from '../../common/versioned-update';
import { OAuthError } from '../../common/oauth-error';
import { AtomicWriter, WriteStep } from '../../database/atomic-writer';
import { isIP } from 'node:net';
import { GrantryConfig, OutboundSettings } from '../../config/config.schema';
import { implicitEnabledIn } from '../../config/grant-type-tables';
import { isNonPublicAddress } from '../../outbound/address-policy';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';
import { AuthenticatorRegistry } from '../client-auth/authenticator.registry';
import { SecurityProfiles } from '../core/security-profiles';
import { GrantRecords } from '../grant-records/grant-records';
import { GrantRegistry } from '../grants/grant.registry';
import { OIDC_SCOPES } from '../tokens/oidc-claims';
import { ADMIN_SCOPE } from '../../clients/registered-client';
import { RegistrationGrantTypes } from './registration-grant-types';

/**
 * Creates and updates clients on behalf of the admin API and the CLI, and validates RFC 7591
 * registrations: metadata must be well-formed *and* use what this server has enabled.
 */
@Injectable()
export class ClientRegistrationService {
  constructor(
    private readonly clients: ClientsService,
    private readonly grants: GrantRegistry,
    private readonly authenticators: AuthenticatorRegistry,
    private readonly records: GrantRecords,
    private readonly config: GrantryConfig,
    private readonly fetcher: OutboundFetcher,
    private readonly outbound: OutboundSettings,
    private readonly writer: AtomicWriter,
    private readonly registrationGrantTypes: RegistrationGrantTypes,
    private readonly context: IssuerContext,
    private readonly profiles: SecurityProfiles,
    private readonly audit: AuditTrail,
  ) {}

  /** The implicit grant has no token-endpoint handler: the issuer's `[oauth.grant_type.implicit] enable` says whether it is on. */
  private get implicitEnabled(): boolean {
    return implicitEnabledIn(this.context.settings.grantTypes);
  }

  async create(input: unknown, actor: Actor): Promise<ClientView> {
    const metadata = parseClientMetadata(input);
    this.checkSupported(metadata);
    await this.checkSectorIdentifier(metadata);
    return this.clients.create(metadata, (clientId) => [this.audit.step({ event: 'client.created', actor, clientId, target: clientId })]);
  }

  /**
   * RFC 7591 §2 metadata from a registrant (POST, and RFC 7592 PUT over `current`, which it
   * replaces): the same validation as the admin API, plus what registration may not ask for —
   * admin-only fields (refused by the parser's registration profile), grant types beyond
   * `[oauth.registration] allowed_grant_types` and scopes beyond `allowed_scopes`, `openid` and
   * the OIDC standard scopes. On a PUT the operator's settings stay: the admin-only fields, the
   * grant types an administrator approved and the scopes the client already holds (never
   * `admin`), so re-sending what GET showed is not refused.
   */
  async validateRegistration(input: unknown, current?: { metadata: ClientMetadata; approvedGrantTypes: readonly string[] }): Promise<ClientMetadata> {
    const metadata = parseClientMetadata(input, undefined, 'registration', current?.metadata);
    if (current) Object.assign(metadata, Object.fromEntries(ADMIN_ONLY_FIELDS.map((field) => [field, current.metadata[field]])));
    // RFC 7591 §2: without `scope` the server MAY register a default set — the OIDC standard scopes
    // (what a relying party registering without one goes on to ask for), nothing of allowed_scopes unasked.
    if (!Object.hasOwn(input as object, 'scope')) metadata.scope = OIDC_SCOPES.join(' ');
    this.checkSupported(metadata);
    this.checkGrantTypesOpen(metadata, current?.approvedGrantTypes ?? []);
    const held = current ? current.metadata.scope.split(' ').filter(Boolean) : [];
    const allowed = new Set([...OIDC_SCOPES, 'offline_access', ...this.context.settings.registration.allowed_scopes, ...held]);
    allowed.delete(ADMIN_SCOPE); // DESIGN.md: never admin, whatever the list says
    const refused = metadata.scope.split(' ').filter((scope) => scope && !allowed.has(scope));
    if (refused.length) throw OAuthError.invalidClientMetadata(`scope not open to registration: ${refused.join(' ')}`);
    if (metadata.jwks_uri) this.checkJwksUri(metadata.jwks_uri);
    await this.checkSectorIdentifier(metadata);
    return metadata;
  }

  /**
   * RFC 7591 §3.2.2 invalid_client_metadata for a grant type outside `[oauth.registration]
   * allowed_grant_types` that an administrator has not approved for this client (`approved`).
   * Response types follow (the parser already tied `code` to authorization_code and `token` /
   * `id_token` to implicit), so a refused implicit refuses those response types with it.
   */
  private checkGrantTypesOpen(metadata: ClientMetadata, approved: readonly string[]): void {
    const refused = metadata.grant_types.filter((grantType) => !this.registrationGrantTypes.allowed.has(grantType) && !approved.includes(grantType));
    if (refused.length) throw OAuthError.invalidClientMetadata(`grant_types not open to registration: ${refused.join(' ')}`);
  }

  /**
   * An administrator's change (admin API PATCH, CLI): `patch` merged over the client as stored,
   * validated, and written by one UPDATE conditional on the version merged over — again over a
   * newer version when one came in between, unless `ifMatch` names the version that must be current.
   * The audit row commits with it.
   */
  update(clientId: string, patch: unknown, actor: Actor, ifMatch?: IfMatch, mayChange: (client: ClientMetadata & { client_id: string }) => void = () => undefined): Promise<Tagged<ClientView>> {
    return updateVersioned(ifMatch, async () => {
      const current = await this.clients.revision(clientId);
      ifMatch?.require(current.etag); // RFC 9110 §13.2.2: before the content is looked at
      // On the version the UPDATE is conditional on: what is checked is what is changed.
      mayChange({ ...current.metadata, client_id: clientId });
      const metadata = parseClientMetadata(patch, current.metadata);
      this.checkSupported(metadata);
      await this.checkSectorIdentifier(metadata);
      return this.clients.update(current, metadata, [this.audit.step({ event: 'client.updated', actor, clientId, target: clientId, details: { fields: fieldNames(patch) } })]);
    });
  }

  /**
   * OIDC Registration §5: the sector identifier URI serves a JSON array holding every redirect URI
   * of the client — fetched under the outbound rules (https, public addresses, 5 s, 64 KiB).
   */
  private async checkSectorIdentifier(metadata: ClientMetadata): Promise<void> {
    if (!metadata.sector_identifier_uri) return;
    let listed: unknown;
    try {
      listed = (await this.fetcher.fetchJson(metadata.sector_identifier_uri)).body;
    } catch (error) {
      // Why stays in the log: the registrant must not learn how this server's network answers.
      throw OAuthError.invalidClientMetadata('sector_identifier_uri could not be fetched', { detail: (error as Error).message, cause: error });
    }
    if (!Array.isArray(listed) || listed.some((uri) => typeof uri !== 'string')) throw OAuthError.invalidClientMetadata('sector_identifier_uri must serve a JSON array of redirect URIs');
    const missing = metadata.redirect_uris.filter((uri) => !listed.includes(uri));
    if (missing.length) throw OAuthError.invalidClientMetadata(`sector_identifier_uri does not list the redirect URI ${missing[0]}`);
  }

  /**
   * RFC 7591 §2 jwks_uri under the outbound rules the fetch will apply anyway, refused at
   * registration rather than at first use: https unless `[oauth.outbound] allow_http`, and no
   * loopback, private or link-local address literal unless `allow_private_networks`.
   */
  private checkJwksUri(uri: string): void {
    const url = new URL(uri);
    if (url.protocol !== 'https:' && !this.outbound.allow_http) throw OAuthError.invalidClientMetadata('jwks_uri must be an https URL');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !this.outbound.allow_private_networks && isNonPublicAddress(host)) {
      throw OAuthError.invalidClientMetadata('jwks_uri must not point to a loopback, private or link-local address');
    }
  }

  /** Deletes the client and revokes every grant it holds: their refresh and access tokens end with it. */
  delete(clientId: string, actor: Actor): Promise<void> {
    return this.deleteWithGrants(clientId, this.clients.deleteStep(clientId), actor);
  }

  /**
   * Runs `deletion` (the client's conditional DELETE: by the admin, or by RFC 7592 with its
   * registration access token) and revokes the client's grants in the same write, with its audit
   * row: the client goes with its grants, or neither (a refused deletion changes nothing).
   */
  async deleteWithGrants(clientId: string, deletion: WriteStep, actor: Actor): Promise<void> {
    const live = await this.records.countLiveOfClient(clientId);
    const audited = this.audit.step({ event: 'client.deleted', actor, clientId, target: clientId });
    await this.writer.commit([deletion, this.records.revokeAllOfClientStep(clientId), audited]);
    this.clients.forget(clientId);
    this.records.noteRevoked({ clientId, count: live, why: 'client_deleted' });
  }

  private checkSupported(metadata: ClientMetadata): void {
    const unsupported = metadata.grant_types.filter((grantType) => !this.grants.has(grantType) && !(grantType === 'implicit' && this.implicitEnabled));
    if (unsupported.length) {
      throw OAuthError.invalidClientMetadata(
        `grant_types not enabled on this server: ${unsupported.join(', ')} (enabled: ${this.grants.grantTypes.join(', ')})`,
      );
    }
    const method = metadata.token_endpoint_auth_method;
    const authenticator = this.authenticators.find(method);
    if (!authenticator) {
      throw OAuthError.invalidClientMetadata(
        `token_endpoint_auth_method ${method} is not enabled on this server (enabled: ${this.authenticators.methods.join(', ')})`,
      );
    }
    const alg = metadata.token_endpoint_auth_signing_alg;
    if (alg !== null && !(authenticator.signingAlgs ?? []).includes(alg)) {
      throw OAuthError.invalidClientMetadata(`token_endpoint_auth_signing_alg ${alg} does not fit token_endpoint_auth_method ${method}`);
    }
    // A client's own profile only narrows its issuer's (issue 29); an admin-only field (registration refuses it).
    if (metadata.security_profile !== null && !atLeastAsStrict(metadata.security_profile, this.profiles.currentName)) {
      throw OAuthError.invalidClientMetadata(`security_profile ${metadata.security_profile} is weaker than this issuer's ${this.profiles.currentName}: a client's profile may only be stricter`);
    }
    // What the client's security profile allows (every enabled method and alg under baseline).
    const profile = this.profiles.forMetadata(metadata.security_profile);
    if (!profile.allowsClientAuthMethod(method)) throw OAuthError.invalidClientMetadata(`token_endpoint_auth_method ${method} is not allowed by the ${profile.name} security profile`);
    if (alg !== null && !profile.allowsSigningAlg(alg)) throw OAuthError.invalidClientMetadata(`token_endpoint_auth_signing_alg ${alg} is not allowed by the ${profile.name} security profile`);
    // RFC 9101 / OIDC Registration §2: the request-object alg the profile allows (`none` only where it takes unsigned objects).
    const requestAlg = metadata.request_object_signing_alg;
    if (requestAlg !== null && !(requestAlg === 'none' ? profile.unsignedRequestObjects : profile.allowsSigningAlg(requestAlg))) {
      throw OAuthError.invalidClientMetadata(`request_object_signing_alg ${requestAlg} is not allowed by the ${profile.name} security profile`);
    }
    // RFC 6749 §4.4: client_credentials is for confidential clients only.
    if (method === 'none' && metadata.grant_types.includes('client_credentials')) {
      throw OAuthError.invalidClientMetadata('a public client (token_endpoint_auth_method none) cannot use client_credentials');
    }
  }
}
