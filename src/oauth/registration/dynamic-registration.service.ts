import { Injectable } from '@nestjs/common';
import { actors, fieldNames } from '../../audit/audit-event';
import { AuditTrail } from '../../audit/audit-trail';
import { ClientsService, PreparedRegistration } from '../../clients/clients.service';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError } from '../../common/oauth-error';
import { AtomicWriter } from '../../database/atomic-writer';
import { ClientRegistrationService } from './client-registration.service';
import { InitialAccessTokens } from './initial-access-tokens';
import { REGISTRATION_PATH } from './registration-body.hook';
import { registrationResponse } from './registration-response';
import { SoftwareStatements } from './software-statements';

/** The actor of an RFC 7591 registration: whoever held an initial access token, or anyone while registration is open. */
const REGISTRANT = 'registrant';

/**
 * RFC 7591 registration and RFC 7592 management. Metadata goes through the admin API's own
 * validator (ClientRegistrationService); the client's INSERT and the use of the initial access
 * token are one atomic write, so a refused registration uses nothing up.
 */
@Injectable()
export class DynamicRegistration {
  constructor(
    private readonly clients: ClientsService,
    private readonly validator: ClientRegistrationService,
    private readonly initialTokens: InitialAccessTokens,
    private readonly statements: SoftwareStatements,
    private readonly writer: AtomicWriter,
    private readonly issuer: IssuerContext,
    private readonly audit: AuditTrail,
  ) {}

  /** `initialAccessToken` gives the request's bearer token (or throws the RFC 6750 §3.1 refusal); asked for only when registration is not open. */
  async register(initialAccessToken: () => string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    // RFC 7591 §3: an initial access token, unless the operator opened registration.
    const initialToken = this.issuer.settings.registration.open ? undefined : initialAccessToken();
    if (initialToken) await this.initialTokens.check(initialToken);
    const { input, statement } = await this.statementOf({ ...body });
    const metadata = await this.validator.validateRegistration(input);
    const prepared = this.clients.prepareRegistration(metadata, statement);
    const clientId = prepared.view.client_id;
    const audited = this.audit.step({ event: 'client.registered', actor: REGISTRANT, clientId, target: clientId });
    // Counted last, in the client's own write (one conditional UPDATE): nothing refused above used it.
    await this.writer.commit([...(initialToken ? [this.initialTokens.useStep(initialToken)] : []), ...prepared.steps, audited]);
    this.clients.forget(prepared.view.client_id);
    return this.respond(prepared);
  }

  /** RFC 7592 §2.1 */
  async read(clientId: string, registrationToken: string): Promise<Record<string, unknown>> {
    const found = await this.clients.findRegistration(clientId, registrationToken);
    return this.respond({ view: found.view, softwareStatement: found.softwareStatement });
  }

  /**
   * RFC 7592 §2.2: the body replaces the metadata (omitted fields go back to their defaults).
   * `client_id` must be the client's; `client_secret`, if sent, must be its current one and
   * keeps it; `"client_secret": null` asks for a new one. The registration access token is
   * rotated: the answer holds the new one and the old one stops working with this write.
   */
  async update(clientId: string, registrationToken: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const found = await this.clients.findRegistration(clientId, registrationToken);
    if (body.client_id !== undefined && body.client_id !== clientId) throw OAuthError.invalidClientMetadata('client_id cannot be changed');
    if (typeof body.client_secret === 'string' && !found.secretMatches(body.client_secret)) {
      throw OAuthError.invalidClientMetadata('client_secret does not match the current secret');
    }
    if (body.client_secret !== undefined && body.client_secret !== null && typeof body.client_secret !== 'string') {
      throw OAuthError.invalidClientMetadata('client_secret must be the current secret, or null for a new one');
    }
    const { input, statement } = await this.statementOf({ ...body });
    const metadata = await this.validator.validateRegistration(input, found);
    const prepared = await this.clients.prepareReregistration(clientId, registrationToken, metadata, { newSecret: body.client_secret === null, softwareStatement: statement });
    const audited = this.audit.step({ event: 'client.updated', actor: actors.client(clientId), clientId, target: clientId, details: { fields: fieldNames(body) } });
    await this.writer.commit([...prepared.steps, audited]);
    this.clients.forget(clientId);
    return this.respond(prepared);
  }

  /** RFC 7592 §2.3: the client goes, and every grant it holds is revoked with it. */
  async delete(clientId: string, registrationToken: string): Promise<void> {
    await this.validator.deleteWithGrants(clientId, this.clients.deleteRegistrationStep(clientId, registrationToken), actors.client(clientId));
  }

  /**
   * RFC 7591 §2.3: a software statement's claims take precedence over the request's own
   * values; returns the statement to keep and answer with, unmodified.
   */
  private async statementOf(input: Record<string, unknown>): Promise<{ input: Record<string, unknown>; statement: string | null }> {
    const { software_statement: statement, ...rest } = input;
    if (statement === undefined) return { input: rest, statement: null };
    // Spread, never Object.assign: a claim named __proto__ becomes a plain key (which the parser refuses), not input's prototype.
    return { input: { ...rest, ...(await this.statements.verify(statement)) }, statement: statement as string };
  }

  private respond(prepared: Pick<PreparedRegistration, 'view' | 'softwareStatement'> & { registrationToken?: string }): Record<string, unknown> {
    return registrationResponse({
      view: prepared.view,
      registrationClientUri: `${this.issuer.issuer}${REGISTRATION_PATH}/${encodeURIComponent(prepared.view.client_id)}`,
      registrationToken: prepared.registrationToken,
      softwareStatement: prepared.softwareStatement,
      defaultSigningAlg: this.issuer.settings.token.signing_alg,
    });
  }
}
