import { Injectable, Logger } from '@nestjs/common';
import type { RegisteredClient } from '../../../clients/registered-client';
import { IssuerContext } from '../../../common/issuer-context';
import { OAuthError } from '../../../common/oauth-error';
import { AuthorizationCodeGrantSettings } from '../../../config/grant-type-tables';
import { AtomicWriter, WriteStep } from '../../../database/atomic-writer';
import { nowSeconds } from '../../../database/columns';
import { UsersService } from '../../../users/users.service';
import { UNCONSTRAINED } from '../../core/sender-constraint';
import { GrantRecords } from '../../grant-records/grant-records';
import { AccessTokenIssuer } from '../../tokens/access-token.issuer';
import { resolveAudience } from '../../tokens/audience';
import { IdTokenIssuer } from '../../tokens/id-token.issuer';
import { userClaimsFor } from '../../tokens/oidc-claims';
import { AuthorizationCodes } from '../code/authorization-codes';
import type { AuthorizationPolicy, ValidatedAuthorizationRequest } from '../request/authorization-request';
import type { LiveSession } from '../session/live-sessions';

/**
 * What the authorization endpoint answers with once the user is through: a grant record made
 * now, so revoking it ends all of them, and the response type's artefacts — a code bound to the
 * request, an access token, an ID token — written in one commit.
 */
@Injectable()
export class AuthorizationIssuer {
  private readonly logger = new Logger(AuthorizationIssuer.name);

  constructor(
    private readonly users: UsersService,
    private readonly records: GrantRecords,
    private readonly codes: AuthorizationCodes,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly idTokens: IdTokenIssuer,
    private readonly writer: AtomicWriter,
    private readonly context: IssuerContext,
    private readonly codeSettings: AuthorizationCodeGrantSettings,
  ) {}

  /** A grant record for what the user granted, and the response type's artefacts: the fields of the response (without `state` and `iss`). */
  async issue(validated: ValidatedAuthorizationRequest, client: RegisteredClient, current: LiveSession, policy: AuthorizationPolicy): Promise<Record<string, string | undefined>> {
    const { session, user } = current;
    const parts = new Set(validated.responseType.split(' '));
    const refreshable = parts.has('code') && client.grantTypes.has('refresh_token') && policy.grantTypeApproved(client, 'refresh_token');
    const now = nowSeconds();
    const tokenSettings = this.context.settings.token;
    const lifetime = refreshable ? tokenSettings.refresh_token_absolute_ttl : tokenSettings.access_token_ttl + this.codeSettings.code_ttl;
    const authentication = { authTime: session.authTime, amr: session.amr, ...(session.acr ? { acr: session.acr } : {}) };
    const record = this.records.create({
      clientId: client.clientId,
      grantType: parts.has('code') ? 'authorization_code' : 'implicit',
      subject: user.id,
      subjectIsUser: true,
      identityProvider: null,
      sessionId: session.id,
      authentication,
      scope: validated.scopes.join(' '),
      audience: resolveAudience(client, [], undefined, tokenSettings.default_audience),
      // Only what the user consented to: the claims the granted scopes release (OIDC Core §5.4).
      claims: userClaimsFor(user, validated.scopes),
      // §5.5: the claims asked for one by one, for every ID token and userinfo response of the grant.
      requestedClaims: validated.claims ?? null,
      expiresAt: now + lifetime,
    });
    const steps: WriteStep[] = [
      // The user disabled, deleted or changed since the session was read: no grant outlives that.
      this.users.unchangedStep(user, () => OAuthError.accessDenied('the account cannot sign in now')),
      this.records.insertStep(record),
    ];
    const response: Record<string, string | undefined> = {};

    if (parts.has('code')) {
      const issued = this.codes.issue(record, validated, this.codeSettings.code_ttl);
      steps.push(issued.step);
      response.code = issued.code;
    }
    if (parts.has('token')) {
      const access = await this.accessTokens.issue({
        client,
        principal: { subject: this.idTokens.subjectFor(client, user.id), sessionId: session.id, ...authentication },
        scopes: validated.scopes,
        audience: record.audience,
        claims: record.claims,
        grantId: record.id,
        notAfter: record.expiresAt,
        // No token request, so no proof of possession to bind to: RFC 9449 and RFC 8705 bind at the token endpoint only.
        senderConstraint: UNCONSTRAINED,
      });
      if (access.step) steps.push(access.step);
      Object.assign(response, { access_token: access.token, token_type: access.tokenType, expires_in: String(access.expiresIn), scope: validated.scopes.join(' ') });
    }
    if (parts.has('id_token')) {
      response.id_token = await this.idTokens.issue({
        client,
        subject: user.id,
        ...authentication,
        sessionId: session.id,
        nonce: validated.nonce,
        accessToken: response.access_token,
        code: response.code,
        // OIDC Core §5.4: without an access token to call userinfo with, the ID token carries the scopes' claims;
        // §5.5: the claims asked for the ID token one by one, in every case.
        claims: userClaimsFor(user, parts.has('token') || parts.has('code') ? [] : validated.scopes, validated.claims?.id_token),
      });
    }
    await this.writer.commit(steps);
    this.logger.debug(`authorization for client ${client.clientId}, user ${user.id}: ${validated.responseType}`);
    return response;
  }
}
