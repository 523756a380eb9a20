import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service';
import { ADMIN_SCOPE } from '../clients/registered-client';
import { IssuerContext } from '../common/issuer-context';
import { OAuthError } from '../common/oauth-error';
import { presentedAccessToken } from '../oauth/core/presented-token';
import { AccessTokenLookup } from '../oauth/tokens/access-token.lookup';
import { noteAdminClient } from './admin-audit.interceptor';

/**
 * RFC 6750 bearer access tokens of this server for the admin API, and only those the token
 * endpoint confines to it: the reserved `admin` scope, audience `<issuer>/api/admin`, issued
 * to a client for itself. The client is resolved again on every call (through its cache), so
 * a deleted client, or one that lost `admin`, stops at once here (at most a cache lifetime
 * later on other instances).
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: AccessTokenLookup,
    private readonly clients: ClientsService,
    private readonly context: IssuerContext,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = await this.tokens.findPresented(presentedAccessToken(request));
    // The admin API and nothing else (DESIGN): a token also addressed to another resource server could be replayed here by it.
    const forAdminApiOnly = token.audience.length === 1 && token.audience[0] === this.context.adminAudience;
    if (!forAdminApiOnly || !token.scopes.includes(ADMIN_SCOPE) || token.subject !== token.clientId) {
      throw OAuthError.invalidToken(undefined, { detail: `token of client ${token.clientId} is not an admin API token` });
    }
    const client = await this.clients.findForAuthentication(token.clientId);
    if (!client || !client.scopes.has(ADMIN_SCOPE)) {
      throw OAuthError.invalidToken(undefined, { detail: `client ${token.clientId} is deleted or no longer holds ${ADMIN_SCOPE}` });
    }
    noteAdminClient(request, token.clientId);
    return true;
  }
}
