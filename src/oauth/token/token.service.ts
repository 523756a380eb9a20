import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';
import { TokenObserver } from '../../observability/token-observer';
import type { RequestFacts } from '../../observability/request-facts';
import { ReplayStore } from '../assertions/replay-store';
import { claimedAuthMethod } from '../client-auth/claimed-auth-method';
import { ClientAuthChain } from '../client-auth/client-auth.chain';
import type { GrantResult } from '../core/extension-points';
import type { SenderConstraint, TokenType } from '../core/sender-constraint';
import { DpopProofs, type ProvenKey } from '../dpop/dpop-proofs';
import { certificateBinding } from '../issuance/certificate-binding';
import type { GrantRecordEntity } from '../grant-records/grant-record.entity';
import { GrantRegistry } from '../grants/grant.registry';
import { IdTokenClaims } from '../tokens/id-token-claims';
import { TokenIssuance } from '../issuance/token-issuance';
import { Granted, TokenPolicy } from '../issuance/token-policy';
import { ClientRequest } from '../core/client-request';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  [extra: string]: string | number | boolean | undefined;
  access_token: string;
  token_type: TokenType;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

const grantJtiReplayed = () => OAuthError.invalidGrant('assertion jti has been used already', { reason: 'assertion_jti_replayed' });

/**
 * The token endpoint's pipeline: grant type known → client authenticated → client may use the
 * grant → the grant decides → the policy → the issuance pipeline (shared with the authorization
 * endpoint) prepares the tokens and makes one atomic write that consumes the request's one-time
 * artefacts and stores what follows them. A request refused anywhere before that write consumes
 * nothing; a write refused (a replay) stores nothing.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly grants: GrantRegistry,
    private readonly clientAuth: ClientAuthChain,
    private readonly policy: TokenPolicy,
    private readonly issuance: TokenIssuance,
    private readonly replay: ReplayStore,
    private readonly observer: TokenObserver,
    private readonly idTokenClaims: IdTokenClaims,
    private readonly dpop: DpopProofs,
  ) {}

  /**
   * `facts` receives the client and grant type for the request's log line; `onClient` is
   * told the client as soon as it authenticated (the route's CORS answer, errors after that included).
   */
  async exchange(request: ClientRequest, facts: RequestFacts = {}, onClient?: (client: RegisteredClient) => void): Promise<TokenResponse> {
    const seen: { client?: RegisteredClient } = {};
    try {
      return await this.run(request, seen, facts, onClient);
    } catch (error) {
      const { client } = seen;
      this.observer.refused({ grantType: request.grantType, clientId: client?.clientId, authMethod: client ? client.authMethod : claimedAuthMethod(request) }, error, facts);
      throw error;
    }
  }

  private async run(request: ClientRequest, seen: { client?: RegisteredClient }, facts: RequestFacts, onClient: ((client: RegisteredClient) => void) | undefined): Promise<TokenResponse> {
    const grantType = request.grantType;
    if (!grantType) throw OAuthError.invalidRequest('grant_type is required');
    const { handler, properties } = this.grants.get(grantType);

    const authenticated = await this.clientAuth.authenticate(request);
    const { client } = authenticated;
    seen.client = client;
    onClient?.(client);
    if (!client.grantTypes.has(grantType)) {
      throw OAuthError.unauthorizedClient(`this client is not allowed to use grant_type ${grantType}`, { reason: 'grant_type_not_allowed' });
    }

    handler.validate?.(request);
    // RFC 9449 §5: a DPoP proof binds the tokens to its key (without the header nothing is read or
    // checked); else RFC 8705 §3: the client certificate of the request, when the client's are bound.
    const proven = await this.dpopProof(client, request);
    const senderConstraint: SenderConstraint = proven ? { kind: 'dpop', jkt: proven.jkt } : certificateBinding(client, request.clientCertificate);
    this.policy.precheck(client, grantType, request, senderConstraint);
    const result = await handler.handle({ client, request, params: request.params, properties });
    // §5 (a public client's refresh token), §10 (a code pushed or requested with dpop_jkt): only with a proof of that key.
    const boundTo = result.continues?.dpopJkt;
    if (boundTo !== undefined && proven?.jkt !== boundTo) {
      throw this.dpop.error('token-endpoint', 'invalid_dpop_proof', proven ? 'the DPoP proof is for another key than the grant is bound to' : 'the grant is DPoP-bound and the request carries no proof', 'dpop_key_mismatch');
    }
    const granted = await this.policy.apply(client, grantType, request.resources, result);
    // Whole seconds: a plugin's notAfter may carry a fraction, the epoch columns hold integers.
    const notAfter = result.notAfter === undefined ? Infinity : Math.floor(result.notAfter);

    const forItself = actsForItself(client, result);
    const refreshToken = !!result.refreshToken && this.policy.allows(client, 'refresh_token') && !forItself;
    // A grant that acts for a subject or issues refresh tokens is recorded; a client acting for itself writes nothing.
    const continued = result.continues?.record;
    const record = continued ?? (forItself && !refreshToken ? undefined : this.issuance.recordGrant({
      client,
      grantType,
      principal: result.principal,
      subjectIsUser: result.subjectIsUser === true,
      granted,
      claims: result.claims ?? {},
      refreshable: refreshToken,
      notAfter,
    }));
    const issued = await this.issuance.issue({
      client,
      grantType,
      principal: result.principal,
      record,
      recordIsNew: record !== undefined && record !== continued,
      granted,
      claims: result.claims,
      notAfter,
      // RFC 9449 / RFC 8705: what binds this request's tokens to the client (a DPoP proof's key, its certificate), or nothing.
      senderConstraint,
      accessToken: true,
      refreshToken,
      idToken: record && this.isOpenIdGrant(record, granted) ? { nonce: result.continues?.nonce, claims: await this.idTokenClaims.of(record) } : undefined,
      // Consumed first: the conditions the grant set, the client assertion's and the grant's jtis, the code or refresh token redeemed.
      before: [
        ...(result.conditions ?? []),
        ...this.clientAuth.consumption(authenticated),
        ...(result.consume ?? []).flatMap((jti) => this.replay.consumption(jti, grantJtiReplayed)),
        ...(result.continues ? [result.continues.redemption] : []),
        // Last: a refused request burns no proof (RFC 9449 §11.1).
        ...(proven?.consumption ?? []),
      ],
      facts,
    });
    const access = issued.access!;

    const response: TokenResponse = { ...extraMembers(result.response), access_token: access.token, token_type: access.tokenType, expires_in: access.expiresIn };
    // §5.1: scope is REQUIRED when it differs from the request; always sending it is simplest for clients.
    if (granted.scopes.length) response.scope = granted.scopes.join(' ');
    if (issued.refreshToken) response.refresh_token = issued.refreshToken;
    if (issued.idToken) response.id_token = issued.idToken;
    return response;
  }

  /**
   * RFC 9449 §4.3, §5: the request's DPoP proof for this endpoint (POST, the token endpoint's URL as
   * the issuer builds it), or undefined without a `DPoP` header — refused then when the client
   * registered `dpop_bound_access_tokens` (§5.2).
   */
  private async dpopProof(client: RegisteredClient, request: ClientRequest): Promise<ProvenKey | undefined> {
    const header = request.headers.dpop;
    if (header === undefined) {
      if (client.dpopBoundAccessTokens) throw this.dpop.error('token-endpoint', 'invalid_dpop_proof', 'the client registered dpop_bound_access_tokens and sent no DPoP proof', 'dpop_proof_required');
      return undefined;
    }
    return this.dpop.prove(header, { htm: 'POST', htu: this.dpop.htu(request.url ?? '/oauth2/token'), client }, 'token-endpoint');
  }

  /** OIDC Core §3.1.3.3 and §12.2: a grant the user made through the authorization endpoint with openid gets an ID token, at exchange and refresh. */
  private isOpenIdGrant(record: GrantRecordEntity, granted: Granted): boolean {
    return record.grantType === 'authorization_code' && granted.scopes.includes('openid');
  }
}

/** A client acting for itself (client_credentials): no grant record, no refresh token — nothing written. */
function actsForItself(client: RegisteredClient, result: GrantResult): boolean {
  return result.principal.subject === client.clientId && result.principal.identityProvider === undefined && result.principal.sessionId === undefined;
}

/** RFC 6749 §5.1 members belong to the token endpoint; a grant's extra members cannot shadow them. */
const STANDARD_MEMBERS = new Set(['access_token', 'token_type', 'expires_in', 'scope', 'refresh_token', 'id_token']);

function extraMembers(extra: Record<string, string | number | boolean> | undefined): Record<string, string | number | boolean> | undefined {
  if (!extra) return undefined; // the common case: nothing to copy, nothing to allocate
  return Object.fromEntries(Object.entries(extra).filter(([name]) => !STANDARD_MEMBERS.has(name)));
}
