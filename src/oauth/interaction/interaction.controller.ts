import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../../clients/clients.service';
import { UserSignIn } from '../../users/user-sign-in';
import { UsersService } from '../../users/users.service';
import { AuthorizationFlow, INTERACTION_PATH } from '../authorize/authorization-flow';
import { authorizationParams } from '../authorize/authorization-params';
import { individualClaims } from './claim-descriptions';
import { InteractionEntity } from './interaction.entity';
import { InteractionGone, Interactions } from './interactions';
import { LoginStepContext, LoginSteps } from './login-step';
import { PageKind, PageRenderer } from './pages';
import { Sessions } from './sessions';

/** OIDC's standard scopes, in words a user understands. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'Your name and profile',
  email: 'Your email address',
  address: 'Your postal address',
  phone: 'Your phone number',
  offline_access: 'Stay connected when you are away',
};

/**
 * The pages between an authorization request and its answer: login steps, account choice and
 * consent, at `/oauth2/interaction/<id>`. Every POST must carry the interaction's CSRF token
 * and come from the browser that started it.
 */
@Controller(INTERACTION_PATH.slice(1))
export class InteractionController {
  constructor(
    private readonly interactions: Interactions,
    private readonly flow: AuthorizationFlow,
    private readonly steps: LoginSteps,
    private readonly sessions: Sessions,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly pages: PageRenderer,
    private readonly signIns: UserSignIn,
  ) {}

  @Get(':id')
  async show(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.guarded(reply, async () => {
      const interaction = await this.interactions.load(request, id);
      await this.render(interaction, request, reply);
    });
  }

  @Post(':id/login')
  async login(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.guarded(reply, async () => {
      const { interaction, form } = await this.posted(request, id);
      const entry = interaction.sessionId === null && interaction.step >= 0 ? this.steps.at(interaction.step) : undefined;
      if (!entry) return this.redirectToPage(interaction, reply);
      const context = await this.stepContext(interaction, entry.properties);
      const outcome = await entry.step.submit(context, form);
      // A later step's failure (a wrong second factor) counts toward the user's lock-out too.
      if (!outcome.ok && interaction.userId !== null) await this.signIns.failedStep(interaction.userId);
      if (!outcome.ok) return this.send(reply, entry.step.page ?? 'login-step', interaction, await entry.step.render(context, outcome.error, form));
      // A later step confirms the user an earlier one identified; it never switches users.
      if (interaction.userId !== null && outcome.userId !== interaction.userId) throw new InteractionGone();
      const amr = [...new Set([...(interaction.amr ?? []), ...outcome.amr])];
      // The sign-in satisfies what the last step that named an acr vouched for (a later step without one keeps it).
      const acr = outcome.acr ?? interaction.acr ?? undefined;
      if (interaction.step + 1 < this.steps.count) {
        await this.interactions.advance(interaction, { step: interaction.step + 1, userId: outcome.userId, amr, acr: acr ?? null });
        return this.redirectToPage(interaction, reply);
      }
      if (this.steps.count > 1) await this.signIns.completed(outcome.userId);
      // One statement claims the interaction for this session: a form posted twice signs in once.
      const session = await this.sessions.start(request, reply, outcome.userId, amr, acr, this.interactions.claimStep(interaction));
      Object.assign(interaction, { sessionId: session.id, userId: outcome.userId, amr });
      const user = await this.users.findById(outcome.userId);
      await this.flow.proceed(interaction, user ? { session, user } : undefined, reply);
    });
  }

  @Post(':id/select')
  async select(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.guarded(reply, async () => {
      const { interaction, form } = await this.posted(request, id);
      if (interaction.step !== -1) return this.redirectToPage(interaction, reply);
      const current = await this.flow.liveSession(request);
      if (form.account === 'current' && current) {
        await this.interactions.advance(interaction, { step: 0, sessionId: current.session.id });
        return this.flow.proceed(interaction, current, reply);
      }
      await this.interactions.advance(interaction, { step: 0 });
      return this.redirectToPage(interaction, reply);
    });
  }

  @Post(':id/consent')
  async consent(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.guarded(reply, async () => {
      const { interaction, form } = await this.posted(request, id);
      const current = await this.flow.liveSession(request);
      if (interaction.sessionId === null || current?.session.id !== interaction.sessionId) throw new InteractionGone();
      if (form.decision === 'deny') return this.flow.deny(interaction, reply);
      if (form.decision !== 'approve') return this.redirectToPage(interaction, reply);
      await this.flow.rememberConsent(current.user.id, interaction);
      return this.flow.proceed(interaction, current, reply, true);
    });
  }

  /** The page of the interaction's current stage: account choice, a login step, or consent. */
  private async render(interaction: InteractionEntity, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const client = await this.clients.findForAuthentication(interaction.clientId);
    if (!client) throw new InteractionGone();
    const base = `${INTERACTION_PATH}/${interaction.id}`;
    const lang = interaction.request.uiLocales.join(' ');
    if (interaction.sessionId === null && interaction.step === -1) {
      const current = await this.flow.liveSession(request);
      if (current) {
        const html = this.pages.selectAccount({ action: `${base}/select`, csrf: interaction.csrf, clientName: client.name, accounts: [{ sessionRef: 'current', username: current.user.username }] }, { lang });
        return this.send(reply, 'select-account', interaction, html);
      }
      await this.interactions.advance(interaction, { step: 0 });
    }
    if (interaction.sessionId === null) {
      const entry = this.steps.at(interaction.step);
      if (!entry) throw new InteractionGone();
      return this.send(reply, entry.step.page ?? 'login-step', interaction, await entry.step.render(await this.stepContext(interaction, entry.properties)));
    }
    const current = await this.flow.liveSession(request);
    if (current?.session.id !== interaction.sessionId) throw new InteractionGone();
    const scopes = [...interaction.request.scopes.map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })), ...individualClaims(interaction.request)];
    const html = this.pages.consent({ action: `${base}/consent`, csrf: interaction.csrf, clientName: client.name, username: current.user.username, scopes }, { lang });
    return this.send(reply, 'consent', interaction, html);
  }

  private async stepContext(interaction: InteractionEntity, properties: Readonly<Record<string, unknown>>): Promise<LoginStepContext> {
    const client = await this.clients.findForAuthentication(interaction.clientId);
    if (!client) throw new InteractionGone();
    return {
      client,
      request: interaction.request,
      userId: interaction.userId ?? undefined,
      action: `${INTERACTION_PATH}/${interaction.id}/login`,
      csrf: interaction.csrf,
      properties,
      last: interaction.step + 1 >= this.steps.count,
    };
  }

  /** The interaction of this browser and the posted form, whose CSRF token must be the interaction's. */
  private async posted(request: FastifyRequest, id: string): Promise<{ interaction: InteractionEntity; form: Record<string, string> }> {
    const interaction = await this.interactions.load(request, id);
    const form = authorizationParams(request.body);
    if (!this.interactions.csrfMatches(interaction, form.csrf)) throw new InteractionGone();
    return { interaction, form };
  }

  /**
   * A page of the interaction. Its forms may be answered, through redirects, at the client's
   * redirect URI: CSP form-action must allow that target too.
   */
  private send(reply: FastifyReply, kind: PageKind, interaction: InteractionEntity, html: string): void {
    void reply.status(200).headers(this.pages.headers(kind, { formTargets: [interaction.request.redirectUri] })).send(html);
  }

  private redirectToPage(interaction: InteractionEntity, reply: FastifyReply): void {
    void reply.status(303).headers({ Location: `${INTERACTION_PATH}/${interaction.id}`, 'Cache-Control': 'no-store' }).send();
  }

  private async guarded(reply: FastifyReply, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.flow.fail(error, undefined, reply);
    }
  }
}
