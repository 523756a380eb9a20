import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ADMIN_SCOPE } from '../clients/registered-client';
import { OAuthError } from '../common/oauth-error';
import { AccessTokenLookup } from '../oauth/tokens/access-token.lookup';


/** RFC 6750 bearer access token issued by this server, carrying the `admin` scope. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly tokens: AccessTokenLookup) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    if (!match) throw OAuthError.invalidToken(undefined, { detail: 'no bearer token' });
    const token = await this.tokens.find(match[1]);
    if (!token) throw OAuthError.invalidToken(undefined, { detail: 'token not active' });
    if (!token.scopes.includes(ADMIN_SCOPE)) throw OAuthError.insufficientScope(`the access token lacks scope "${ADMIN_SCOPE}"`);
    return true;
  }
}
