import type { FastifyReply } from 'fastify';
import { formActionSource, PageRenderer } from '../interaction/pages';
import type { ResponseMode } from './authorization-request';

/**
 * Delivers an authorization response (or error) to the client's redirect URI in its response
 * mode: the query (code), the fragment (tokens), or an auto-submitting form (OAuth 2.0 Form
 * Post Response Mode). `iss` is always included (RFC 9207), `state` when the request had one.
 */
export function deliver(reply: FastifyReply, pages: PageRenderer, redirectUri: string, mode: ResponseMode, params: Record<string, string | undefined>): void {
  const fields = Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
  if (mode === 'form_post') {
    void reply.status(200).headers(pages.headers('form-post', { formTargets: [redirectUri] })).send(pages.formPost({ action: redirectUri, fields }));
    return;
  }
  const encoded = new URLSearchParams(fields).toString();
  // Appended to the registered string as it is: its own query stays byte for byte (RFC 6749 §3.1.2).
  // Nothing to add (a sign-out without state) leaves the URI exactly as registered, without a bare `?`.
  const location = encoded === '' ? redirectUri : mode === 'query' ? `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${encoded}` : `${redirectUri}#${encoded}`;
  // The answer to a form of grantry's pages, to an origin their CSP form-action cannot name (an
  // IPv6 literal): a redirect would be blocked (see PageHeaderOptions), so a page takes the browser on.
  if (reply.request.method === 'POST' && formActionSource(redirectUri) === undefined) {
    void reply.status(200).headers(pages.headers('continue')).send(pages.continueTo({ location }));
    return;
  }
  void reply.status(303).headers({ Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).send();
}
