import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { AtomicWriter, WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import type { RequestFacts } from '../../observability/request-facts';
import { TokenObserver } from '../../observability/token-observer';
import type { GrantRecordEntity, RequestedClaims } from '../grant-records/grant-record.entity';
import type { Principal } from '../core/extension-points';
import { refreshTokenConstraint, type SenderConstraint } from '../core/sender-constraint';
import { GrantRecords } from '../grant-records/grant-records';
import { AccessTokenIssuer, type IssuedAccessToken } from '../tokens/access-token.issuer';
import { IdTokenIssuer } from '../tokens/id-token.issuer';
import { RefreshTokenStore } from '../tokens/refresh-token.store';
import type { Granted } from './token-policy';

/** A grant to record: what the subject granted, so every token of it can be revoked at once and refresh can re-check it. */
export interface NewGrant {
  client: RegisteredClient;
  grantType: string;
  /** Who granted, and how they signed in (a browser sign-in, a password grant). */
  principal: Principal;
  /** `principal.subject` is a local user's id (pairwise clients see their own subject for it). */
  subjectIsUser: boolean;
  granted: Granted;
  claims: Record<string, unknown>;
  /** OIDC Core §5.5: the claims asked for one by one, for every ID token and userinfo response of the grant. */
  requestedClaims?: RequestedClaims | null;
  /** Its tokens include refresh tokens: the record lives as long as they may (`refresh_token_absolute_ttl`). */
  refreshable: boolean;
  /** Seconds the record must outlive its access token by (an authorization code still to be exchanged). */
  extraLifetime?: number;
  /** Epoch seconds it must not outlive (a grant's own `notAfter`). */
  notAfter?: number;
}

/** What to issue under a grant, and the writes that must commit with it. */
export interface Issuance {
  client: RegisteredClient;
  /** Reported with the tokens (audit, metrics): the token request's grant type, or `authorization_code`/`implicit` at the authorization endpoint. */
  grantType: string;
  principal: Principal;
  /** The grant record the tokens belong to; none for a client acting for itself. */
  record?: GrantRecordEntity;
  /** `record` was made for this issuance (`recordGrant`): its insert joins the write. */
  recordIsNew: boolean;
  granted: Granted;
  /** Claims of a grant without a record (a client acting for itself, a plugin's). */
  claims?: Record<string, unknown>;
  notAfter: number;
  senderConstraint: SenderConstraint;
  accessToken: boolean;
  refreshToken: boolean;
  idToken?: IdTokenRequest;
  /** Writes before the record's insert: the request's consumption of one-time artefacts and its conditions. */
  before: readonly WriteStep[];
  /** Writes after it (an authorization code, which refers to the record). */
  after?: readonly WriteStep[];
  /** The request's log line (client, grant type). */
  facts?: RequestFacts;
}

export interface IdTokenRequest {
  nonce?: string;
  /** The code issued beside it (hybrid flow): its `c_hash`. */
  code?: string;
  claims?: Record<string, unknown>;
}

export interface IssuedTokens {
  access?: IssuedAccessToken;
  refreshToken?: string;
  idToken?: string;
}

/**
 * The one pipeline that issues tokens under a grant, for the token endpoint and the authorization
 * endpoint (implicit and hybrid) alike: the grant record and its lifetime, the subject each token
 * names (pairwise for a pairwise client), the access, refresh and ID tokens, one atomic write that
 * commits them with the request's own writes (consumption first), then the `token.issued` audit
 * event and metrics. Policy has been applied by then (`TokenPolicy`); nothing here decides.
 */
@Injectable()
export class TokenIssuance {
  constructor(
    private readonly context: IssuerContext,
    private readonly records: GrantRecords,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly idTokens: IdTokenIssuer,
    private readonly writer: AtomicWriter,
    private readonly observer: TokenObserver,
  ) {}

  /** A new grant record (not written: `issue` writes it with its tokens). */
  recordGrant(grant: NewGrant): GrantRecordEntity {
    const { subject, sessionId, authTime, acr, amr } = grant.principal;
    const settings = this.context.settings.token;
    const lifetime = grant.refreshable ? settings.refresh_token_absolute_ttl : settings.access_token_ttl + (grant.extraLifetime ?? 0);
    const authentication = authTime !== undefined || acr !== undefined || amr !== undefined ? { authTime, acr, amr } : null;
    return this.records.create({
      clientId: grant.client.clientId,
      grantType: grant.grantType,
      subject,
      subjectIsUser: grant.subjectIsUser,
      identityProvider: grant.granted.identityProvider?.id ?? null,
      sessionId: sessionId ?? null,
      authentication,
      scope: grant.granted.scopes.join(' '),
      audience: grant.granted.audience,
      claims: grant.claims,
      requestedClaims: grant.requestedClaims ?? null,
      expiresAt: Math.min(nowSeconds() + lifetime, grant.notAfter ?? Infinity),
    });
  }

  async issue(issuance: Issuance): Promise<IssuedTokens> {
    const { client, record, granted, senderConstraint } = issuance;
    const access = issuance.accessToken
      ? await this.accessTokens.issue({
          client,
          principal: this.tokenPrincipal(client, record, issuance.principal),
          scopes: granted.scopes,
          audience: granted.audience,
          claims: record?.claims ?? issuance.claims,
          grantId: record?.id,
          identityProvider: granted.identityProvider?.name,
          notAfter: Math.min(issuance.notAfter, record?.expiresAt ?? Infinity),
          senderConstraint,
        })
      : undefined;
    // A public client's refresh token is bound to the access token's key (RFC 9449 §5), if any.
    const refresh = issuance.refreshToken && record ? this.refreshTokens.issue(record, refreshTokenConstraint(senderConstraint, client.authMethod === 'none')) : undefined;
    const idToken = issuance.idToken
      ? await this.idTokens.issue({
          client,
          subject: issuance.principal.subject,
          authTime: issuance.principal.authTime,
          acr: issuance.principal.acr,
          amr: issuance.principal.amr,
          sessionId: issuance.principal.sessionId,
          nonce: issuance.idToken.nonce,
          accessToken: access?.token,
          code: issuance.idToken.code,
          claims: issuance.idToken.claims,
        })
      : undefined;

    // Last: consume, and store what follows — all or nothing.
    await this.writer.commit([
      ...issuance.before,
      ...(record && issuance.recordIsNew ? [this.records.insertStep(record)] : []),
      ...(issuance.after ?? []),
      ...(refresh ? [refresh.step] : []),
      ...(access?.step ? [access.step] : []),
    ]);
    if (access || idToken) {
      this.observer.issued(
        {
          clientId: client.clientId,
          authMethod: client.authMethod,
          grantType: issuance.grantType,
          subject: issuance.principal.subject,
          scopes: granted.scopes,
          audience: granted.audience,
          jti: access?.jti,
          grantId: record?.id,
        },
        issuance.facts ?? {},
      );
    }
    return { access, refreshToken: refresh?.token, idToken };
  }

  /**
   * Who the access token names: the principal, except that a pairwise client (OIDC Core §8.1)
   * sees its per-sector subject in access tokens too (RFC 9068 §6) whenever the grant's subject is
   * a local user — a browser sign-in, the password grant, a mapped identity provider's subject, and
   * every refresh of them — never the user's id. The grant record keeps the user's id.
   */
  private tokenPrincipal(client: RegisteredClient, record: GrantRecordEntity | undefined, principal: Principal): Principal {
    if (!record?.subjectIsUser) return principal;
    return { ...principal, subject: this.idTokens.subjectFor(client, principal.subject) };
  }
}
