import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorRenderer } from '../../common/all-exceptions.filter';
import { NO_STORE_HEADERS } from '../../common/no-store.decorator';
import type { RegisteredClient } from '../../clients/registered-client';
import { clientEndpointCall } from '../core/client-endpoint-call';
import { acceptsIntrospectionJwt, INTROSPECTION_JWT_TYPE, IntrospectionJwt } from './introspection-jwt';
import { IntrospectionResponse, IntrospectionService } from './introspection.service';

const INTROSPECTION_PATH = '/oauth2/introspect';

/**
 * POST /oauth2/introspect (RFC 7662 §2), served as a Fastify route rather than a Nest controller,
 * as the token endpoint is (token.route.ts, and why): a resource server asks it for every request
 * it serves with an opaque token. The same pipeline otherwise: `IntrospectionService` decides,
 * errors render through the application's one filter, and the request context, the request line
 * and the 405 of other methods come from the Fastify hooks that serve every route. Not a CORS
 * endpoint: resource servers call it, never a browser.
 */
@Injectable()
export class IntrospectionRoute {
  constructor(
    private readonly introspection: IntrospectionService,
    private readonly jwt: IntrospectionJwt,
  ) {}

  install(fastify: FastifyInstance, errors: ErrorRenderer): void {
    const errorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply) => errors.render(error, request, reply);
    fastify.route({ method: 'POST', url: INTROSPECTION_PATH, errorHandler, handler: (request, reply) => this.introspect(request, reply) });
  }

  private async introspect(request: FastifyRequest, reply: FastifyReply): Promise<IntrospectionResponse | string> {
    const call = clientEndpointCall(request, reply, { cors: false });
    void reply.headers(NO_STORE_HEADERS);
    if (!acceptsIntrospectionJwt(request.headers.accept)) return this.introspection.introspect(call.request, call.onClient);
    // RFC 9701 §4: the answer as a JWT for the authenticated caller (errors stay RFC 6749 JSON).
    let caller: RegisteredClient | undefined;
    const answer = await this.introspection.introspect(call.request, (client) => {
      caller = client;
      call.onClient(client);
    });
    const jwt = await this.jwt.of(caller!, answer);
    void reply.header('content-type', INTROSPECTION_JWT_TYPE);
    return jwt;
  }
}
