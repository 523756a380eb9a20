import { Injectable, Logger } from '@nestjs/common';
import type { RegisteredClient } from '../../../clients/registered-client';
import { OAuthError } from '../../../common/oauth-error';
import { AuthorizationCodeGrantSettings } from '../../../config/grant-type-tables';
import { UsersService } from '../../../users/users.service';
import { SecurityProfiles } from '../../core/security-profiles';
import { UNCONSTRAINED } from '../../core/sender-constraint';
import { TokenIssuance } from '../../issuance/token-issuance';
import { TokenPolicy } from '../../issuance/token-policy';
import { userClaimsFor } from '../../tokens/oidc-claims';
import { AuthorizationCodes } from '../code/authorization-codes';
import type { ValidatedAuthorizationRequest } from '../request/authorization-request';
import { PushedRequests } from '../request/pushed-requests';
import { redirectError } from '../request/authorization-errors';
import { ReplayStore } from '../../assertions/replay-store';
import type { LiveSession } from '../session/live-sessions';

/**
 * What the authorization endpoint answers with once the user is through: a grant record made
 * now, so revoking it ends all of them, and the response type's artefacts — a code bound to the
 * request, and (implicit, hybrid) tokens issued by the token endpoint's own policy and pipeline
 * (`TokenPolicy`, `TokenIssuance`), reported as `token.issued` under `implicit` or
 * `authorization_code` — written in one commit.
 */
@Injectable()
export class AuthorizationIssuer {
  private readonly logger = new Logger(AuthorizationIssuer.name);

  constructor(
    private readonly users: UsersService,
    private readonly codes: AuthorizationCodes,
    private readonly policy: TokenPolicy,
    private readonly issuance: TokenIssuance,
    private readonly codeSettings: AuthorizationCodeGrantSettings,
    private readonly pushed: PushedRequests,
    private readonly profiles: SecurityProfiles,
    private readonly replay: ReplayStore,
  ) {}

  /** A grant record for what the user granted, and the response type's artefacts: the fields of the response (without `state` and `iss`). */
  async issue(validated: ValidatedAuthorizationRequest, client: RegisteredClient, current: LiveSession): Promise<Record<string, string | undefined>> {
    const { session, user } = current;
    const parts = new Set(validated.responseType.split(' '));
    // FAPI 2 caps a code's life whatever code_ttl says.
    const codeTtl = this.profiles.forClient(client).codeLifetime(this.codeSettings.code_ttl);
    const grantType = parts.has('code') ? 'authorization_code' : 'implicit';
    const principal = { subject: user.id, sessionId: session.id, authTime: session.authTime, amr: session.amr, ...(session.acr ? { acr: session.acr } : {}) };
    // Only what the user consented to: the claims the granted scopes release (OIDC Core §5.4).
    const claims = userClaimsFor(user, validated.scopes);
    const granted = await this.policy.apply(client, grantType, [], { principal, scopes: validated.scopes, claims, subjectIsUser: true });
    // No token request, so no proof of possession to bind to: RFC 9449 and RFC 8705 bind at the token endpoint only.
    if (parts.has('token')) {
      this.policy.requireBinding(client, UNCONSTRAINED);
      // A client that registered bound tokens is never handed a bearer one (as at the token endpoint).
      if (client.dpopBoundAccessTokens || client.tlsClientAuth.tls_client_certificate_bound_access_tokens) {
        throw OAuthError.invalidRequest('this client registered sender-constrained access tokens, which response_type token cannot bind: use the code flow', { reason: 'sender_constraint_required' });
      }
    }
    const record = this.issuance.recordGrant({
      client,
      grantType,
      principal,
      subjectIsUser: true,
      granted,
      claims,
      // §5.5: the claims asked for one by one, for every ID token and userinfo response of the grant.
      requestedClaims: validated.claims,
      refreshable: parts.has('code') && this.policy.allows(client, 'refresh_token'),
      // A code's record must outlive the code, and then the access token it is exchanged for.
      extraLifetime: parts.has('code') ? codeTtl : 0,
    });
    const code = parts.has('code') ? this.codes.issue(record, validated, codeTtl) : undefined;
    const issued = await this.issuance.issue({
      client,
      grantType,
      principal,
      record,
      recordIsNew: true,
      granted,
      notAfter: record.expiresAt,
      senderConstraint: UNCONSTRAINED,
      accessToken: parts.has('token'),
      refreshToken: false,
      idToken: parts.has('id_token')
        ? {
            nonce: validated.nonce,
            code: code?.code,
            // OIDC Core §5.4: without an access token to call userinfo with, the ID token carries the scopes' claims;
            // §5.5: the claims asked for the ID token one by one, in every case.
            claims: userClaimsFor(user, parts.has('token') || parts.has('code') ? [] : validated.scopes, validated.claims?.id_token),
          }
        : undefined,
      // The user disabled, deleted or changed since the session was read: no grant outlives that.
      // RFC 9126: a pushed request is used up in this commit — of concurrent uses, one gets the code.
      before: [
        this.users.unchangedStep(user, () => OAuthError.accessDenied('the account cannot sign in now')),
        ...(validated.pushedRequest ? [this.pushed.consumption(validated.pushedRequest, client.clientId)] : []),
        // A signed request object's jti: single use, decided by the replay store's INSERT in this commit.
        ...(validated.requestObjectJti ? this.replay.consumption(validated.requestObjectJti, () => redirectError('invalid_request_object', 'the request object has been used already (jti)')) : []),
      ],
      after: code ? [code.step] : [],
    });
    const response: Record<string, string | undefined> = { code: code?.code, id_token: issued.idToken };
    if (issued.access) {
      Object.assign(response, { access_token: issued.access.token, token_type: issued.access.tokenType, expires_in: String(issued.access.expiresIn), scope: granted.scopes.join(' ') });
    }
    this.logger.debug(`authorization for client ${client.clientId}, user ${user.id}: ${validated.responseType}`);
    return response;
  }
}
