import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../../clients/clients.service';
import type { RegisteredClient } from '../../../clients/registered-client';
import { UserSignIn } from '../../../users/user-sign-in';
import { consentItems } from '../interaction/claim-descriptions';
import { InteractionEntity } from '../interaction/interaction.entity';
import { InteractionGone } from '../interaction/interaction-gone';
import { afterAccountChoice, afterConsent, afterLoginStep, pageToShow, stageOf } from '../interaction/interaction-machine';
import { Interactions } from '../interaction/interactions';
import { LoginStepContext, LoginSteps } from '../interaction/login-step';
import { PageKind, PageRenderer } from '../pages';
import { authorizationParams } from '../request/authorization-params';
import { Answer, seeOther } from '../response/answer';
import { Responder } from '../response/responder';
import { LiveSessions } from '../session/live-sessions';
import { AuthorizationFlow } from './authorization-flow';
import type { Browser } from './browser';

/**
 * The pages between an authorization request and its answer — login steps, account choice and
 * consent — run on the interaction state machine (`interaction-machine.ts`): each form moves
 * the interaction on, persisted through `Interactions`. Every POST must carry the interaction's
 * CSRF token and come from the browser that started it.
 */
@Injectable()
export class InteractionFlow {
  constructor(
    private readonly interactions: Interactions,
    private readonly flow: AuthorizationFlow,
    private readonly steps: LoginSteps,
    private readonly liveSessions: LiveSessions,
    private readonly clients: ClientsService,
    private readonly pages: PageRenderer,
    private readonly responder: Responder,
    private readonly signIns: UserSignIn,
  ) {}

  /** GET /oauth2/interaction/<id>: the page of the interaction's current stage. */
  async show(id: string, browser: Browser): Promise<Answer> {
    return this.guarded(browser, async () => {
      const interaction = await this.interactions.load(browser.binding, id);
      const client = await this.clientOf(interaction);
      const lang = interaction.request.uiLocales.join(' ');
      const current = await this.liveSessions.current(browser.sessionSecret);
      const page = pageToShow(interaction, current?.session.id);
      if (page.show === 'gone') throw new InteractionGone();
      if (page.show === 'choose-account') {
        const html = this.pages.selectAccount({ action: this.interactions.pageOf(interaction, 'select'), csrf: interaction.csrf, clientName: client.name, accounts: [{ sessionRef: 'current', username: current!.user.username }] }, { lang });
        return this.page('select-account', interaction, html);
      }
      if (page.show === 'login') {
        if (page.changes) await this.interactions.advance(interaction, page.changes);
        const entry = this.steps.at(page.step);
        if (!entry) throw new InteractionGone();
        return this.page(entry.step.page ?? 'login-step', interaction, await entry.step.render(this.stepContext(interaction, client, entry.properties)));
      }
      const html = this.pages.consent({ action: this.interactions.pageOf(interaction, 'consent'), csrf: interaction.csrf, clientName: client.name, username: current!.user.username, scopes: consentItems(interaction.request) }, { lang });
      return this.page('consent', interaction, html);
    });
  }

  /** POST /oauth2/interaction/<id>/login: the form of the current login step. */
  async login(id: string, body: unknown, browser: Browser): Promise<Answer> {
    return this.guarded(browser, async () => {
      const { interaction, form } = await this.posted(browser, id, body);
      const stage = stageOf(interaction);
      const entry = stage.at === 'login' ? this.steps.at(stage.step) : undefined;
      if (!entry) return seeOther(this.interactions.pageOf(interaction));
      const context = this.stepContext(interaction, await this.clientOf(interaction), entry.properties);
      const outcome = await entry.step.submit(context, form);
      const next = afterLoginStep(interaction, outcome, this.steps.count);
      switch (next.next) {
        case 'retry':
          if (next.countFailure) await this.signIns.failedStep(interaction.userId!);
          return this.page(entry.step.page ?? 'login-step', interaction, await entry.step.render(context, next.error, form));
        case 'gone':
          throw new InteractionGone();
        case 'step':
          await this.interactions.advance(interaction, next.changes);
          return seeOther(this.interactions.pageOf(interaction));
        case 'sign-in': {
          if (next.completedSteps) await this.signIns.completed(next.userId);
          // One statement claims the interaction for this session: a form posted twice signs in once.
          const { secret, session, signedIn } = await this.liveSessions.signIn(browser.sessionSecret, next.userId, next.amr, next.acr, this.interactions.claimStep(interaction));
          browser.changes.session = secret;
          Object.assign(interaction, { sessionId: session.id, userId: next.userId, amr: next.amr });
          return this.flow.proceed(interaction, signedIn, browser);
        }
      }
    });
  }

  /** POST /oauth2/interaction/<id>/select: the account choice (prompt=select_account). */
  async select(id: string, body: unknown, browser: Browser): Promise<Answer> {
    return this.guarded(browser, async () => {
      const { interaction, form } = await this.posted(browser, id, body);
      const current = await this.liveSessions.current(browser.sessionSecret);
      const next = afterAccountChoice(interaction, form.account, current?.session.id);
      if (next.next === 'elsewhere') return seeOther(this.interactions.pageOf(interaction));
      await this.interactions.advance(interaction, next.changes);
      return next.next === 'chosen' ? this.flow.proceed(interaction, current, browser) : seeOther(this.interactions.pageOf(interaction));
    });
  }

  /** POST /oauth2/interaction/<id>/consent: approve or deny. */
  async consent(id: string, body: unknown, browser: Browser): Promise<Answer> {
    return this.guarded(browser, async () => {
      const { interaction, form } = await this.posted(browser, id, body);
      const current = await this.liveSessions.current(browser.sessionSecret);
      switch (afterConsent(interaction, form.decision, current?.session.id).next) {
        case 'gone':
          throw new InteractionGone();
        case 'denied':
          return this.flow.deny(interaction, browser);
        case 'elsewhere':
          return seeOther(this.interactions.pageOf(interaction));
        case 'approved':
          return this.flow.approve(interaction, current!, browser);
      }
    });
  }

  private stepContext(interaction: InteractionEntity, client: RegisteredClient, properties: Readonly<Record<string, unknown>>): LoginStepContext {
    return {
      client,
      request: interaction.request,
      userId: interaction.userId ?? undefined,
      action: this.interactions.pageOf(interaction, 'login'),
      csrf: interaction.csrf,
      properties,
      last: interaction.step + 1 >= this.steps.count,
    };
  }

  private async clientOf(interaction: InteractionEntity): Promise<RegisteredClient> {
    const client = await this.clients.findForAuthentication(interaction.clientId);
    if (!client) throw new InteractionGone();
    return client;
  }

  /** The interaction of this browser and the posted form, whose CSRF token must be the interaction's. */
  private async posted(browser: Browser, id: string, body: unknown): Promise<{ interaction: InteractionEntity; form: Record<string, string> }> {
    const interaction = await this.interactions.load(browser.binding, id);
    const form = authorizationParams(body);
    if (!this.interactions.csrfMatches(interaction, form.csrf)) throw new InteractionGone();
    return { interaction, form };
  }

  /** A page of the interaction: its forms may be answered, through redirects, at the client's redirect URI. */
  private page(kind: PageKind, interaction: InteractionEntity, html: string): Answer {
    return this.responder.page(kind, html, [interaction.request.redirectUri]);
  }

  private async guarded(browser: Browser, run: () => Promise<Answer>): Promise<Answer> {
    try {
      return await run();
    } catch (error) {
      return this.responder.failure(error, undefined, browser.posted);
    }
  }
}
