import { Injectable, Logger } from '@nestjs/common';
import { UserSignIn } from '../../../users/user-sign-in';
import { ORDERS } from '../../orders';
import { PageRenderer } from '../pages';
import { LoginAuthenticator, LoginStep, LoginStepContext, LoginStepOutcome } from './login-step';

/** The same words for every failure, as the password grant (no hint which of the two was wrong). */
const SIGN_IN_FAILED = 'The username or password is wrong, or the account cannot sign in now.';

/**
 * The acr (OIDC Core §2) of a sign-in with this step: the user proved the password grantry keeps
 * for the account — one factor, something known — and nothing more. It claims no identity
 * proofing and no level of an assurance framework (ISO/IEC 29115, NIST SP 800-63), which grantry
 * cannot vouch for; a URI of grantry's own (§2: absolute URIs SHOULD be used), documented in
 * the README, so a client can require it (`claims`, §5.5.1.1) without guessing its meaning.
 */
export const PASSWORD_ACR = 'urn:grantry:acr:password';

/** The built-in first step: username and password, counted toward the user's lock-out. */
@LoginAuthenticator({ id: 'password', order: ORDERS.loginSteps.password })
@Injectable()
export class PasswordLoginStep implements LoginStep {
  readonly id = 'password';
  readonly page = 'login';
  readonly acrValues = [PASSWORD_ACR];
  private readonly logger = new Logger(PasswordLoginStep.name);

  constructor(
    private readonly users: UserSignIn,
    private readonly pages: PageRenderer,
  ) {}

  render(context: LoginStepContext, error?: string, submitted?: Readonly<Record<string, string>>): string {
    return this.pages.login(
      { action: context.action, csrf: context.csrf, clientName: context.client.name, loginHint: context.request.loginHint, username: submitted?.username, error },
      { lang: context.request.uiLocales.join(' ') },
    );
  }

  async submit(context: LoginStepContext, form: Readonly<Record<string, string>>): Promise<LoginStepOutcome> {
    const { username, password } = form;
    if (!username || !password) return { ok: false, error: SIGN_IN_FAILED };
    const outcome = await this.users.signIn(username, password, { final: context.last });
    if ('failure' in outcome) {
      this.logger.debug(`sign-in for client ${context.client.clientId} failed: ${outcome.failure}${outcome.userId ? ` (user ${outcome.userId})` : ''}`);
      return { ok: false, error: SIGN_IN_FAILED };
    }
    return { ok: true, userId: outcome.user.id, amr: ['pwd'], acr: PASSWORD_ACR };
  }
}
