import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { formRequest } from '../core/form-request';
import { IntrospectionResponse, IntrospectionService } from './introspection.service';

/** POST /oauth2/introspect (RFC 7662 §2). */
@Controller('oauth2/introspect')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @Post()
  @HttpCode(200)
  @NoStore()
  introspect(@Req() request: FastifyRequest): Promise<IntrospectionResponse> {
    return this.introspection.introspect(formRequest(request));
  }
}
