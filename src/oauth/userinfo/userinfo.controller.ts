import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import { clientCors } from '../../common/cors/cors-response';
import { NoStore } from '../../common/no-store.decorator';
import type { TokenScheme } from '../../common/access-token-extractor';
import { OAuthError } from '../../common/oauth-error';
import { AtomicWriter, type WriteStep } from '../../database/atomic-writer';
import { UsersService } from '../../users/users.service';
import { connectionOf } from '../../common/connection/connection-facts';
import { presentedAccessToken } from '../core/presented-token';
import { DpopProofs } from '../dpop/dpop-proofs';
import { GrantRecords } from '../grant-records/grant-records';
import { IdTokenIssuer } from '../tokens/id-token.issuer';
import { AccessTokenLookup } from '../tokens/access-token.lookup';
import { userClaimsFor } from '../tokens/oidc-claims';
import { UserinfoJwt } from './userinfo-jwt';

/** RFC 6750 and RFC 9449 §7.1: a bearer token, or a DPoP-bound one with a proof; each refusal challenges in both. */
const SCHEMES: readonly TokenScheme[] = ['Bearer', 'DPoP'];

/**
 * OIDC Core §5.3 UserInfo: the claims of the token's user that its scopes release. The access
 * token comes in the Authorization header, or (POST) as the form field `access_token`
 * (RFC 6750 §2.1, §2.2; OIDC Core §5.3.1) — one of the two.
 */
@Controller('oauth2/userinfo')
export class UserinfoController {
  constructor(
    private readonly tokens: AccessTokenLookup,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly idTokens: IdTokenIssuer,
    private readonly grants: GrantRecords,
    private readonly jwt: UserinfoJwt,
    private readonly dpop: DpopProofs,
    private readonly writer: AtomicWriter,
  ) {}

  @Get()
  @NoStore()
  get(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown> | string> {
    return this.userinfo(request, reply, false);
  }

  @Post()
  @HttpCode(200)
  @NoStore()
  post(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown> | string> {
    return this.userinfo(request, reply, true);
  }

  /** JSON, or (OIDC Core §5.3.2) a signed and perhaps encrypted JWT for a client that registered for one. */
  private async userinfo(request: FastifyRequest, reply: FastifyReply, readsForm: boolean): Promise<Record<string, unknown> | string> {
    // CORS: the access token's client decides which origin may read the answer (its errors too,
    // whose WWW-Authenticate a page needs, RFC 6750 §3).
    const { client, claims, consumption } = await this.claims(request, readsForm, clientCors(request, reply, this.dpop.nonceRequired ? 'WWW-Authenticate, DPoP-Nonce' : 'WWW-Authenticate'));
    const jwt = await this.jwt.of(client, claims);
    // RFC 9449 §11.1: the proof is used up last, once everything else of the request passed.
    if (consumption) await this.writer.commit(consumption);
    if (this.dpop.nonceRequired && request.headers.dpop !== undefined) reply.header('DPoP-Nonce', this.dpop.currentNonce());
    if (jwt === undefined) return claims;
    reply.header('Content-Type', 'application/jwt');
    return jwt;
  }

  private async claims(request: FastifyRequest, readsForm: boolean, onClient?: (client: RegisteredClient) => void): Promise<{ client: RegisteredClient; claims: Record<string, unknown>; consumption?: readonly WriteStep[] }> {
    // The form as the body parser left it, whatever its content type (a JSON body's access_token was always read too).
    const formToken = readsForm ? (request.body as Record<string, unknown> | undefined)?.access_token : undefined;
    const challenge = { schemes: SCHEMES, dpopAlgs: this.dpop.algs };
    const presented = presentedAccessToken(request, { form: readsForm, schemes: SCHEMES }, formToken, this.dpop.algs);
    // RFC 9449 §7.1: a DPoP-bound token comes with a proof of this request (method, URL, ath).
    const proven = presented.scheme === 'DPoP' ? await this.dpop.proveAtResource(request.headers.dpop, request.method, request.originalUrl, presented.token) : undefined;
    const info = await this.tokens.findPresented(presented, { provenJkt: proven?.jkt, certificate: connectionOf(request).certificate }, challenge);
    if (onClient) {
      const tokenClient = await this.clients.findForAuthentication(info.clientId); // cached: the lookup below finds it again
      if (tokenClient) onClient(tokenClient);
    }
    if (!info.scopes.includes('openid')) throw OAuthError.insufficientScope('the access token lacks the openid scope');
    const grant = await this.localUserGrant(info.grantId);
    const [user, client] = await Promise.all([grant ? this.users.findById(grant.userId) : undefined, this.clients.findForAuthentication(info.clientId)]);
    if (!grant || !user || !user.enabled || !client) throw OAuthError.invalidToken(undefined, { detail: `token of client ${info.clientId} names no enabled local user` });
    return { client, claims: { ...userClaimsFor(user, info.scopes, grant.requestedClaims), sub: this.idTokens.subjectFor(client, user.id) }, consumption: proven?.consumption };
  }

  /**
   * The local user a token speaks for, from its grant: a sign-in at the authorization endpoint,
   * the password grant, or an identity provider that mapped its subject to a user — as recorded
   * when the grant was made, never from a provider's settings today. A subject an identity provider
   * named in its own namespace is never taken for a local user's id, even when the strings are equal.
   * With it, the claims the authorization request asked userinfo for one by one (OIDC Core §5.5 `claims.userinfo`).
   */
  private async localUserGrant(grantId: string | undefined): Promise<{ userId: string; requestedClaims: string[] } | undefined> {
    const record = grantId === undefined ? undefined : await this.grants.find(grantId);
    return record?.subjectIsUser ? { userId: record.subject, requestedClaims: record.requestedClaims?.userinfo ?? [] } : undefined;
  }
}
