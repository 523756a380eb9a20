import { formActionSource, PageRenderer } from '../pages';
import type { Answer } from './answer';

/** The ways a response travels; a JWT response (JARM) travels one of them as its `response` parameter. */
export type DeliveryMode = 'query' | 'fragment' | 'form_post';

/**
 * An authorization response (or error) for the client's redirect URI in its response mode: the
 * query (code), the fragment (tokens), or an auto-submitting form (OAuth 2.0 Form Post Response
 * Mode). `iss` is always included (RFC 9207), `state` when the request had one. `posted`: the
 * browser's request was a POST (a form of grantry's pages, or a POSTed authorization request).
 */
export function deliver(pages: PageRenderer, redirectUri: string, mode: DeliveryMode, params: Record<string, string | undefined>, posted: boolean): Answer {
  const fields = Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
  if (mode === 'form_post') {
    return { status: 200, headers: pages.headers('form-post', { formTargets: [redirectUri] }), body: pages.formPost({ action: redirectUri, fields }) };
  }
  const encoded = new URLSearchParams(fields).toString();
  // Appended to the registered string as it is: its own query stays byte for byte (RFC 6749 §3.1.2).
  // Nothing to add (a sign-out without state) leaves the URI exactly as registered, without a bare `?`.
  const location = encoded === '' ? redirectUri : mode === 'query' ? `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${encoded}` : `${redirectUri}#${encoded}`;
  // The answer to a form of grantry's pages, to an origin their CSP form-action cannot name (an
  // IPv6 literal): a redirect would be blocked (see PageHeaderOptions), so a page takes the browser on.
  if (posted && formActionSource(redirectUri) === undefined) {
    return { status: 200, headers: pages.headers('continue'), body: pages.continueTo({ location }) };
  }
  return { status: 303, headers: { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } };
}
