import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../../clients/clients.service';
import type { RegisteredClient } from '../../../clients/registered-client';
import { OAuthError } from '../../../common/oauth-error';
import { InteractionEntity } from '../interaction/interaction.entity';
import { InteractionGone } from '../interaction/interaction-gone';
import { initialState } from '../interaction/interaction-machine';
import { Interactions } from '../interaction/interactions';
import { PROMPT_NONE_ERRORS } from '../policy/need';
import { PromptPolicy } from '../policy/prompt-policy';
import { AuthorizationPolicies } from '../request/authorization-policies';
import { destinationOf, ErrorDestination, recheckAgainstClient, ValidatedAuthorizationRequest } from '../request/authorization-request';
import { RequestResolver } from '../request/request-resolver';
import { Answer, seeOther } from '../response/answer';
import { Responder } from '../response/responder';
import { LiveSession, LiveSessions } from '../session/live-sessions';
import { AuthorizationIssuer } from './authorization-issuer';
import type { Browser } from './browser';

/**
 * The authorization endpoint's decisions (RFC 6749 §4.1/§4.2, OIDC Core §3): resolve the request,
 * find the browser's session, send the user through login, account choice and consent when
 * needed (an interaction), then answer at the redirect URI. No HTTP here: the browser comes in as
 * its cookies' secrets and goes out as an `Answer` (authorization/http/ writes both).
 */
@Injectable()
export class AuthorizationFlow {
  constructor(
    private readonly resolver: RequestResolver,
    private readonly policies: AuthorizationPolicies,
    private readonly clients: ClientsService,
    private readonly liveSessions: LiveSessions,
    private readonly interactions: Interactions,
    private readonly prompts: PromptPolicy,
    private readonly issuer: AuthorizationIssuer,
    private readonly responder: Responder,
  ) {}

  /** GET|POST /oauth2/authorize: `source` is the query or the form. */
  async authorize(source: unknown, browser: Browser): Promise<Answer> {
    const destination: { value?: ErrorDestination } = {};
    try {
      const { validated, client } = await this.resolver.resolve(source, destination);
      const session = await this.liveSessions.current(browser.sessionSecret);
      const need = await this.prompts.need(validated, client, session, { fresh: false });
      if (need === 'nothing') return await this.answer(validated, client, session!, browser);
      if (validated.prompt.includes('none')) throw new OAuthError(PROMPT_NONE_ERRORS[need], 'the user must interact with the authorization server', 302);
      const binding = this.interactions.bindingFor(browser.binding);
      if (binding !== browser.binding) browser.changes.binding = binding;
      const interaction = await this.interactions.start(binding, validated, initialState(need, session?.session.id));
      return seeOther(this.interactions.pageOf(interaction));
    } catch (error) {
      return this.responder.failure(error, destination.value, browser.posted);
    }
  }

  /**
   * After a login, an account choice or consent: ask for what is still needed, or answer the
   * client. `current` is the session the interaction signed in with (or chose) — never another
   * one a second tab may have started since.
   */
  async proceed(interaction: InteractionEntity, current: LiveSession | undefined, browser: Browser, consented = false): Promise<Answer> {
    const validated = interaction.request;
    const destination = destinationOf(validated);
    try {
      const client = await this.clients.findForAuthentication(validated.clientId);
      if (!client || !current || current.session.id !== interaction.sessionId) throw new InteractionGone();
      // The client may have changed while the user was on the pages: what it may do now decides.
      recheckAgainstClient(validated, client, this.policies.policyFor(client));
      this.prompts.checkSignedIn(validated, client, current);
      const need = consented ? 'nothing' : await this.prompts.need(validated, client, current, { fresh: true });
      if (need === 'nothing') {
        await this.interactions.finish(interaction);
        return await this.answer(validated, client, current, browser);
      }
      return seeOther(this.interactions.pageOf(interaction));
    } catch (error) {
      return this.responder.failure(error, destination, browser.posted);
    }
  }

  /** The user approved the request's scopes (remembered, asked no more): the answer, or what else is needed. */
  async approve(interaction: InteractionEntity, current: LiveSession, browser: Browser): Promise<Answer> {
    await this.prompts.rememberConsent(current.user.id, interaction.request);
    return this.proceed(interaction, current, browser, true);
  }

  /** The user said no (consent denied): access_denied at the redirect URI (RFC 6749 §4.1.2.1). */
  async deny(interaction: InteractionEntity, browser: Browser): Promise<Answer> {
    const validated = interaction.request;
    await this.interactions.finish(interaction);
    return this.responder.failure(new OAuthError('access_denied', 'the user denied the request', 302), destinationOf(validated), browser.posted);
  }

  /** The answer at the redirect URI: what `AuthorizationIssuer` issued, with `state` and `iss`. */
  private async answer(validated: ValidatedAuthorizationRequest, client: RegisteredClient, current: LiveSession, browser: Browser): Promise<Answer> {
    const response = await this.issuer.issue(validated, client, current);
    return this.responder.atRedirectUri(destinationOf(validated), response, browser.posted);
  }
}
