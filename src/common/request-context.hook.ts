import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { toErrorReply } from './error-response';
import type { IssuerContext } from './issuer-context';
import { OAuthError } from './oauth-error';
import { PATH_TENANT, rewriteTenantPath, tenantDomainParameter, withoutTenantDomain } from './tenant-address';

/**
 * The endpoints a browser is sent to: `?tenantDomain=` there answers a redirect to the same
 * request under `/t/{domain}`, so the pages' links, form actions and cookies are the tenant's.
 */
const BROWSER_PATHS = ['/oauth2/authorize', '/oauth2/interaction', '/oauth2/logout', '/oauth2/device'];
/** Served for the process, never for a tenant. */
const PROCESS_PATHS = ['/metrics', '/health'];

/**
 * Fastify's `rewriteUrl`: the router sees every path without its `/t/{domain}` prefix, so each
 * route serves every tenant; the domain stays on the raw request for the hook below.
 */
export function tenantPathRewriter(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const rewritten = rewriteTenantPath(url);
  if (rewritten.domain === undefined) return url;
  (request as IncomingMessage & { [PATH_TENANT]?: string })[PATH_TENANT] = rewritten.domain;
  return rewritten.url;
}

/**
 * Sets the request context of every route — Nest's controllers and the routes added on Fastify
 * alike — from one root `onRequest` hook: it finds the tenant the request names (a `/t/{domain}`
 * path or `?tenantDomain=`), resolves its context (`IssuerContext.forDomain`) and runs the rest
 * of the request in it. Fastify's body parser keeps it (it resumes the request in an
 * AsyncResource made in that context), so the handler of a POST whose body arrives later still
 * sees it (issuer-context.spec.ts sends one). Installed before any route is added.
 *
 * A request of the default path that names no tenant does no lookup and carries no store
 * (`IssuerContext.current` falls back to the default issuer): today's deployments pay nothing.
 */
export function installRequestContext(fastify: FastifyInstance, issuers: IssuerContext): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const byPath = (request.raw as IncomingMessage & { [PATH_TENANT]?: string })[PATH_TENANT];
    const byParameter = tenantDomainParameter(request.url);
    if (byPath === undefined && byParameter.domain === undefined && !byParameter.repeated) return done();
    const refused = refusal(request, byPath, byParameter);
    if (refused) return void sendError(request, reply, refused);
    const domain = (byPath ?? byParameter.domain) as string;
    issuers.forDomain(domain).then(
      (context) => {
        if (byPath === undefined && context !== issuers.default && isBrowserPath(request.url)) {
          // 303 for a page a browser fetched; 307 keeps a posted form's method and body.
          const status = request.method === 'GET' || request.method === 'HEAD' ? 303 : 307;
          return void reply.code(status).header('location', `${issuers.default.issuer}${context.pathPrefix}${withoutTenantDomain(request.url)}`).send();
        }
        if (context === issuers.default) return done();
        issuers.run(context, done);
      },
      (error: unknown) => sendError(request, reply, error),
    );
  });
}

/** What makes the tenant a request names unusable before any lookup. */
function refusal(request: FastifyRequest, byPath: string | undefined, byParameter: { domain?: string; repeated?: true }): OAuthError | undefined {
  if (byParameter.repeated) return OAuthError.invalidRequest('tenantDomain is repeated with different values');
  if (byParameter.domain === '') return OAuthError.invalidRequest('tenantDomain is empty');
  if (byPath !== undefined && byParameter.domain !== undefined && byPath !== byParameter.domain) {
    return OAuthError.invalidRequest('the path and tenantDomain name different tenants');
  }
  if (byPath !== undefined && PROCESS_PATHS.some((path) => startsWithPath(request.url, path))) {
    return new OAuthError('not_found', `${request.url.split('?')[0]} is served for the server, not for a tenant`, 404);
  }
  return undefined;
}

function isBrowserPath(url: string): boolean {
  return BROWSER_PATHS.some((path) => startsWithPath(url, path));
}

function startsWithPath(url: string, path: string): boolean {
  return url.startsWith(path) && (url.length === path.length || url[path.length] === '/' || url[path.length] === '?');
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const answer = toErrorReply(error, { method: request.method, url: request.url });
  void reply.code(answer.status).headers(answer.headers).send(answer.body);
}
