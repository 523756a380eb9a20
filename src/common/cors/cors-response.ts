import { applyDecorators, Header } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a client endpoint knows of a client for CORS (`RegisteredClient.corsOrigins`, computed when the client is loaded). */
export interface CorsClient {
  readonly corsOrigins: ReadonlySet<string>;
}

/**
 * For a request with `Origin`: what to call once the request's client is known (it sets the
 * CORS headers of the answer). Undefined without `Origin` — a server calling, not a browser — so
 * such a request pays one header lookup and nothing else.
 */
export function clientCors(request: FastifyRequest, reply: FastifyReply, exposeHeaders?: string): ((client: CorsClient) => void) | undefined {
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  return (client) => allowClientOrigin(reply, origin, client.corsOrigins, exposeHeaders);
}

/**
 * The actual response of a client endpoint (token, revocation, userinfo) to a request that
 * carried `Origin`, once the client is known: `Access-Control-Allow-Origin` only when the origin
 * is one of the client's (`RegisteredClient.corsOrigins`, a precomputed set), else nothing and the
 * browser withholds the answer from the page. Set as soon as the client is known, so an error
 * after that point is readable by the client's own page too. Never with credentials.
 */
function allowClientOrigin(reply: FastifyReply, origin: string, allowed: ReadonlySet<string>, exposeHeaders?: string): void {
  // The answer depends on Origin either way; a cache must not give one origin's answer to another.
  addVaryOrigin(reply);
  if (!allowed.has(origin)) return;
  void reply.header('Access-Control-Allow-Origin', origin);
  if (exposeHeaders) void reply.header('Access-Control-Expose-Headers', exposeHeaders);
}

/** Adds `Origin` to the response's Vary (keeping what is there). */
export function addVaryOrigin(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  if (vary === undefined) void reply.header('Vary', 'Origin');
  else if (!String(vary).split(',').some((name) => name.trim().toLowerCase() === 'origin')) void reply.header('Vary', `${String(vary)}, Origin`);
}

/** A public document (discovery, JWKS) readable by browser code of every origin; `*` carries no credentials. */
export function AnyOrigin(): MethodDecorator {
  return applyDecorators(Header('Access-Control-Allow-Origin', '*'));
}
