import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put } from '@nestjs/common';
import { NoStore } from '../../common/no-store.decorator';
import { AuditLog } from '../../observability/audit-log';
import { DynamicRegistration } from './dynamic-registration.service';

/**
 * RFC 7591 `POST /oauth2/register` and RFC 7592 `GET|PUT|DELETE /oauth2/register/{client_id}`.
 * Bodies reach here as JSON objects (RegistrationBodyHook refuses anything else in RFC terms).
 */
@Controller('oauth2/register')
export class RegistrationController {
  constructor(private readonly registration: DynamicRegistration, private readonly audit: AuditLog) {}

  @Post()
  @HttpCode(201)
  @NoStore()
  async register(@Headers('authorization') authorization: string | undefined, @Body() body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const registered = await this.registration.register(authorization, body);
    this.audit.clientRegistration('registered', registered.client_id as string);
    return registered;
  }

  @Get(':clientId')
  @NoStore()
  read(@Param('clientId') clientId: string, @Headers('authorization') authorization: string | undefined): Promise<Record<string, unknown>> {
    return this.registration.read(clientId, authorization);
  }

  @Put(':clientId')
  @NoStore()
  async update(@Param('clientId') clientId: string, @Headers('authorization') authorization: string | undefined, @Body() body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const updated = await this.registration.update(clientId, authorization, body);
    this.audit.clientRegistration('updated', clientId);
    return updated;
  }

  @Delete(':clientId')
  @HttpCode(204)
  async delete(@Param('clientId') clientId: string, @Headers('authorization') authorization: string | undefined): Promise<void> {
    await this.registration.delete(clientId, authorization);
    this.audit.clientRegistration('deleted', clientId);
  }
}
