import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AccessTokenPrincipal as Principal } from '../oauth/tokens/access-token-verification';

export const REQUIRED_SCOPES = 'grantry:required-scopes';
export const SKIP_ACCESS_TOKEN = 'grantry:skip-access-token';

/** The property of the request where the guard puts the principal. */
export const PRINCIPAL_PROPERTY = 'accessTokenPrincipal';

/** RFC 6749 §3.3 scope-token: no space, quote or backslash. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Scopes the access token must carry, all of them; on a controller and a handler both sets
 * apply. A token without one is answered `403 insufficient_scope` (RFC 6750 §3.1).
 */
export function RequiredScopes(...scopes: string[]): MethodDecorator & ClassDecorator {
  const bad = scopes.filter((scope) => !SCOPE_TOKEN.test(scope));
  if (bad.length) throw new Error(`@RequiredScopes: not a scope token: ${JSON.stringify(bad)}`);
  return SetMetadata(REQUIRED_SCOPES, scopes);
}

/** Exempts a handler or controller from a global AccessTokenGuard (`globalGuard: true`). */
export const SkipAccessToken = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_ACCESS_TOKEN, true);

/** Who and what the verified access token speaks for. */
export type AccessTokenPrincipal = Principal;

/** The verified token's principal, as a handler parameter: `@AccessTokenPrincipal() principal: AccessTokenPrincipal`. */
export const AccessTokenPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal | undefined => principalOf(context.switchToHttp().getRequest()),
);

/** The principal the guard put on a request (Fastify, Express, or any object it saw). */
export function principalOf(request: unknown): Principal | undefined {
  return (request as Record<string, Principal | undefined> | undefined)?.[PRINCIPAL_PROPERTY];
}
