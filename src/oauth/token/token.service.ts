import { Injectable } from '@nestjs/common';
import { OAuthError } from '../../common/oauth-error';
import { TokenSettings } from '../../config/config.schema';
import { ClientAuthChain } from '../client-auth/client-auth.chain';
import { GrantRegistry } from '../grants/grant.registry';
import { AccessTokenIssuer } from '../tokens/access-token.issuer';
import { resolveAudience } from '../tokens/audience';
import { RefreshTokenStore } from '../tokens/refresh-token.store';
import { TokenRequest } from './token-request';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  [extra: string]: string | number | boolean | undefined;
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}

/**
 * The token endpoint's pipeline: grant type known → client authenticated → client may use
 * the grant → the grant decides → tokens minted. Each step fails with its RFC 6749 error.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly grants: GrantRegistry,
    private readonly clientAuth: ClientAuthChain,
    private readonly issuer: AccessTokenIssuer,
    private readonly settings: TokenSettings,
    private readonly refreshTokens: RefreshTokenStore,
  ) {}

  async exchange(request: TokenRequest): Promise<TokenResponse> {
    const grantType = request.grantType;
    if (!grantType) throw OAuthError.invalidRequest('grant_type is required');
    const { handler, properties } = this.grants.get(grantType);

    const client = await this.clientAuth.authenticate(request);
    if (!client.grantTypes.has(grantType)) {
      throw OAuthError.unauthorizedClient(`this client is not allowed to use grant_type ${grantType}`);
    }

    handler.validate?.(request);
    const result = await handler.handle({ client, request, params: request.params, properties });
    const audience = resolveAudience(client, request.resources, result.audience, this.settings.default_audience);
    const { token, expiresIn } = await this.issuer.issue({
      client,
      subject: result.subject,
      scopes: result.scopes,
      audience,
      claims: result.claims,
    });
    const response: TokenResponse = { ...extraMembers(result.response), access_token: token, token_type: 'Bearer', expires_in: expiresIn };
    // §5.1: scope is REQUIRED when it differs from the request; always sending it is simplest for clients.
    if (result.scopes.length) response.scope = result.scopes.join(' ');
    if (result.refreshToken && client.grantTypes.has('refresh_token')) {
      response.refresh_token = await this.refreshTokens.issue({
        clientId: client.clientId,
        subject: result.subject,
        scopes: result.scopes,
        audience,
        claims: result.claims ?? {},
        familyId: result.refreshTokenFamily,
      });
    }
    return response;
  }
}

/** RFC 6749 §5.1 members belong to the token endpoint; a grant's extra members cannot shadow them. */
const STANDARD_MEMBERS = new Set(['access_token', 'token_type', 'expires_in', 'scope', 'refresh_token', 'id_token']);

function extraMembers(extra: Record<string, string | number | boolean> | undefined): Record<string, string | number | boolean> | undefined {
  if (!extra) return undefined; // the common case: nothing to copy, nothing to allocate
  return Object.fromEntries(Object.entries(extra).filter(([name]) => !STANDARD_MEMBERS.has(name)));
}
