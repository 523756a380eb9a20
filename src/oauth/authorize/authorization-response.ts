import type { FastifyReply } from 'fastify';
import { PageRenderer } from '../interaction/pages';
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
  const target = new URL(redirectUri);
  if (mode === 'query') {
    // Appended to the registered URI's own query, which stays (RFC 6749 §3.1.2).
    for (const [name, value] of Object.entries(fields)) target.searchParams.append(name, value);
  } else {
    target.hash = new URLSearchParams(fields).toString();
  }
  void reply.status(303).headers({ Location: target.toString(), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).send();
}
