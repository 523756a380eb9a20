import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';
import { AtomicWriter, WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import { TokenObserver } from '../../observability/token-observer';
import type { RequestFacts } from '../../observability/request-facts';
import { ReplayStore } from '../assertions/replay-store';
import { claimedAuthMethod } from '../client-auth/claimed-auth-method';
import { ClientAuthChain } from '../client-auth/client-auth.chain';
import type { GrantResult } from '../core/extension-points';
import { refreshTokenConstraint, UNCONSTRAINED, type TokenType } from '../core/sender-constraint';
import type { GrantRecordEntity } from '../grant-records/grant-record.entity';
import { GrantRecords } from '../grant-records/grant-records';
import { GrantRegistry } from '../grants/grant.registry';
import { IssuerContext } from '../../common/issuer-context';
import { AccessTokenIssuer } from '../tokens/access-token.issuer';
import { IdTokenClaims } from '../tokens/id-token-claims';
import { IdTokenIssuer } from '../tokens/id-token.issuer';
import { RefreshTokenStore } from '../tokens/refresh-token.store';
import { Granted, TokenPolicy } from './token-policy';
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
 * grant → the grant decides → the endpoint's policy → tokens prepared → one atomic write that
 * consumes the request's one-time artefacts and stores what follows them. A request refused
 * anywhere before that write consumes nothing; a write refused (a replay) stores nothing.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly grants: GrantRegistry,
    private readonly clientAuth: ClientAuthChain,
    private readonly policy: TokenPolicy,
    private readonly issuer: AccessTokenIssuer,
    private readonly context: IssuerContext,
    private readonly records: GrantRecords,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly replay: ReplayStore,
    private readonly writer: AtomicWriter,
    private readonly idTokens: IdTokenIssuer,
    private readonly observer: TokenObserver,
    private readonly idTokenClaims: IdTokenClaims,
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
    this.policy.precheck(client, grantType, request);
    const result = await handler.handle({ client, request, params: request.params, properties });
    const granted = await this.policy.apply(client, grantType, request, result);
    // Whole seconds: a plugin's notAfter may carry a fraction, the epoch columns hold integers.
    const notAfter = result.notAfter === undefined ? Infinity : Math.floor(result.notAfter);

    const forItself = actsForItself(client, result);
    const issuesRefreshToken = !!result.refreshToken && this.policy.allows(client, 'refresh_token') && !forItself;
    // A grant that acts for a subject or issues refresh tokens is recorded; a client acting for itself writes nothing.
    const record = result.continues?.record ?? (forItself && !issuesRefreshToken ? undefined : this.newRecord(client, grantType, result, granted, issuesRefreshToken, notAfter));
    // RFC 9449 / RFC 8705: what binds this request's tokens to the client. No proof of possession
    // (DPoP proof, client certificate) is checked here yet, so each is a bearer token.
    const senderConstraint = UNCONSTRAINED;
    const access = await this.issuer.issue({
      client,
      principal: this.tokenPrincipal(client, record, result),
      scopes: granted.scopes,
      audience: granted.audience,
      claims: record?.claims ?? result.claims,
      grantId: record?.id,
      identityProvider: granted.identityProvider?.name,
      notAfter: Math.min(notAfter, record?.expiresAt ?? Infinity),
      senderConstraint,
    });
    const refresh = issuesRefreshToken && record ? this.refreshTokens.issue(record, refreshTokenConstraint(senderConstraint, client.authMethod === 'none')) : undefined;
    const idToken = record && this.isOpenIdGrant(record, granted) ? await this.idTokens.issue({
      client,
      subject: result.principal.subject,
      authTime: result.principal.authTime,
      acr: result.principal.acr,
      amr: result.principal.amr,
      sessionId: result.principal.sessionId,
      nonce: result.continues?.nonce,
      accessToken: access.token,
      claims: await this.idTokenClaims.of(record),
    }) : undefined;

    // Last: consume, and store what follows — all or nothing.
    const steps: WriteStep[] = [
      ...(result.conditions ?? []),
      ...this.clientAuth.consumption(authenticated),
      ...(result.consume ?? []).flatMap((jti) => this.replay.consumption(jti, grantJtiReplayed)),
      ...(result.continues ? [result.continues.redemption] : record ? [this.records.insertStep(record)] : []),
      ...(refresh ? [refresh.step] : []),
      ...(access.step ? [access.step] : []),
    ];
    await this.writer.commit(steps);
    this.observer.issued({
      clientId: client.clientId,
      authMethod: client.authMethod,
      grantType,
      subject: result.principal.subject,
      scopes: granted.scopes,
      audience: granted.audience,
      jti: access.jti,
      grantId: record?.id,
    }, facts);

    const response: TokenResponse = { ...extraMembers(result.response), access_token: access.token, token_type: access.tokenType, expires_in: access.expiresIn };
    // §5.1: scope is REQUIRED when it differs from the request; always sending it is simplest for clients.
    if (granted.scopes.length) response.scope = granted.scopes.join(' ');
    if (refresh) response.refresh_token = refresh.token;
    if (idToken) response.id_token = idToken;
    return response;
  }

  /**
   * Who the access token names: the principal, except that a pairwise client (OIDC Core §8.1)
   * sees its per-sector subject in access tokens too (RFC 9068 §6) whenever the grant's subject is
   * a local user — a browser sign-in, the password grant, a mapped identity provider's subject, and
   * every refresh of them — never the user's id. The grant record keeps the user's id.
   */
  private tokenPrincipal(client: RegisteredClient, record: GrantRecordEntity | undefined, result: GrantResult): GrantResult['principal'] {
    if (!record?.subjectIsUser) return result.principal;
    return { ...result.principal, subject: this.idTokens.subjectFor(client, result.principal.subject) };
  }

  /** OIDC Core §3.1.3.3 and §12.2: a grant the user made through the authorization endpoint with openid gets an ID token, at exchange and refresh. */
  private isOpenIdGrant(record: GrantRecordEntity, granted: Granted): boolean {
    return record.grantType === 'authorization_code' && granted.scopes.includes('openid');
  }

  /** What the subject granted, recorded so every token of it can be revoked at once and refresh can re-check it. */
  private newRecord(client: RegisteredClient, grantType: string, result: GrantResult, granted: Granted, refreshable: boolean, notAfter: number): GrantRecordEntity {
    const { subject, sessionId, authTime, acr, amr } = result.principal;
    const now = nowSeconds();
    const lifetime = refreshable ? this.context.settings.token.refresh_token_absolute_ttl : this.context.settings.token.access_token_ttl;
    const authentication = authTime !== undefined || acr !== undefined || amr !== undefined ? { authTime, acr, amr } : null;
    return this.records.create({
      clientId: client.clientId,
      grantType,
      subject,
      subjectIsUser: result.subjectIsUser === true,
      identityProvider: granted.identityProvider?.id ?? null,
      sessionId: sessionId ?? null,
      authentication,
      scope: granted.scopes.join(' '),
      audience: granted.audience,
      claims: result.claims ?? {},
      requestedClaims: null,
      expiresAt: Math.min(now + lifetime, notAfter),
    });
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
