import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { clientEndpointCall } from '../core/client-endpoint-call';
import { IntrospectionResponse, IntrospectionService } from './introspection.service';

/** POST /oauth2/introspect (RFC 7662 §2). */
@Controller('oauth2/introspect')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @Post()
  @HttpCode(200)
  @NoStore()
  introspect(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<IntrospectionResponse> {
    // Not a CORS endpoint: resource servers call it, never a browser.
    const call = clientEndpointCall(request, reply, { cors: false });
    return this.introspection.introspect(call.request, call.onClient);
  }
}
