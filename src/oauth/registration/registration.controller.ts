import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { AuditLog } from '../../observability/audit-log';
import { presentedAccessToken } from '../core/presented-token';
import { DynamicRegistration } from './dynamic-registration.service';

/**
 * RFC 7591 `POST /oauth2/register` and RFC 7592 `GET|PUT|DELETE /oauth2/register/{client_id}`.
 * Bodies reach here as JSON objects (RegistrationBodyHook refuses anything else in RFC terms).
 * The initial access token (RFC 7591 §3) and the registration access token (RFC 7592 §3) are
 * bearer tokens (RFC 6750 §2.1), taken by the token extractor every protected endpoint uses;
 * registration asks for its token only when it is not open.
 */
@Controller('oauth2/register')
export class RegistrationController {
  constructor(private readonly registration: DynamicRegistration, private readonly audit: AuditLog) {}

  @Post()
  @HttpCode(201)
  @NoStore()
  async register(@Req() request: FastifyRequest, @Body() body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const registered = await this.registration.register(() => bearerToken(request), body);
    this.audit.clientRegistration('registered', registered.client_id as string);
    return registered;
  }

  @Get(':clientId')
  @NoStore()
  read(@Param('clientId') clientId: string, @Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    return this.registration.read(clientId, bearerToken(request));
  }

  @Put(':clientId')
  @NoStore()
  async update(@Param('clientId') clientId: string, @Req() request: FastifyRequest, @Body() body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const updated = await this.registration.update(clientId, bearerToken(request), body);
    this.audit.clientRegistration('updated', clientId);
    return updated;
  }

  @Delete(':clientId')
  @HttpCode(204)
  async delete(@Param('clientId') clientId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.registration.delete(clientId, bearerToken(request));
    this.audit.clientRegistration('deleted', clientId);
  }
}

function bearerToken(request: FastifyRequest): string {
  return presentedAccessToken(request).token;
}
