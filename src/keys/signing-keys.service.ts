import { Injectable, Logger } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import { InjectRepository } from '@nestjs/typeorm';
import { readFileSync } from 'node:fs';
import { Repository } from 'typeorm';
import { GrantryConfig, KeysSettings, SigningAlg } from '../config/config.schema';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { nowSeconds, sqlBoolean } from '../database/columns';
import { insertStep } from '../database/repository-steps';
import { SecurityService } from '../security/security.service';
import { AlsoForKey } from './key-facts';
import { describeKey, generateKeyMaterial, KeyMaterial, KeyMaterialError, parsePemPrivateKey } from './key-material';
import { readPkcs12PrivateKey } from './pkcs12';
import { KeySource, keyStatus, sealContext, SigningKey } from './signing-key.entity';

/** What operators see of a key: never private material. */
export interface KeyView {
  kid: string;
  /** RFC 7517 §4.2: signing keys are `sig`; encryption keys (`EncryptionKeyView`) `enc`. */
  use: 'sig';
  alg: SigningAlg;
  kty: string;
  status: ReturnType<typeof keyStatus>;
  source: KeySource;
  created_at: number;
  retire_at: number | null;
}

export interface ImportKeyOptions {
  file: Buffer;
  password?: string;
  alias?: string;
  alg?: SigningAlg;
  activate?: boolean;
}

/** Generation, import, activation and rotation of signing keys (CLI, admin API, start-up). */
@Injectable()
export class SigningKeysService {
  private readonly logger = new Logger(SigningKeysService.name);

  constructor(
    @InjectRepository(SigningKey) private readonly repo: Repository<SigningKey>,
    private readonly writer: AtomicWriter,
    private readonly security: SecurityService,
    private readonly settings: KeysSettings,
    private readonly config: GrantryConfig,
    private readonly context: IssuerContext,
  ) {}

  async list(): Promise<KeyView[]> {
    const keys = await this.repo.find({ where: { tenant: this.context.tenant }, order: { createdAt: 'ASC', kid: 'ASC' } });
    const now = nowSeconds();
    return keys.map((key) => toView(key, now));
  }

  /** A new key; active when asked or when it is the first of its alg. `also`: see `AlsoForKey`. */
  async generate(alg: SigningAlg, { bits, activate = false }: { bits?: number; activate?: boolean } = {}, also?: AlsoForKey): Promise<KeyView> {
    if (bits !== undefined && !alg.match(/^(RS|PS)/)) throw new KeyMaterialError('--bits applies to RSA keys only');
    return this.store(await generateKeyMaterial(alg, bits), 'generated', activate, also);
  }

  /** A PEM (PKCS#8, PKCS#1, SEC1; encrypted or not) or PKCS#12 private key. `also`: see `AlsoForKey`. */
  async importKey(options: ImportKeyOptions, also?: AlsoForKey): Promise<KeyView> {
    return this.store(await readKeyFile(options), 'imported', options.activate ?? false, also);
  }

  /** Activates a new key for `alg`; the previous one stays in the JWKS for the grace period. `also`: see `AlsoForKey`. */
  async rotate(alg: SigningAlg = this.context.settings.token.signing_alg, also?: AlsoForKey): Promise<KeyView> {
    return this.generate(alg, { activate: true }, also);
  }

  /**
   * At server start: the `[keystore]` key when one is configured (imported once and made
   * active), else the active key of `[oauth.token] signing_alg`, generated if there is none.
   */
  async ensureSigningKey(): Promise<void> {
    const keystore = this.config.keystore;
    if (keystore) {
      const file = readFileSync(keystore.file);
      const material = await readKeyFile({ file, password: keystore.password, alias: keystore.alias, alg: keystore.alg });
      // This tenant's row only: the same key held by another tenant (kids are thumbprints, unique
      // server-wide) is not this one's to activate; store() then refuses it, naming the kid.
      const existing = await this.repo.findOneBy({ kid: material.kid, tenant: this.context.tenant });
      if (!existing) {
        await this.store(material, 'keystore', true);
        this.logger.log(`imported signing key ${material.kid} (${material.alg}) from ${keystore.file}`);
      } else if (!existing.active) {
        await this.writer.commit(this.activationSteps(existing.kid, existing.alg));
      }
      return;
    }
    const alg = this.context.settings.token.signing_alg;
    if (await this.repo.existsBy({ tenant: this.context.tenant, alg, active: true })) return;
    const key = await this.generate(alg, { activate: true });
    this.logger.warn(`generated a ${alg} signing key (${key.kid}); configure [keystore] to use your own`);
  }

  /**
   * A new tenant's first signing key, active, as the step of the caller's atomic write that creates
   * the tenant: a tenant never exists without a key to sign with. Generated, as the default
   * tenant's first start does without `[keystore]` (that key is the deployment's own: one tenant's).
   * The tenant is named, not read from the context: the tenant does not exist until the write commits.
   */
  async firstKeyStepFor(tenant: string, alg: SigningAlg): Promise<{ kid: string; step: WriteStep }> {
    const material = await generateKeyMaterial(alg);
    const key = this.repo.create({
      kid: material.kid,
      tenant,
      alg: material.alg,
      publicJwk: material.publicJwk,
      sealedPrivateKey: this.security.box.seal(material.privateKeyPem, sealContext(material.kid)),
      active: true,
      source: 'generated',
      createdAt: nowSeconds(),
      retireAt: null,
    });
    return { kid: key.kid, step: insertStep(this.repo, key) };
  }

  /** The key's INSERT, its activation when due and the caller's `also`: one atomic write. */
  private async store(material: KeyMaterial, source: KeySource, activate: boolean, also: AlsoForKey = () => []): Promise<KeyView> {
    const duplicate = () => new KeyMaterialError(`this key is already in the key store (kid ${material.kid})`);
    if (await this.repo.existsBy({ kid: material.kid })) throw duplicate();
    const first = !(await this.repo.existsBy({ tenant: this.context.tenant, alg: material.alg, active: true }));
    const key = this.repo.create({
      kid: material.kid,
      tenant: this.context.tenant,
      alg: material.alg,
      publicJwk: material.publicJwk,
      sealedPrivateKey: this.security.box.seal(material.privateKeyPem, sealContext(material.kid)),
      active: false,
      source,
      createdAt: nowSeconds(),
      retireAt: null,
    });
    // The check above answers the usual duplicate; the INSERT's own refusal, the same file imported concurrently.
    await this.writer.commit([
      insertStep(this.repo, key, { expect: 'new-key', refused: duplicate }),
      ...(activate || first ? this.activationSteps(key.kid, key.alg) : []),
      ...also({ kid: key.kid, use: 'sig', alg: key.alg }),
    ]);
    return toView((await this.repo.findOneByOrFail({ kid: key.kid })), nowSeconds());
  }

  /** For one atomic write: the previous active key of the alg starts its grace period, this one signs. */
  private activationSteps(kid: string, alg: SigningAlg): WriteStep[] {
    return [
      {
        sql: 'UPDATE signing_keys SET active = ?, retire_at = ? WHERE tenant = ? AND alg = ? AND active = ?',
        params: [sqlBoolean(false), nowSeconds() + this.settings.rotation_grace_period, this.context.tenant, alg, sqlBoolean(true)],
      },
      { sql: 'UPDATE signing_keys SET active = ?, retire_at = NULL WHERE kid = ? AND tenant = ?', params: [sqlBoolean(true), kid, this.context.tenant] },
    ];
  }
}

async function readKeyFile({ file, password, alias, alg }: ImportKeyOptions): Promise<KeyMaterial> {
  const text = file.toString('utf8');
  const privateKey = text.includes('-----BEGIN')
    ? parsePemPrivateKey(text, password)
    : readPkcs12PrivateKey(file, password, alias);
  return describeKey(privateKey, alg);
}

function toView(key: SigningKey, now: number): KeyView {
  return {
    kid: key.kid,
    use: 'sig',
    alg: key.alg,
    kty: String(key.publicJwk.kty),
    status: keyStatus(key, now),
    source: key.source,
    created_at: key.createdAt,
    retire_at: key.retireAt,
  };
}
