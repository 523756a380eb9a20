import { Injectable, Logger } from '@nestjs/common';
import { OAuthError } from '../../../common/oauth-error';
import { logValue } from '../../../common/log-text';
import { UserSignIn } from '../../../users/user-sign-in';
import { UsersService } from '../../../users/users.service';
import { Grant, GrantContext, GrantHandler, GrantResult } from '../../core/extension-points';
import { ORDERS } from '../../orders';
import { ClientRequest } from '../../core/client-request';
import { grantableScopes } from '../../core/scope-policy';
import { userClaimsFor } from '../../tokens/oidc-claims';
import { PASSWORD_GRANT } from './password.definition';

/** One description for an unknown user, a wrong password, a disabled or locked user: no oracle. */
const SIGN_IN_FAILED = 'the username or password is wrong, or the account cannot sign in now';

/**
 * RFC 6749 §4.3, the resource owner password credentials grant: the client hands in the user's
 * username and password. Off unless `[oauth.grant_type.password] enable = true`. The client's
 * scopes are checked before the password, so a request refused for its scope counts no attempt.
 */
@Grant({ order: ORDERS.grants.password, id: PASSWORD_GRANT.id, enabledByDefault: false })
@Injectable()
export class PasswordGrant implements GrantHandler {
  readonly grantType = PASSWORD_GRANT.grantType;
  private readonly logger = new Logger(PasswordGrant.name);

  constructor(
    private readonly signIns: UserSignIn,
    private readonly users: UsersService,
  ) {}

  /** §4.3.2: username and password are REQUIRED. */
  validate(request: ClientRequest): void {
    request.requireParam('username');
    request.requireParam('password');
  }

  async handle({ client, request }: GrantContext): Promise<GrantResult> {
    const scopes = grantableScopes(client, request.scopes);
    const outcome = await this.signIns.signIn(request.requireParam('username'), request.requireParam('password'));
    if ('failure' in outcome) {
      throw OAuthError.invalidGrant(SIGN_IN_FAILED, { detail: `password grant for client ${client.clientId}: ${outcome.failure}${outcome.userId ? ` (user ${outcome.userId})` : ''}`, reason: 'user_sign_in_failed' });
    }
    const { user } = outcome;
    this.logger.debug(`user ${user.id} (${logValue(user.username)}) signed in through the password grant of client ${client.clientId}`);
    return {
      principal: { subject: user.id, authTime: Math.floor(Date.now() / 1000), amr: ['pwd'] },
      subjectIsUser: true,
      scopes,
      // OIDC Core §5.4: what the scopes release, as for a browser sign-in — never every claim the user has.
      claims: userClaimsFor(user, scopes),
      refreshToken: true,
      // Disabled, deleted or given a new password while this request was in flight: no grant.
      conditions: [this.users.unchangedStep(user, () => OAuthError.invalidGrant(SIGN_IN_FAILED, { detail: `user ${user.id} changed during the password grant`, reason: 'user_changed' }))],
    };
  }
}
