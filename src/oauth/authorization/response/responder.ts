import { Injectable } from '@nestjs/common';
import { IssuerContext } from '../../../common/issuer-context';
import { errorDescriptionText, OAuthError } from '../../../common/oauth-error';
import { PageKind, PageRenderer } from '../pages';
import { AuthorizationPageError } from '../request/authorization-errors';
import type { ErrorDestination } from '../request/authorization-request';
import type { Answer } from './answer';
import { deliver, DeliveryMode } from './authorization-response';
import { JwtResponses } from './jwt-response';

/** The answers of the browser endpoints: at the client's redirect URI (with `iss`), grantry's pages, error pages. */
@Injectable()
export class Responder {
  constructor(
    private readonly pages: PageRenderer,
    private readonly context: IssuerContext,
    private readonly jwtResponses: JwtResponses,
  ) {}

  /**
   * The authorization response at the redirect URI, with `state` and `iss` (RFC 9207) — or, in a
   * JWT response mode (JARM §2.3), those parameters as one signed (perhaps encrypted) `response`.
   * A client whose registration cannot be served a JWT (no key of its alg, unusable encryption
   * keys) gets an error page: the answer cannot reach it as it asked.
   */
  async atRedirectUri(destination: ErrorDestination, params: Record<string, string | undefined>, posted: boolean): Promise<Answer> {
    const fields = { ...params, state: destination.state, iss: this.context.issuer };
    const mode = destination.responseMode;
    if (!mode.endsWith('.jwt')) return deliver(this.pages, destination.redirectUri, mode as DeliveryMode, fields, posted);
    let response: string;
    try {
      response = await this.jwtResponses.response(destination.clientId, definedOnly(fields));
    } catch (error) {
      if (!(error instanceof OAuthError) || error.status >= 500) throw error;
      return this.errorPage(error.code, error.description);
    }
    return deliver(this.pages, destination.redirectUri, mode.slice(0, -'.jwt'.length) as DeliveryMode, { response }, posted);
  }

  /** A redirect without `iss` (a sign-out's return to the client). */
  redirect(uri: string, mode: DeliveryMode, params: Record<string, string | undefined>, posted: boolean): Answer {
    return deliver(this.pages, uri, mode, params, posted);
  }

  /**
   * A page of grantry's. Its forms may be answered, through redirects, at `formTargets` (the
   * client's redirect URI): CSP form-action must allow them too.
   */
  page(kind: PageKind, html: string, formTargets: string[] = []): Answer {
    return { status: 200, headers: this.pages.headers(kind, { formTargets }), body: html };
  }

  /**
   * Before the redirect URI is known (or when it is the problem): an error page. After: the error
   * at the redirect URI, with state and iss. Anything else is not the browser's mistake: thrown on.
   */
  async failure(error: unknown, destination: ErrorDestination | undefined, posted: boolean): Promise<Answer> {
    if (error instanceof AuthorizationPageError) return this.errorPage(error.error, error.description);
    if (error instanceof OAuthError && destination && error.status !== 401) {
      return this.atRedirectUri(destination, { error: error.code, error_description: errorDescriptionText(error.description) }, posted);
    }
    throw error;
  }

  private errorPage(error: string, description: string): Answer {
    return { status: 400, headers: this.pages.headers('error'), body: this.pages.error({ error, description }) };
  }
}

function definedOnly(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
