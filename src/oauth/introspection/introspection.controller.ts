import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { clientEndpointCall } from '../core/client-endpoint-call';
import type { RegisteredClient } from '../../clients/registered-client';
import { acceptsIntrospectionJwt, INTROSPECTION_JWT_TYPE, IntrospectionJwt } from './introspection-jwt';
import { IntrospectionResponse, IntrospectionService } from './introspection.service';

/** POST /oauth2/introspect (RFC 7662 §2). */
@Controller('oauth2/introspect')
export class IntrospectionController {
  constructor(
    private readonly introspection: IntrospectionService,
    private readonly jwt: IntrospectionJwt,
  ) {}

  @Post()
  @HttpCode(200)
  @NoStore()
  async introspect(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<IntrospectionResponse | string> {
    // Not a CORS endpoint: resource servers call it, never a browser.
    const call = clientEndpointCall(request, reply, { cors: false });
    if (!acceptsIntrospectionJwt(request.headers.accept)) return this.introspection.introspect(call.request, call.onClient);
    // RFC 9701 §4: the answer as a JWT for the authenticated caller (errors stay RFC 6749 JSON).
    let caller: RegisteredClient | undefined;
    const answer = await this.introspection.introspect(call.request, (client) => {
      caller = client;
      call.onClient(client);
    });
    const jwt = await this.jwt.of(caller!, answer);
    reply.header('content-type', INTROSPECTION_JWT_TYPE);
    return jwt;
  }
}
