import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { OAuthError } from '../../common/oauth-error';
import { AtomicWriter } from '../../database/atomic-writer';
import { ClientAuthChain } from '../client-auth/client-auth.chain';
import type { ClientRequest } from '../core/client-request';
import { confirmationOf, senderConstraintOf, tokenTypeOf } from '../core/sender-constraint';
import { AccessTokenInfo, AccessTokenLookup } from '../tokens/access-token.lookup';
import { REGISTERED_CLAIMS } from '../../common/registered-claims';
import { IdTokenIssuer } from '../tokens/id-token.issuer';
import { RefreshTokenStore } from '../tokens/refresh-token.store';

/** RFC 7662 §2.2. Only `active` for anything this client may not see. */
export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

/**
 * RFC 7662 token introspection for authenticated clients. A client sees the tokens issued to
 * it and the access tokens addressed to it (`aud` names its client_id); a client registered
 * with `introspect_any` sees every token of its tenant. Everything else — unknown, expired,
 * revoked, foreign, another tenant's — is the same `{"active": false}`.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly clientAuth: ClientAuthChain,
    private readonly accessTokens: AccessTokenLookup,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly writer: AtomicWriter,
    private readonly context: IssuerContext,
    private readonly clients: ClientsService,
    private readonly idTokens: IdTokenIssuer,
  ) {}

  async introspect(request: ClientRequest, onClient?: (client: RegisteredClient) => void): Promise<IntrospectionResponse> {
    const authenticated = await this.clientAuth.authenticate(request);
    onClient?.(authenticated.client);
    const { client } = authenticated;
    // RFC 7662 §2.1 requires the caller to be authorized: a public client proves nothing.
    if (client.authMethod === 'none') throw OAuthError.invalidClient(undefined, { detail: `public client ${client.clientId} cannot introspect` });
    const token = request.requireParam('token');
    const answer = await this.answer(client, token, request.param('token_type_hint'));
    await this.writer.commit(this.clientAuth.consumption(authenticated));
    return answer;
  }

  /** §2.1: the hint says where to look first, never where alone. */
  private async answer(client: RegisteredClient, token: string, hint: string | undefined): Promise<IntrospectionResponse> {
    const lookups = hint === 'refresh_token' ? [this.asRefreshToken, this.asAccessToken] : [this.asAccessToken, this.asRefreshToken];
    for (const lookup of lookups) {
      const answer = await lookup.call(this, client, token);
      if (answer) return answer;
    }
    return INACTIVE;
  }

  private async asAccessToken(client: RegisteredClient, token: string): Promise<IntrospectionResponse | undefined> {
    const info = await this.accessTokens.find(token);
    if (!info) return undefined;
    const visible = client.introspectAny || info.clientId === client.clientId || info.audience.includes(client.clientId);
    if (!visible) return INACTIVE;
    // RFC 7592 §2.3: a deleted client's tokens are invalid, also a self-contained JWT still within its exp.
    if (info.clientId !== client.clientId && !(await this.clients.findForAuthentication(info.clientId))) return INACTIVE;
    return this.describeAccessToken(info);
  }

  private async asRefreshToken(client: RegisteredClient, token: string): Promise<IntrospectionResponse | undefined> {
    const found = await this.refreshTokens.findActive(token);
    if (!found) return undefined;
    const { row, record } = found;
    if (!client.introspectAny && row.clientId !== client.clientId) return INACTIVE;
    const owner = row.clientId === client.clientId ? client : await this.clients.findForAuthentication(row.clientId);
    // RFC 7592 §2.3: a deleted client's tokens are invalid.
    if (!owner) return INACTIVE;
    const cnf = confirmationOf(senderConstraintOf(row.cnf));
    return {
      active: true,
      token_type: 'refresh_token',
      client_id: row.clientId,
      // The `sub` its access tokens carry: pairwise for a pairwise client's user (OIDC Core §8.1), never the user's id.
      sub: record.subjectIsUser ? this.idTokens.subjectFor(owner, record.subject) : record.subject,
      scope: record.scope || undefined,
      aud: record.audience,
      iss: this.context.issuer,
      iat: row.createdAt,
      exp: row.expiresAt,
      gid: record.id,
      // A public client's refresh token is bound like its access tokens (RFC 9449 §5, RFC 8705 §4).
      ...(cnf ? { cnf } : {}),
    };
  }

  /**
   * The token's own claims (user claims, `idp`, `gid`, ...) with the RFC 7662 members set from what
   * was verified; for a sender-constrained token its `cnf` and `token_type` (RFC 9449 §6.2: DPoP
   * and `cnf.jkt`; RFC 8705 §3.2: Bearer and `cnf.x5t#S256`), so a resource server can check the proof.
   */
  private describeAccessToken(info: AccessTokenInfo): IntrospectionResponse {
    const cnf = confirmationOf(info.senderConstraint);
    const extra = Object.fromEntries(Object.entries(info.claims).filter(([name]) => !REGISTERED_CLAIMS.has(name) || name === 'idp' || name === 'gid'));
    const username = typeof info.claims.preferred_username === 'string' ? info.claims.preferred_username : undefined;
    return {
      ...extra,
      active: true,
      token_type: tokenTypeOf(info.senderConstraint),
      client_id: info.clientId,
      sub: info.subject,
      ...(username !== undefined ? { username } : {}),
      scope: info.scopes.length ? info.scopes.join(' ') : undefined,
      // RFC 7662 §2.2 allows a string or an array; always an array, as for refresh tokens, so callers parse one shape.
      aud: [...info.audience],
      iss: this.context.issuer,
      iat: info.issuedAt,
      exp: info.expiresAt,
      ...(info.jti !== undefined ? { jti: info.jti } : {}),
      ...(info.grantId !== undefined ? { gid: info.grantId } : {}),
      ...(cnf ? { cnf } : {}),
    };
  }
}
