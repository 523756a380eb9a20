import { Body, Controller, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { NoStore } from '../common/no-store.decorator';
import { InitialAccessTokens, IssuedInitialAccessToken } from '../oauth/registration/initial-access-tokens';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';

/** RFC 7591 §3 initial access tokens for `POST /oauth2/register`; the token is in this answer only. */
@Controller('api/admin/v1/initial-access-tokens')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class InitialAccessTokensAdminController {
  constructor(private readonly tokens: InitialAccessTokens) {}

  /** `{expires_in?, max_uses?}` → 201 `{initial_access_token, expires_at, max_uses}`. */
  @Post()
  @NoStore()
  create(@Body() body: unknown): Promise<IssuedInitialAccessToken> {
    return this.tokens.issue(body ?? {});
  }
}
