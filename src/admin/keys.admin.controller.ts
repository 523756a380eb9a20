import { Body, Controller, Get, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { OAuthError } from '../common/oauth-error';
import { KeyRing } from '../keys/key-ring';
import { isSigningAlg } from '../keys/key-material';
import { KeyView, SigningKeysService } from '../keys/signing-keys.service';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

/** Signing keys: public facts only; private material never leaves the server. */
@Controller('api/admin/v1/keys')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class KeysAdminController {
  constructor(private readonly keys: SigningKeysService, private readonly keyRing: KeyRing) {}

  @Get()
  async list(@Query() query: { limit?: string; offset?: string }): Promise<{ items: KeyView[]; total: number }> {
    const { limit, offset } = parsePaging(query);
    const all = await this.keys.list();
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  @Get(':kid')
  async get(@Param('kid') kid: string): Promise<KeyView> {
    const key = (await this.keys.list()).find((k) => k.kid === kid);
    if (!key) throw OAuthError.notFound(`no signing key with kid ${kid}`);
    return key;
  }

  /** Activates a new key of `alg` (default: `[oauth.token] signing_alg`); the old one stays in the JWKS for the grace period. */
  @Post('rotate')
  async rotate(@Body() body: { alg?: unknown } | undefined): Promise<KeyView> {
    const alg = body?.alg;
    if (alg !== undefined && (typeof alg !== 'string' || !isSigningAlg(alg))) {
      throw OAuthError.invalidRequest('alg must be one of RS256, PS256, ES256, EdDSA');
    }
    const key = await this.keys.rotate(alg);
    await this.keyRing.refresh();
    return key;
  }
}
