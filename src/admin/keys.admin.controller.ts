import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { Actor, keyEvent } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { OAuthError } from '../common/oauth-error';
import { IssuerContext } from '../common/issuer-context';
import { SigningAlg } from '../config/config.schema';
import { isKeyEncryptionAlg, KEY_ENCRYPTION_ALGS, KeyEncryptionAlg } from '../keys/encryption-key-material';
import { EncryptionKeysService, EncryptionKeyView } from '../keys/encryption-keys.service';
import { AlsoForKey } from '../keys/key-facts';
import { KeyRing } from '../keys/key-ring';
import { isSigningAlg } from '../keys/key-material';
import { KeyView, SigningKeysService } from '../keys/signing-keys.service';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

type AnyKeyView = KeyView | EncryptionKeyView;
type KeyBody = { use?: unknown; alg?: unknown } | undefined;

/** Signing (`use: "sig"`) and encryption (`use: "enc"`) keys: public facts only; private material never leaves the server. */
@Controller('api/admin/v1/keys')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class KeysAdminController {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly encryptionKeys: EncryptionKeysService,
    private readonly keyRing: KeyRing,
    private readonly context: IssuerContext,
    private readonly audit: AuditTrail,
  ) {}

  @Get()
  async list(@Query() query: { limit?: string; offset?: string }): Promise<{ items: AnyKeyView[]; total: number }> {
    const { limit, offset } = parsePaging(query);
    const all = await this.all();
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  @Get(':kid')
  async get(@Param('kid') kid: string): Promise<AnyKeyView> {
    const key = (await this.all()).find((k) => k.kid === kid);
    if (!key) throw OAuthError.notFound(`no key with kid ${kid}`);
    return key;
  }

  /**
   * A new key: `{"use": "enc", "alg": "RSA-OAEP-256"}` adds an encryption key, published at once;
   * `{"use": "sig", "alg": ...}` a signing key, published ahead of use (active when it is the first of its alg).
   */
  @Post()
  async generate(@Body() body: KeyBody, @AdminActor() actor: Actor): Promise<AnyKeyView> {
    const audited = this.audited('key.generated', actor);
    const key = useOf(body) === 'enc'
      ? await this.encryptionKeys.generate(encryptionAlg(body?.alg), {}, audited)
      : await this.keys.generate(signingAlg(body?.alg) ?? this.context.settings.token.signing_alg, {}, audited);
    await this.keyRing.refresh();
    return key;
  }

  /**
   * Activates a new key of `alg` (default: `[oauth.token] signing_alg`); the old one stays in the JWKS for the grace period.
   * With `"use": "enc"`: a new encryption key of `alg`; the others of that alg leave the JWKS and decrypt for the grace period.
   */
  @Post('rotate')
  async rotate(@Body() body: KeyBody, @AdminActor() actor: Actor): Promise<AnyKeyView> {
    const audited = this.audited('key.rotated', actor);
    const key = useOf(body) === 'enc' ? await this.encryptionKeys.rotate(encryptionAlg(body?.alg), {}, audited) : await this.keys.rotate(signingAlg(body?.alg), audited);
    await this.keyRing.refresh();
    return key;
  }

  /** Encryption keys only: a signing key leaves by rotation, so tokens it signed keep verifying. */
  @Delete(':kid')
  @HttpCode(204)
  async delete(@Param('kid') kid: string, @AdminActor() actor: Actor): Promise<void> {
    if (!(await this.encryptionKeys.delete(kid, [this.audit.step({ event: 'key.deleted', actor, target: kid, details: { use: 'enc' } })]))) {
      if ((await this.keys.list()).some((key) => key.kid === kid)) throw OAuthError.invalidRequest('signing keys are retired by rotation, not deleted');
      throw OAuthError.notFound(`no key with kid ${kid}`);
    }
    await this.keyRing.refresh();
  }

  /** The audit row of a new key, committed with the key. */
  private audited(event: 'key.generated' | 'key.rotated', actor: Actor): AlsoForKey {
    return (key) => [this.audit.step(keyEvent(event, actor, key))];
  }

  private async all(): Promise<AnyKeyView[]> {
    return [...(await this.keys.list()), ...(await this.encryptionKeys.list())];
  }
}

function useOf(body: KeyBody): 'sig' | 'enc' {
  const use = body?.use;
  if (use !== undefined && use !== 'sig' && use !== 'enc') throw OAuthError.invalidRequest('use must be "sig" or "enc"');
  return use ?? 'sig';
}

function signingAlg(alg: unknown): SigningAlg | undefined {
  if (alg !== undefined && (typeof alg !== 'string' || !isSigningAlg(alg))) {
    throw OAuthError.invalidRequest('alg must be one of RS256, PS256, ES256, EdDSA');
  }
  return alg;
}

function encryptionAlg(alg: unknown): KeyEncryptionAlg | undefined {
  if (alg !== undefined && !isKeyEncryptionAlg(alg)) throw OAuthError.invalidRequest(`alg of an encryption key must be one of ${KEY_ENCRYPTION_ALGS.join(', ')}`);
  return alg;
}
