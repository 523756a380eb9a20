import type { FastifyInstance, FastifyReply } from 'fastify';
import { NO_STORE_HEADERS } from './no-store.decorator';

/**
 * The endpoints that take POST only — RFC 6749 §3.2 (token), RFC 7662 §2.1 (introspection),
 * RFC 7009 §2.1 (revocation), RFC 7591 §3.1 (registration), RFC 9126 §2 (PAR) — with what their 405 calls them.
 */
export const POST_ONLY_ENDPOINTS: ReadonlyMap<string, string> = new Map([
  ['/oauth2/token', 'the token endpoint'],
  ['/oauth2/introspect', 'the introspection endpoint'],
  ['/oauth2/revoke', 'the revocation endpoint'],
  ['/oauth2/par', 'the pushed authorization request endpoint'],
  ['/oauth2/register', 'the registration endpoint'],
]);

/** Methods that get the 405; OPTIONS stays the CORS preflight's (cors-preflight.ts), HEAD follows GET. */
const REFUSED_METHODS = ['GET', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * One answer, at the Fastify level, to any other method on those endpoints — whether a Fastify
 * route (token) or a Nest controller serves their POST: `405` with `Allow: POST` (RFC 9110
 * §15.5.6), uncacheable like every answer of theirs, and an RFC 6749 §5.2 error body.
 */
export function installPostOnly(fastify: FastifyInstance): void {
  for (const [path, name] of POST_ONLY_ENDPOINTS) {
    fastify.route({ method: [...REFUSED_METHODS], url: path, handler: (_request, reply) => methodNotAllowed(reply, name) });
  }
}

function methodNotAllowed(reply: FastifyReply, name: string): void {
  void reply
    .status(405)
    .headers({ Allow: 'POST', ...NO_STORE_HEADERS })
    .send({ error: 'invalid_request', error_description: `${name} accepts POST only` });
}
