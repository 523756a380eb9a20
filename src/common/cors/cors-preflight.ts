import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLIENT_REQUEST_HEADERS, CORS_ENDPOINTS, CorsEndpoint, PREFLIGHT_MAX_AGE } from './cors-endpoints';
import { addVaryOrigin } from './cors-response';
import { originProblem } from './serialised-origin';

/**
 * Answers the CORS preflight (an OPTIONS with `Origin` and `Access-Control-Request-Method`) of
 * every route, from one table and one handler at the Fastify level — so the token endpoint's own
 * Fastify route is served like the Nest controllers (a Nest-level CORS would miss it). An OPTIONS
 * route per CORS endpoint rather than an `onRequest` hook: a hook would run on every request,
 * this costs nothing to any other method. Every other path keeps its 404 to OPTIONS, without CORS
 * headers, so the browser blocks the call.
 *
 * A preflight cannot know the client yet (it carries no credentials, Fetch standard "CORS-
 * preflight request"), so on a client endpoint it answers the requested origin when it is a
 * well-formed web origin (`originProblem`: never `null`); the actual response then carries
 * `Access-Control-Allow-Origin` only for an origin of the client (node-oidc-provider behaves the same).
 */
export function installCorsPreflight(fastify: FastifyInstance): void {
  for (const [path, endpoint] of CORS_ENDPOINTS) {
    fastify.route({ method: 'OPTIONS', url: path, handler: (request, reply) => preflight(endpoint, request, reply) });
  }
}

function preflight(endpoint: CorsEndpoint, request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  // RFC 9110 §9.3.7: a plain OPTIONS (no preflight) learns what the resource allows.
  if (origin === undefined || request.headers['access-control-request-method'] === undefined) {
    return void reply.status(204).header('Allow', `${endpoint.methods}, OPTIONS`).send();
  }
  if (endpoint.origins !== 'any' && originProblem(origin) !== undefined) {
    // `null` or malformed: no client can have registered it (the same rule, less https), so no CORS
    // headers — reflecting `null` would tell every sandboxed or file: page it may call.
    addVaryOrigin(reply);
    return void reply.status(204).header('Allow', `${endpoint.methods}, OPTIONS`).send();
  }
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
