import { Injectable } from '@nestjs/common';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { IssuerContext } from '../common/issuer-context';
import { storable } from '../common/storable';
import { KeysSettings } from '../config/config.schema';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { nowSeconds } from '../database/columns';
import { insertStep } from '../database/repository-steps';
import { SecurityService } from '../security/security.service';
import { EncryptionKey, encryptionKeyStatus, EncryptionKeyStatus, encryptionSealContext } from './encryption-key.entity';
import { EncryptionKeyMaterial, generateEncryptionKeyMaterial, KeyEncryptionAlg, MAX_ENCRYPTION_RSA_BITS } from './encryption-key-material';
import { AlsoForKey, KeyFacts } from './key-facts';
import { KeyMaterialError } from './key-material';

/** What operators see of an encryption key: never private material. */
export interface EncryptionKeyView {
  kid: string;
  use: 'enc';
  alg: KeyEncryptionAlg;
  kty: string;
  status: EncryptionKeyStatus;
  source: 'generated';
  created_at: number;
  retire_at: number | null;
}

/** The DELETE of a key found nothing: nothing of its atomic write stays. */
class NoSuchKey extends Error {}

/** Generation, rotation and deletion of the keys grantry decrypts with (CLI, admin API). */
@Injectable()
export class EncryptionKeysService {
  constructor(
    @InjectRepository(EncryptionKey) private readonly repo: Repository<EncryptionKey>,
    private readonly writer: AtomicWriter,
    private readonly security: SecurityService,
    private readonly settings: KeysSettings,
    private readonly context: IssuerContext,
  ) {}

  async list(): Promise<EncryptionKeyView[]> {
    const keys = await this.repo.find({ where: { tenant: this.context.tenant }, order: { createdAt: 'ASC', kid: 'ASC' } });
    const now = nowSeconds();
    return keys.map((key) => toView(key, now));
  }

  /** A new key, published and decrypting at once; the others stay as they are. `also`: written with its INSERT. */
  async generate(alg: KeyEncryptionAlg = 'RSA-OAEP-256', { bits }: { bits?: number } = {}, also: AlsoForKey = () => []): Promise<EncryptionKeyView> {
    if (bits !== undefined && alg !== 'RSA-OAEP-256') throw new KeyMaterialError('--bits applies to RSA keys only');
    const key = this.row(await generateEncryptionKeyMaterial(alg, bits), nowSeconds());
    await this.writer.commit([insertStep(this.repo, key), ...also(facts(key))]);
    return toView(key, nowSeconds());
  }

  /**
   * A new key of `alg`, and — in one transaction — the grace period of the other active keys of
   * that alg: unpublished at once, they decrypt for `[keys] rotation_grace_period` seconds more.
   * An RSA key keeps the size of the keys it replaces (the largest) unless `bits` says otherwise.
   * `also`: written in that transaction.
   */
  async rotate(alg: KeyEncryptionAlg = 'RSA-OAEP-256', { bits }: { bits?: number } = {}, also: AlsoForKey = () => []): Promise<EncryptionKeyView> {
    if (bits !== undefined && alg !== 'RSA-OAEP-256') throw new KeyMaterialError('--bits applies to RSA keys only');
    const size = bits ?? (alg === 'RSA-OAEP-256' ? await this.currentRsaBits() : undefined);
    const now = nowSeconds();
    const key = this.row(await generateEncryptionKeyMaterial(alg, size), now);
    await this.writer.commit([
      {
        sql: 'UPDATE encryption_keys SET retire_at = ? WHERE tenant = ? AND alg = ? AND retire_at IS NULL',
        params: [now + this.settings.rotation_grace_period, this.context.tenant, alg],
      },
      insertStep(this.repo, key),
      ...also(facts(key)),
    ]);
    return toView(key, now);
  }

  /**
   * Gone at once: JWEs addressed to it no longer decrypt. False when there is no such key, and
   * then `also` (written with the DELETE) is not written either.
   */
  async delete(kid: string, also: readonly WriteStep[] = []): Promise<boolean> {
    if (!storable(kid, 128)) return false;
    try {
      await this.writer.commit([
        { sql: 'DELETE FROM encryption_keys WHERE tenant = ? AND kid = ?', params: [this.context.tenant, kid], expect: 'one-row', refused: () => new NoSuchKey() },
        ...also,
      ]);
      return true;
    } catch (error) {
      if (error instanceof NoSuchKey) return false;
      throw error;
    }
  }

  /**
   * The modulus size of the RSA-OAEP-256 keys a rotation replaces (the largest, when they differ:
   * a rotation never weakens), capped at today's maximum; undefined when there is none (the default).
   */
  private async currentRsaBits(): Promise<number | undefined> {
    const replaced = await this.repo.findBy({ tenant: this.context.tenant, alg: 'RSA-OAEP-256', retireAt: IsNull() });
    const sizes = replaced.map((row) => createPublicKey({ key: row.publicJwk as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails?.modulusLength ?? 0);
    return sizes.length ? Math.min(Math.max(...sizes), MAX_ENCRYPTION_RSA_BITS) : undefined;
  }

  private row(material: EncryptionKeyMaterial, now: number): EncryptionKey {
    return this.repo.create({
      kid: material.kid,
      tenant: this.context.tenant,
      alg: material.alg,
      publicJwk: material.publicJwk,
      sealedPrivateKey: this.security.box.seal(material.privateKeyPem, encryptionSealContext(material.kid)),
      source: 'generated',
      createdAt: now,
      retireAt: null,
    });
  }
}

function facts(key: EncryptionKey): KeyFacts {
  return { kid: key.kid, use: 'enc', alg: key.alg };
}

function toView(key: EncryptionKey, now: number): EncryptionKeyView {
  return {
    kid: key.kid,
    use: 'enc',
    alg: key.alg,
    kty: String(key.publicJwk.kty),
    status: encryptionKeyStatus(key, now),
    source: key.source,
    created_at: key.createdAt,
    retire_at: key.retireAt,
  };
}
