import type { FastifyInstance } from 'fastify';
import type { IssuerContext } from './issuer-context';

/**
 * Sets the request context of every route — Nest's controllers and the routes added on Fastify
 * alike — from one root `onRequest` hook: it resolves the context (`IssuerContext.forRequest`) and
 * runs the rest of the request in it. Fastify's body parser keeps it (it resumes the request in an
 * AsyncResource made in that context), so the handler of a POST whose body arrives later still
 * sees it (issuer-context.spec.ts sends one). Installed before any route is added.
 */
export function installRequestContext(fastify: FastifyInstance, issuers: IssuerContext): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const context = issuers.forRequest(request);
    // The default issuer's requests need no store (IssuerContext.current falls back to it).
    if (context === issuers.default) return done();
    issuers.run(context, done);
  });
}
