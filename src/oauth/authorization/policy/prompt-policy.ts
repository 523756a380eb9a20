import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../../clients/registered-client';
import { nowSeconds } from '../../../database/columns';
import { IdTokenIssuer } from '../../tokens/id-token.issuer';
import { Consents } from '../consent/consents';
import type { ValidatedAuthorizationRequest } from '../request/authorization-request';
import type { LiveSession } from '../session/live-sessions';
import { consentNeed, consentScopes, Need, SignIn, signInNeed, signInRefusal } from './need';

/**
 * The prompt, `max_age` and session policy of the authorization endpoint (OIDC Core §3.1.2.1):
 * the pure rules of `need.ts` over the browser's session and the consents remembered.
 */
@Injectable()
export class PromptPolicy {
  constructor(
    private readonly consents: Consents,
    private readonly idTokens: IdTokenIssuer,
  ) {}

  /**
   * What the user must do before the request can be answered. `fresh`: the user just signed in
   * (or chose the account) for this request, so only consent is left to ask.
   */
  async need(request: ValidatedAuthorizationRequest, client: RegisteredClient, current: LiveSession | undefined, { fresh }: { fresh: boolean }): Promise<Need> {
    if (!current) return 'login';
    const signIn = fresh ? undefined : signInNeed(request, this.signInOf(client, current), nowSeconds());
    if (signIn) return signIn;
    return consentNeed(request, await this.consents.covers(current.user.id, request.clientId, consentScopes(request)));
  }

  /** After a sign-in: refuses a user the request did not name, or a sign-in below its essential acr. */
  checkSignedIn(request: ValidatedAuthorizationRequest, client: RegisteredClient, current: LiveSession): void {
    const refusal = signInRefusal(request, this.signInOf(client, current));
    if (refusal) throw refusal;
  }

  /** The user approved the request's scopes for its client: asked no more for them (revocable in the admin API). */
  async rememberConsent(userId: string, request: ValidatedAuthorizationRequest): Promise<void> {
    await this.consents.remember(userId, request.clientId, request.scopes);
  }

  private signInOf(client: RegisteredClient, { session, user }: LiveSession): SignIn {
    return { authTime: session.authTime, acr: session.acr, subject: () => this.idTokens.subjectFor(client, user.id) };
  }
}
