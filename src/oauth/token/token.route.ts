import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorRenderer } from '../../common/all-exceptions.filter';
import { NO_STORE_HEADERS } from '../../common/no-store.decorator';
import { clientEndpointCall } from '../core/client-endpoint-call';
import { DpopProofs } from '../dpop/dpop-proofs';
import { TokenResponse, TokenService } from './token.service';

const TOKEN_PATH = '/oauth2/token';

/**
 * POST /oauth2/token (RFC 6749 §3.2), served as a Fastify route rather than a Nest controller:
 * it is the endpoint every token costs, and over five alternated rounds of ../shared/perf/compare
 * a Nest controller's RS256 tokens reached 0.82 of the ceiling against this route's 1.02 (median
 * per round; bench/README.md). It is the same pipeline otherwise: the `TokenService` provider
 * decides, errors render through the application's one filter, and what crosses every route lives
 * in Fastify hooks and tables that serve this one too — the request context and the request line
 * (app.factory.ts), CORS preflight, the 405 of other methods (common/post-only-endpoints.ts);
 * test/client-endpoints.e2e-spec.ts holds it to the Nest-served client endpoints.
 */
@Injectable()
export class TokenRoute {
  constructor(
    private readonly tokens: TokenService,
    private readonly dpop: DpopProofs,
  ) {}

  install(fastify: FastifyInstance, errors: ErrorRenderer): void {
    // Route-level, so a body Fastify refuses (too large, unparsable) renders as every other error.
    const errorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply) => errors.render(error, request, reply);
    fastify.route({ method: 'POST', url: TOKEN_PATH, errorHandler, handler: (request, reply) => this.token(request, reply) });
  }

  private async token(request: FastifyRequest, reply: FastifyReply): Promise<TokenResponse> {
    const call = clientEndpointCall(request, reply, { cors: true });
    const response = await this.tokens.exchange(call.request, call.facts, call.onClient);
    void reply.headers(NO_STORE_HEADERS);
    // RFC 9449 §8.2: with nonces required, a DPoP client gets the next one with every answer.
    if (request.headers.dpop !== undefined && this.dpop.nonceRequired) void reply.header('DPoP-Nonce', this.dpop.currentNonce());
    return response;
  }
}
