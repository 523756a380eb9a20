import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorRenderer } from '../../common/all-exceptions.filter';
import { clientCors } from '../../common/cors/cors-response';
import { NO_STORE_HEADERS } from '../../common/no-store.decorator';
import { noteRequest, RequestFacts } from '../../observability/request-facts';
import { formRequest } from '../core/form-request';
import { TokenResponse, TokenService } from './token.service';

const TOKEN_PATH = '/oauth2/token';

/**
 * POST /oauth2/token (RFC 6749 §3.2), served as a Fastify route rather than a Nest controller:
 * it is the endpoint every token costs, and Nest's per-request router (argument factories,
 * interceptor and pipe checks, two more awaits) measured a few percent of the event loop there
 * (bench/README.md). It is the same pipeline otherwise: the `TokenService` provider decides,
 * errors render through the application's one filter, and Fastify's onResponse hook writes the
 * request line and the latency histogram as for every route.
 */
@Injectable()
export class TokenRoute {
  constructor(private readonly tokens: TokenService) {}

  install(fastify: FastifyInstance, errors: ErrorRenderer): void {
    // Route-level, so a body Fastify refuses (too large, unparsable) renders as every other error.
    const errorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply) => errors.render(error, request, reply);
    fastify.route({ method: 'POST', url: TOKEN_PATH, errorHandler, handler: (request, reply) => this.token(request, reply) });
    fastify.route({ method: 'GET', url: TOKEN_PATH, errorHandler, handler: methodNotAllowed });
  }

  private async token(request: FastifyRequest, reply: FastifyReply): Promise<TokenResponse> {
    const facts: RequestFacts = {};
    noteRequest(request, facts);
    // CORS for the authenticated client's origins; without Origin, one header lookup is all it costs.
    const response = await this.tokens.exchange(formRequest(request), facts, clientCors(request, reply));
    void reply.headers(NO_STORE_HEADERS);
    return response;
  }
}

/** RFC 6749 §3.2: the client MUST use POST; RFC 9110 §15.5.6: a 405 names what is allowed. */
function methodNotAllowed(_request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(405)
    .headers({ Allow: 'POST', 'Cache-Control': 'no-store' })
    .send({ error: 'invalid_request', error_description: 'the token endpoint accepts POST only' });
}
