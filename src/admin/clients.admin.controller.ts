import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ClientsService, ClientView, Page } from '../clients/clients.service';
import { NoStore } from '../common/no-store.decorator';
import { ClientRegistrationService } from '../oauth/registration/client-registration.service';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

@Controller('api/admin/v1/clients')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class ClientsAdminController {
  constructor(private readonly clients: ClientsService, private readonly registration: ClientRegistrationService) {}

  /** 201 with the client; `client_secret` is in this answer only. */
  @Post()
  @NoStore()
  create(@Body() body: unknown): Promise<ClientView> {
    return this.registration.create(body);
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
  update(@Param('clientId') clientId: string, @Body() body: unknown): Promise<ClientView> {
    return this.registration.update(clientId, body);
  }

  @Delete(':clientId')
  @HttpCode(204)
  async delete(@Param('clientId') clientId: string): Promise<void> {
    await this.registration.delete(clientId);
  }

  /** Issues a new secret; the old one stops working (at once here, within the cache timeout elsewhere). */
  @Post(':clientId/secret')
  @HttpCode(200)
  @NoStore()
  rotateSecret(@Param('clientId') clientId: string): Promise<ClientView> {
    return this.clients.rotateSecret(clientId);
  }
}
