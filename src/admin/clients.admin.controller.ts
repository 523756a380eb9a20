import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { Actor } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { ClientsService, ClientView, Page } from '../clients/clients.service';
import { NoStore } from '../common/no-store.decorator';
import { ClientRegistrationService } from '../oauth/registration/client-registration.service';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

@Controller('api/admin/v1/clients')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class ClientsAdminController {
  constructor(
    private readonly clients: ClientsService,
    private readonly registration: ClientRegistrationService,
    private readonly audit: AuditTrail,
  ) {}

  /** 201 with the client; `client_secret` is in this answer only. */
  @Post()
  @NoStore()
  create(@Body() body: unknown, @AdminActor() actor: Actor): Promise<ClientView> {
    return this.registration.create(body, actor);
  }

  @Get()
  list(@Query() query: { limit?: string; offset?: string }): Promise<Page<ClientView>> {
    const { limit, offset } = parsePaging(query);
    return this.clients.list(limit, offset);
  }

  @Get(':clientId')
  get(@Param('clientId') clientId: string): Promise<ClientView> {
    return this.clients.get(clientId);
  }

  @Patch(':clientId')
  @NoStore()
  update(@Param('clientId') clientId: string, @Body() body: unknown, @AdminActor() actor: Actor): Promise<ClientView> {
    return this.registration.update(clientId, body, actor);
  }

  @Delete(':clientId')
  @HttpCode(204)
  async delete(@Param('clientId') clientId: string, @AdminActor() actor: Actor): Promise<void> {
    await this.registration.delete(clientId, actor);
  }

  /** Issues a new secret; the old one stops working (at once here, within the cache timeout elsewhere). */
  @Post(':clientId/secret')
  @HttpCode(200)
  @NoStore()
  async rotateSecret(@Param('clientId') clientId: string, @AdminActor() actor: Actor): Promise<ClientView> {
    const rotated = await this.clients.rotateSecret(clientId);
    // After the UPDATE, not with it: ClientsService.rotateSecret does not hand out write steps yet.
    await this.audit.recordAfter({ event: 'client.secret_rotated', actor, clientId, target: clientId });
    return rotated;
  }
}
