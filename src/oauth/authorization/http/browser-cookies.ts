import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IssuerContext } from '../../../common/issuer-context';
import { LoginSettings } from '../../../config/config.schema';
import type { Browser, CookieChanges } from '../flow/browser';
import type { Answer } from '../response/answer';
import { cookieName, readCookie, setCookie } from './cookies';

const SESSION_COOKIE = 'grantry_session';
const BINDING_COOKIE = 'grantry_interaction';

/**
 * The one place that reads and writes the browser endpoints' cookies and speaks Fastify. The
 * session cookie holds the session's secret; over https it is `__Host-`, `Secure` and
 * `SameSite=None`, so a `form_post` round trip and a `prompt=none` request from a relying
 * party's page still carry it; over plain http (development) `SameSite=Lax`. The forms' CSRF
 * tokens, not SameSite, protect the sign-in and consent forms. The interaction binding cookie is
 * `Lax`: the interaction pages are top-level navigations and same-site posts of grantry's forms.
 * A tenant's cookies carry its domain in their names (`cookieName`); the stores look sessions
 * and interactions up by (tenant, secret or id), so a cookie copied under another tenant's name
 * finds nothing there either.
 */
@Injectable()
export class BrowserCookies {
  constructor(
    private readonly context: IssuerContext,
    private readonly settings: LoginSettings,
  ) {}

  private get secure(): boolean {
    return this.context.issuer.startsWith('https://');
  }

  /** A cookie's name for the issuer serving: the default tenant's as always, another tenant's carrying its domain. */
  private name(cookie: string): string {
    const current = this.context.current;
    return cookieName(cookie, this.secure, current === this.context.default ? undefined : current.tenant);
  }

  /** The browser as the flow sees it: its cookies' secrets, whether it posted; no changes yet. */
  read(request: FastifyRequest): Browser {
    return {
      sessionSecret: readCookie(request, this.name(SESSION_COOKIE)),
      binding: readCookie(request, this.name(BINDING_COOKIE)),
      posted: request.method === 'POST',
      changes: {},
    };
  }

  /**
   * Runs `flow` for the browser of `request` and sends its answer. The cookies the flow changed
   * are set even when it fails on (an error after a sign-in still signs the browser in).
   */
  async answer(request: FastifyRequest, reply: FastifyReply, flow: (browser: Browser) => Promise<Answer>): Promise<void> {
    const browser = this.read(request);
    let answer: Answer;
    try {
      answer = await flow(browser);
    } finally {
      this.write(reply, browser.changes);
    }
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  }

  private write(reply: FastifyReply, changes: CookieChanges): void {
    if (changes.binding !== undefined) setCookie(reply, this.name(BINDING_COOKIE), changes.binding, { secure: this.secure, sameSite: 'Lax' });
    if (changes.session !== undefined) {
      const sameSite = this.secure ? 'None' : 'Lax';
      const name = this.name(SESSION_COOKIE);
      if (changes.session === null) setCookie(reply, name, '', { secure: this.secure, sameSite, maxAge: 0 });
      else setCookie(reply, name, changes.session, { secure: this.secure, sameSite, maxAge: this.settings.session_ttl });
    }
  }
}
