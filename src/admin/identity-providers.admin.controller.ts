import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { parseIdentityProviderInput } from '../identity-providers/identity-provider-input';
import { IdentityProvidersService, IdentityProviderView } from '../identity-providers/identity-providers.service';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

/** Trusted issuers of JWT bearer grant assertions. */
@Controller('api/admin/v1/identity-providers')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class IdentityProvidersAdminController {
  constructor(private readonly providers: IdentityProvidersService) {}

  @Post()
  create(@Body() body: unknown): Promise<IdentityProviderView> {
    return this.providers.create(parseIdentityProviderInput(body));
  }

  @Get()
  list(@Query() query: { limit?: string; offset?: string }): Promise<{ items: IdentityProviderView[]; total: number }> {
    const { limit, offset } = parsePaging(query);
    return this.providers.list(limit, offset);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<IdentityProviderView> {
    return this.providers.get(id);
  }

  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown): Promise<IdentityProviderView> {
    return this.providers.update(id, parseIdentityProviderInput(body, await this.providers.input(id)));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.providers.delete(id);
  }
}
