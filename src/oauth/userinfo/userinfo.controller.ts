import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ClientsService } from '../../clients/clients.service';
import { NoStore } from '../../common/no-store.decorator';
import { OAuthError } from '../../common/oauth-error';
import { UsersService } from '../../users/users.service';
import { IdTokenIssuer } from '../tokens/id-token.issuer';
import { AccessTokenLookup } from '../tokens/access-token.lookup';
import { userClaimsFor } from '../tokens/oidc-claims';

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * OIDC Core §5.3 UserInfo: the claims of the token's user that its scopes release. The access
 * token comes in the Authorization header, or (POST) as the form field `access_token`
 * (RFC 6750 §2.1, §2.2) — one of the two.
 */
@Controller('oauth2/userinfo')
export class UserinfoController {
  constructor(
    private readonly tokens: AccessTokenLookup,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly idTokens: IdTokenIssuer,
  ) {}

  @Get()
  @NoStore()
  get(@Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.userinfo(request, undefined);
  }

  @Post()
  @HttpCode(200)
  @NoStore()
  post(@Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    const body = request.body as Record<string, unknown> | undefined;
    return this.userinfo(request, typeof body?.access_token === 'string' ? body.access_token : undefined);
  }

  private async userinfo(request: FastifyRequest, formToken: string | undefined): Promise<Record<string, unknown>> {
    const header = request.headers.authorization;
    if (header === undefined && formToken === undefined) throw OAuthError.bearerRequired();
    if (header !== undefined && formToken !== undefined) throw OAuthError.invalidRequest('send the access token once: in the Authorization header or the form');
    const match = header === undefined ? undefined : BEARER.exec(header);
    const token = formToken ?? match?.[1];
    if (!token) throw OAuthError.invalidToken(undefined, { detail: 'the Authorization header is not a bearer token' });
    const info = await this.tokens.find(token);
    if (!info) throw OAuthError.invalidToken(undefined, { detail: 'token not active' });
    if (!info.scopes.includes('openid')) throw OAuthError.insufficientScope('the access token lacks the openid scope');
    const [user, client] = await Promise.all([this.users.findById(info.subject), this.clients.findForAuthentication(info.clientId)]);
    if (!user || !user.enabled || !client) throw OAuthError.invalidToken(undefined, { detail: `token of client ${info.clientId} names no enabled user` });
    return { ...userClaimsFor(user, info.scopes), sub: this.idTokens.subjectFor(client, user.id) };
  }
}
