import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientsService } from '../../clients/clients.service';
import { IssuerContext } from '../../common/issuer-context';
import type { RegisteredClient } from '../../clients/registered-client';
import { SecurityService } from '../../security/security.service';
import type { Browser } from '../authorization/flow/browser';
import { BrowserCookies } from '../authorization/http/browser-cookies';
import { PageRenderer } from '../authorization/pages';
import { AuthorizationPageError } from '../authorization/request/authorization-errors';
import { authorizationParams } from '../authorization/request/authorization-params';
import { IdTokenHints } from '../authorization/request/id-token-hints';
import type { Answer } from '../authorization/response/answer';
import { Responder } from '../authorization/response/responder';
import { LiveSessions } from '../authorization/session/live-sessions';
import { Sessions } from '../authorization/session/sessions';

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
 * registered — named by `id_token_hint` or `client_id` — or sees a signed-out page. It ends the
 * serving tenant's session only (its cookie, looked up by tenant), and takes only that tenant's
 * ID tokens as hints (its issuer, its keys).
 */
@Controller('oauth2/logout')
export class LogoutController {
  constructor(
    private readonly sessions: Sessions,
    private readonly liveSessions: LiveSessions,
    private readonly cookies: BrowserCookies,
    private readonly clients: ClientsService,
    private readonly hints: IdTokenHints,
    private readonly pages: PageRenderer,
    private readonly responder: Responder,
    private readonly security: SecurityService,
    private readonly issuers: IssuerContext,
  ) {}

  @Get()
  async get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.cookies.answer(request, reply, (browser) =>
      this.guarded(browser, async () => {
        const params = authorizationParams(request.query);
        const logout = await this.validate(params);
        const current = await this.liveSessions.current(browser.sessionSecret);
        if (!current) return this.done(browser, logout);
        // The tenant's own endpoint: its session cookie is sent, and found, only there.
        const action = `${this.issuers.current.pathPrefix}/oauth2/logout?${new URLSearchParams(Object.entries(params).filter(([name]) => ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state', 'ui_locales'].includes(name)))}`;
        const html = this.pages.logout({ action, csrf: this.csrf(current.session.id), clientName: logout.client?.name }, { lang: logout.lang });
        return this.responder.page('logout', html, logout.postLogoutRedirectUri ? [logout.postLogoutRedirectUri] : []);
      }),
    );
  }

  @Post()
  async post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.cookies.answer(request, reply, (browser) =>
      this.guarded(browser, async () => {
        const params = authorizationParams(request.query);
        const form = authorizationParams(request.body);
        const logout = await this.validate({ ...params, ...form });
        const current = await this.liveSessions.current(browser.sessionSecret);
        if (current) {
          if (form.csrf !== this.csrf(current.session.id)) throw new AuthorizationPageError('invalid_request', 'The sign-out form has expired. Try again.');
          if (form.decision !== 'approve') return this.done(browser, logout);
          await this.sessions.end(current.session);
          browser.changes.session = null;
        }
        return this.done(browser, logout);
      }),
    );
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

  private done(browser: Browser, logout: LogoutRequest): Answer {
    if (logout.postLogoutRedirectUri) return this.responder.redirect(logout.postLogoutRedirectUri, 'query', { state: logout.state }, browser.posted);
    return this.responder.page('logged-out', this.pages.loggedOut({}, { lang: logout.lang }));
  }

  /** Tied to the session: a page from another browser, or from before a new sign-in, cannot sign this one out. */
  private csrf(sessionId: string): string {
    return this.security.keyedDigest('logout-csrf', sessionId);
  }

  private async guarded(browser: Browser, run: () => Promise<Answer>): Promise<Answer> {
    try {
      return await run();
    } catch (error) {
      return this.responder.failure(error, undefined, browser.posted);
    }
  }
}
