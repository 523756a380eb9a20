import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { extractAccessToken, formAccessToken, isExtractionFailure, tokenCarriers, type TokenRequestLike } from '../common/access-token-extractor';
import { AccessTokenVerifier } from './access-token.verifier';
import { clientCertificateThumbprint } from './client-certificate';
import { BearerTokenError } from './bearer-token.error';
import { PRINCIPAL_PROPERTY, REQUIRED_SCOPES, SKIP_ACCESS_TOKEN } from './decorators';
import { DpopRequestProof, type ProvedRequestLike } from './dpop-request-proof';

/** What the guard touches of a response, the same on Fastify and Express. */
interface ResponseLike {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

/**
 * RFC 6750 bearer-token guard: verifies the `Authorization: Bearer` access token (see
 * AccessTokenVerifier), checks the scopes `@RequiredScopes` names, and puts the principal on the
 * request (`@AccessTokenPrincipal()`). Refusals carry the §3 `WWW-Authenticate` challenge. With
 * the `dpop` option it takes `Authorization: DPoP` too (RFC 9449 §7): a DPoP-bound token with a
 * proof of the request, whose jti is used last, once the token and its scopes passed. The
 * token is taken by the token extractor grantry's own endpoints use: only the Authorization header
 * is read — a token in the query or a form body is not, and beside the header it is a second method
 * (400 invalid_request, RFC 6750 §2); a repeated Authorization header is malformed (invalid_token).
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly dpop?: DpopRequestProof;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly reflector: Reflector,
  ) {
    const dpop = verifier.dpopOptions;
    if (dpop) this.dpop = new DpopRequestProof(verifier.realm, dpop);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(SKIP_ACCESS_TOKEN, targets)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<TokenRequestLike & ProvedRequestLike & Record<string, unknown>>();
    try {
      const presented = extractAccessToken(tokenCarriers(request, formAccessToken(request)), { schemes: this.dpop ? ['Bearer', 'DPoP'] : ['Bearer'] });
      if (isExtractionFailure(presented)) throw BearerTokenError.of(presented, this.verifier.realm);
      const proven = presented.scheme === 'DPoP' ? await this.dpop!.check(request, presented.token) : undefined;
      const principal = await this.verifier.verify(presented.token, { dpop: proven, certificateThumbprint: clientCertificateThumbprint(request, this.verifier.clientCertificateHeader) });
      const required = this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, targets) ?? [];
      const missing = required.filter((scope) => !principal.scopes.includes(scope));
      if (missing.length) throw BearerTokenError.insufficientScope(this.verifier.realm, [...new Set(required)], missing);
      await proven?.use();
      request[PRINCIPAL_PROPERTY] = principal;
      return true;
    } catch (caught) {
      const error = caught instanceof BearerTokenError && this.dpop ? caught.alsoDpop(this.dpop.algs) : caught;
      if (error instanceof BearerTokenError) {
        const response = http.getResponse<ResponseLike>();
        if (error.challenge) setHeader(response, 'WWW-Authenticate', error.challenge);
        setHeader(response, 'Cache-Control', 'no-store');
      }
      throw error;
    }
  }
}

/** Fastify's reply has header(); Express's response and Node's have setHeader(). */
function setHeader(response: ResponseLike, name: string, value: string): void {
  if (typeof response.header === 'function') response.header(name, value);
  else response.setHeader?.(name, value);
}
