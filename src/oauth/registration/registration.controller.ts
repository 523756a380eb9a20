import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { NoStore } from '../../common/no-store.decorator';
import { AuditLog } from '../../observability/audit-log';
import { noteRequest } from '../../observability/request-facts';
import { presentedAccessToken } from '../core/presented-token';
import { DynamicRegistration } from './dynamic-registration.service';

/**
 * RFC 7591 `POST /oauth2/register` and RFC 7592 `GET|PUT|DELETE /oauth2/register/{client_id}`.
 * The request line names the client once it is known: registered, or authenticated by its
 * registration access token.
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
    noteRequest(request, { client_id: registered.client_id as string });
    this.audit.clientRegistration('registered', registered.client_id as string);
    return registered;
  }

  @Get(':clientId')
  @NoStore()
  async read(@Param('clientId') clientId: string, @Req() request: FastifyRequest): Promise<Record<string, unknown>> {
    const read = await this.registration.read(clientId, bearerToken(request));
    noteRequest(request, { client_id: clientId });
    return read;
  }

  @Put(':clientId')
  @NoStore()
  async update(@Param('clientId') clientId: string, @Req() request: FastifyRequest, @Body() body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const updated = await this.registration.update(clientId, bearerToken(request), body);
    noteRequest(request, { client_id: clientId });
    this.audit.clientRegistration('updated', clientId);
    return updated;
  }

  @Delete(':clientId')
  @HttpCode(204)
  async delete(@Param('clientId') clientId: string, @Req() request: FastifyRequest): Promise<void> {
    await this.registration.delete(clientId, bearerToken(request));
    noteRequest(request, { client_id: clientId });
    this.audit.clientRegistration('deleted', clientId);
  }
}

function bearerToken(request: FastifyRequest): string {
  return presentedAccessToken(request).token;
}
