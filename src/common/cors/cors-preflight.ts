import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLIENT_REQUEST_HEADERS, CORS_ENDPOINTS, PREFLIGHT_MAX_AGE } from './cors-endpoints';
import { addVaryOrigin } from './cors-response';

/**
 * Answers every CORS preflight (an OPTIONS with `Origin` and `Access-Control-Request-Method`)
 * for every route — Nest controllers and the token endpoint's own Fastify route alike — as one
 * catch-all OPTIONS route: an `onRequest` hook would run on every request, this costs nothing
 * to any other method.
 *
 * A preflight cannot know the client yet (it carries no credentials, Fetch standard "CORS-
 * preflight request"), so on a client endpoint it answers the requested origin; the actual
 * response then carries `Access-Control-Allow-Origin` only for an origin of the client
 * (node-oidc-provider behaves the same). A path that never does CORS answers 404 as before,
 * without CORS headers, so the browser blocks the call.
 */
export function installCorsPreflight(fastify: FastifyInstance): void {
  fastify.route({ method: 'OPTIONS', url: '*', handler: preflight });
}

function preflight(request: FastifyRequest, reply: FastifyReply): void {
  const query = request.url.indexOf('?');
  const endpoint = CORS_ENDPOINTS.get(query === -1 ? request.url : request.url.slice(0, query));
  if (!endpoint) return void reply.callNotFound();
  const origin = request.headers.origin;
  const method = request.headers['access-control-request-method'];
  // RFC 9110 §9.3.7: a plain OPTIONS (no preflight) learns what the resource allows.
  if (origin === undefined || method === undefined) return void reply.status(204).header('Allow', `${endpoint.methods}, OPTIONS`).send();
  void reply.status(204).headers({ 'Access-Control-Allow-Methods': endpoint.methods, 'Access-Control-Max-Age': PREFLIGHT_MAX_AGE });
  if (endpoint.origins === 'any') {
    // Public documents: any origin, and never credentials with the wildcard (the Fetch standard forbids the pair).
    void reply.header('Access-Control-Allow-Origin', '*');
  } else {
    // No Access-Control-Allow-Credentials: these endpoints take credentials in headers and forms, never cookies.
    void reply.headers({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Headers': CLIENT_REQUEST_HEADERS });
    addVaryOrigin(reply);
  }
  void reply.send();
}
