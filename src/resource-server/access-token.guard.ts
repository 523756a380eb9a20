import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessTokenVerifier } from './access-token.verifier';
import { BearerTokenError } from './bearer-token.error';
import { PRINCIPAL_PROPERTY, REQUIRED_SCOPES, SKIP_ACCESS_TOKEN } from './decorators';

/** RFC 6750 §2.1: `Bearer` and a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** What the guard touches of a request and a response, the same on Fastify and Express. */
type HeaderBag = Record<string, string | string[] | undefined> | { get(name: string): string | null };
interface ResponseLike {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

/**
 * RFC 6750 bearer-token guard: verifies the `Authorization: Bearer` access token (see
 * AccessTokenVerifier), checks the scopes `@RequiredScopes` names, and puts the principal on the
 * request (`@AccessTokenPrincipal()`). Refusals carry the §3 `WWW-Authenticate` challenge. Only
 * the Authorization header is read: tokens in query strings or form bodies are not accepted.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(SKIP_ACCESS_TOKEN, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers?: HeaderBag } & Record<string, unknown>>();
    try {
      const header = authorizationHeader(request.headers);
      // §3.1: no credentials, or those of another scheme: a challenge without an error code.
      if (header === undefined || !/^Bearer(\s|$)/i.test(header)) throw BearerTokenError.missing(this.verifier.realm);
      const match = BEARER.exec(header);
      if (!match) throw BearerTokenError.invalidToken(this.verifier.realm, 'the Authorization header is not a well-formed bearer token');
      const principal = await this.verifier.verify(match[1]);
      const required = this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, targets) ?? [];
      const missing = required.filter((scope) => !principal.scopes.includes(scope));
      if (missing.length) throw BearerTokenError.insufficientScope(this.verifier.realm, [...new Set(required)], missing);
      request[PRINCIPAL_PROPERTY] = principal;
      return true;
    } catch (error) {
      if (error instanceof BearerTokenError) {
        const response = http.getResponse<ResponseLike>();
        if (error.challenge) setHeader(response, 'WWW-Authenticate', error.challenge);
        setHeader(response, 'Cache-Control', 'no-store');
      }
      throw error;
    }
  }
}

function authorizationHeader(headers: HeaderBag | undefined): string | undefined {
  if (!headers) return undefined;
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get('authorization') ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>).authorization;
  return Array.isArray(value) ? value[0] : value;
}

/** Fastify's reply has header(); Express's response and Node's have setHeader(). */
function setHeader(response: ResponseLike, name: string, value: string): void {
  if (typeof response.header === 'function') response.header(name, value);
  else response.setHeader?.(name, value);
}
