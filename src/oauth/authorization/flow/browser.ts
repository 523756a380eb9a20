/**
 * What the authorization flow knows of the browser — the secrets its cookies carry, whether it
 * posted a form — and where it leaves the cookies to change. The HTTP layer
 * (`authorization/http/browser-cookies.ts`) fills it from the request and writes `changes` onto
 * the response, whatever the answer (an error after a sign-in still signs the browser in).
 */
export interface Browser {
  /** The session cookie's secret, if the browser sent one. */
  readonly sessionSecret?: string;
  /** The interaction binding cookie's secret, if the browser sent one. */
  readonly binding?: string;
  /** Whether the request is a POST: an answer to an origin CSP form-action cannot name then needs a page (see `deliver`). */
  readonly posted: boolean;
  readonly changes: CookieChanges;
}

export interface CookieChanges {
  /** A new session's secret; null: the session cookie is cleared (sign-out). */
  session?: string | null;
  /** A new interaction binding. */
  binding?: string;
}
