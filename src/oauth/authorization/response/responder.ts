import { Injectable } from '@nestjs/common';
import { IssuerContext } from '../../../common/issuer-context';
import { errorDescriptionText, OAuthError } from '../../../common/oauth-error';
import { PageKind, PageRenderer } from '../pages';
import { AuthorizationPageError } from '../request/authorization-errors';
import type { ErrorDestination, ResponseMode } from '../request/authorization-request';
import type { Answer } from './answer';
import { deliver } from './authorization-response';

/** The answers of the browser endpoints: at the client's redirect URI (with `iss`), grantry's pages, error pages. */
@Injectable()
export class Responder {
  constructor(
    private readonly pages: PageRenderer,
    private readonly context: IssuerContext,
  ) {}

  /** The authorization response at the redirect URI, with `state` and `iss` (RFC 9207). */
  atRedirectUri(destination: ErrorDestination, params: Record<string, string | undefined>, posted: boolean): Answer {
    return deliver(this.pages, destination.redirectUri, destination.responseMode, { ...params, state: destination.state, iss: this.context.issuer }, posted);
  }

  /** A redirect without `iss` (a sign-out's return to the client). */
  redirect(uri: string, mode: ResponseMode, params: Record<string, string | undefined>, posted: boolean): Answer {
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
  failure(error: unknown, destination: ErrorDestination | undefined, posted: boolean): Answer {
    if (error instanceof AuthorizationPageError) {
      return { status: 400, headers: this.pages.headers('error'), body: this.pages.error({ error: error.error, description: error.description }) };
    }
    if (error instanceof OAuthError && destination && error.status !== 401) {
      return this.atRedirectUri(destination, { error: error.code, error_description: errorDescriptionText(error.description) }, posted);
    }
    throw error;
  }
}
