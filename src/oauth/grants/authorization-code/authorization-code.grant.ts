import { Injectable } from '@nestjs/common';
import { AuthorizationCodes } from '../../authorization/code/authorization-codes';
import { Grant, GrantContext, GrantHandler, GrantResult } from '../../core/extension-points';
import { scopeNotAllowed } from '../../core/scope-policy';
import { ORDERS } from '../../orders';
import { ClientRequest } from '../../core/client-request';
import { AUTHORIZATION_CODE_GRANT } from './authorization-code.definition';

/**
 * RFC 6749 §4.1.3: the client exchanges the code the authorization endpoint sent to its redirect
 * URI, proving with the PKCE verifier (RFC 7636) that it is the one that asked. The code was
 * decided at the authorization endpoint (user, scopes, consent); this grant checks the binding
 * and continues that grant record. The endpoint consumes the code last, with the tokens.
 */
@Grant({ order: ORDERS.grants.authorizationCode, id: AUTHORIZATION_CODE_GRANT.id })
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = AUTHORIZATION_CODE_GRANT.grantType;

  constructor(private readonly codes: AuthorizationCodes) {}

  validate(request: ClientRequest): void {
    request.requireParam('code');
  }

  async handle({ client, request }: GrantContext): Promise<GrantResult> {
    const presented = await this.codes.present(request.requireParam('code'), client.clientId, request.param('redirect_uri'), request.param('code_verifier'), client.redirectUris);
    const { record } = presented;
    const scopes = record.scope.split(' ').filter(Boolean);
    const lost = scopes.filter((scope) => !client.scopes.has(scope));
    if (lost.length) throw scopeNotAllowed(client, lost);
    return {
      principal: { subject: record.subject, sessionId: record.sessionId ?? undefined, ...record.authentication },
      scopes,
      audience: record.audience.length ? record.audience : undefined,
      claims: record.claims,
      refreshToken: true,
      continues: { record, redemption: presented.redemption, nonce: presented.nonce, dpopJkt: presented.dpopJkt },
    };
  }
}
