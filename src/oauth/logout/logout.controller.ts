import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import { SecurityService } from '../../security/security.service';
import { AuthorizationPageError } from '../authorize/authorization-errors';
import { authorizationParams } from '../authorize/authorization-params';
import { deliver } from '../authorize/authorization-response';
import { AuthorizationFlow } from '../authorize/authorization-flow';
import { PageRenderer } from '../interaction/pages';
import { Sessions } from '../interaction/sessions';
import { IdTokenHints } from './id-token-hints';

interface LogoutRequest {
  client?: RegisteredClient;
  postLogoutRedirectUri?: string;
  state?: string;
  lang: string;
}

/**
 * OIDC RP-Initiated Logout 1.0 (`end_session_endpoint`). The user confirms on a page (a CSRF-
 * protected form), so a link on another site cannot sign them out; then the session ends, with
 * every grant made in it, and the browser returns to a `post_logout_redirect_uri` the client
 * registered — named by `id_token_hint` or `client_id` — or sees a signed-out page.
 */
@Controller('oauth2/logout')
export class LogoutController {
  constructor(
    private readonly sessions: Sessions,
    private readonly flow: AuthorizationFlow,
    private readonly clients: ClientsService,
    private readonly hints: IdTokenHints,
    private readonly pages: PageRenderer,
    private readonly security: SecurityService,
  ) {}

  @Get()
  async get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.guarded(reply, async () => {
      const params = authorizationParams(request.query);
      const logout = await this.validate(params);
      const current = await this.flow.liveSession(request);
      if (!current) return this.done(reply, logout);
      const action = `/oauth2/logout?${new URLSearchParams(Object.entries(params).filter(([name]) => ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'ui_locales'].includes(name)))}`;
      const html = this.pages.logout({ action, csrf: this.csrf(current.session.id), clientName: logout.client?.name }, { lang: logout.lang });
      void reply.status(200).headers(this.pages.headers('logout', { formTargets: logout.postLogoutRedirectUri ? [logout.postLogoutRedirectUri] : [] })).send(html);
    });
  }

  @Post()
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.guarded(reply, async () => {
      const params = authorizationParams(request.query);
      const form = authorizationParams(request.body);
      const logout = await this.validate({ ...params, ...form });
      const current = await this.flow.liveSession(request);
      if (current) {
        if (form.csrf !== this.csrf(current.session.id)) throw new AuthorizationPageError('invalid_request', 'The sign-out form has expired. Try again.');
        if (form.decision !== 'approve') return this.done(reply, logout);
        await this.sessions.end(reply, current.session);
      }
      this.done(reply, logout);
    });
  }

  private async validate(params: Record<string, string>): Promise<LogoutRequest> {
    const hinted = params.id_token_hint ? await this.hints.clientOf(params.id_token_hint) : undefined;
    if (params.id_token_hint && !hinted) throw new AuthorizationPageError('invalid_request', 'id_token_hint is not an ID token of this server');
    if (params.client_id && hinted && params.client_id !== hinted) throw new AuthorizationPageError('invalid_request', 'client_id does not match id_token_hint');
    const clientId = hinted ?? params.client_id;
    const client = clientId ? await this.clients.findForAuthentication(clientId) : undefined;
    if (clientId && !client) throw new AuthorizationPageError('invalid_request', 'the client is unknown');
    const uri = params.post_logout_redirect_uri;
    // Exact match among the client's registered URIs: never an open redirector.
    if (uri !== undefined && (!client || !client.postLogoutRedirectUris.includes(uri))) {
      throw new AuthorizationPageError('invalid_request', 'post_logout_redirect_uri is not registered for this client');
    }
    return { client, postLogoutRedirectUri: uri, state: params.state, lang: params.ui_locales ?? '' };
  }

  private done(reply: FastifyReply, logout: LogoutRequest): void {
    if (logout.postLogoutRedirectUri) {
      deliver(reply, this.pages, logout.postLogoutRedirectUri, 'query', { state: logout.state });
      return;
    }
    void reply.status(200).headers(this.pages.headers('logged-out')).send(this.pages.loggedOut({}, { lang: logout.lang }));
  }

  /** Tied to the session: a page from another browser, or from before a new sign-in, cannot sign this one out. */
  private csrf(sessionId: string): string {
    return this.security.keyedDigest('logout-csrf', sessionId);
  }

  private async guarded(reply: FastifyReply, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.flow.fail(error, undefined, reply);
    }
  }
}
