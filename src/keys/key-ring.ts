import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import { InjectRepository } from '@nestjs/typeorm';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { Repository } from 'typeorm';
import { KeysSettings, SigningAlg } from '../config/config.schema';
import { nowSeconds } from '../database/columns';
import { SecurityService } from '../security/security.service';
import { DecryptionKeys } from './decryption-keys';
import { JwsSigner } from './jws-signer';
import { groupByTenant } from './tenant-rows';
import { keyStatus, sealContext, SigningKey } from './signing-key.entity';


export interface VerificationKey {
  alg: SigningAlg;
  key: CryptoKey;
}

interface Snapshot {
  fingerprint: string;
  signers: Map<SigningAlg, JwsSigner>;
  verifiers: Map<string, VerificationKey>;
  jwks: { keys: JWK[] };
}

/**
 * The keys in memory: the signer per alg, the public keys that verify grantry's own tokens,
 * and the JWKS document (signing keys with `use: "sig"`, then the encryption keys of
 * `DecryptionKeys` with `use: "enc"`). One snapshot per tenant, read for the issuer serving the
 * request. Keys are imported once, not per request. A timer picks up keys rotated elsewhere (the
 * CLI, another instance) within `[keys] refresh_interval` seconds.
 */
@Injectable()
export class KeyRing implements OnApplicationShutdown {
  private readonly logger = new Logger(KeyRing.name);
  private snapshots = new Map<string, Snapshot>();
  private timer?: NodeJS.Timeout;
  private imported = new Map<string, { signer: JwsSigner; verifier: CryptoKey }>();
  private lastRefresh = 0;

  constructor(
    @InjectRepository(SigningKey) private readonly repo: Repository<SigningKey>,
    private readonly security: SecurityService,
    private readonly settings: KeysSettings,
    private readonly context: IssuerContext,
    private readonly decryption: DecryptionKeys,
  ) {
    // A tenant created elsewhere (the CLI, another instance) serves with its keys from its first request.
    context.onTenantContext(async (tenant) => {
      if (!this.snapshots.has(tenant.tenant)) await this.refresh();
    });
  }

  /** The default issuer's keys are in memory (the server signs nothing before). */
  get loaded(): boolean {
    return this.snapshots.has(this.context.default.tenant);
  }

  /** The keys of the issuer serving the request. */
  private get snapshot(): Snapshot | undefined {
    return this.snapshots.get(this.context.tenant);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((error) => this.logger.error(`key refresh failed: ${(error as Error).message}`));
    }, this.settings.refresh_interval * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The key that signs `alg` now; undefined when the deployment has none for it. */
  signer(alg: SigningAlg): JwsSigner | undefined {
    return this.snapshot?.signers.get(alg);
  }

  verificationKey(kid: string): VerificationKey | undefined {
    return this.snapshot?.verifiers.get(kid);
  }

  get jwks(): { keys: JWK[] } {
    return this.snapshot?.jwks ?? { keys: [] };
  }

  get signingAlgs(): SigningAlg[] {
    return [...(this.snapshot?.signers.keys() ?? [])];
  }

  /**
   * For a token whose kid we do not know: reload, but at most once a second, so that
   * requests with made-up kids cannot turn into a query each.
   */
  async refreshForUnknownKid(): Promise<void> {
    if (Date.now() - this.lastRefresh >= 1000) await this.refresh();
  }

  /**
   * Reloads every tenant's keys from the database (signing and encryption keys); cheap when
   * nothing changed (a handful of rows, no crypto). The default issuer always has a snapshot.
   */
  async refresh(): Promise<void> {
    this.lastRefresh = Date.now();
    await this.decryption.refresh();
    const now = nowSeconds();
    const rows = (await this.repo.find())
      .filter((key) => keyStatus(key, now) !== 'retired')
      // Newest first: if two instances both generated a first key, every instance picks the same one.
      .sort((a, b) => b.createdAt - a.createdAt || a.kid.localeCompare(b.kid));
    const byTenant = groupByTenant(rows);
    const tenants = new Set([this.context.default.tenant, ...byTenant.keys(), ...this.decryption.tenants]);
    const snapshots = new Map<string, Snapshot>();
    for (const tenant of tenants) snapshots.set(tenant, await this.rebuild(tenant, byTenant.get(tenant) ?? []));
    this.snapshots = snapshots;
    // Keys no tenant holds any more leave memory.
    const held = new Set(rows.map((row) => importKey(row)));
    for (const key of this.imported.keys()) if (!held.has(key)) this.imported.delete(key);
  }

  /** One tenant's snapshot from its rows: the previous one when nothing changed. */
  private async rebuild(tenant: string, rows: readonly SigningKey[]): Promise<Snapshot> {
    const fingerprint = `${rows.map((key) => `${key.kid}:${key.active}:${key.retireAt}`).join(',')}|${this.decryption.fingerprintOf(tenant)}`;
    const previous = this.snapshots.get(tenant);
    if (fingerprint === previous?.fingerprint) return previous;
    const signers = new Map<SigningAlg, JwsSigner>();
    const verifiers = new Map<string, VerificationKey>();
    for (const row of rows) {
      const keys = await this.importKeys(row);
      verifiers.set(row.kid, { alg: row.alg, key: keys.verifier });
      if (row.active && !signers.has(row.alg)) signers.set(row.alg, keys.signer);
    }
    return { fingerprint, signers, verifiers, jwks: { keys: [...rows.map((row) => row.publicJwk), ...this.decryption.publishedOf(tenant)] } };
  }

  private async importKeys(row: SigningKey): Promise<{ signer: JwsSigner; verifier: CryptoKey }> {
    const cacheKey = importKey(row);
    let keys = this.imported.get(cacheKey);
    if (!keys) {
      const pem = this.security.box.open(row.sealedPrivateKey, sealContext(row.kid));
      keys = { signer: new JwsSigner(row.kid, row.alg, pem), verifier: (await importJWK(row.publicJwk, row.alg)) as CryptoKey };
      this.imported.set(cacheKey, keys);
    }
    return keys;
  }
}

/** What an imported key is kept under: a kid names one key, with the alg it was stored for. */
function importKey(row: SigningKey): string {
  return `${row.kid}:${row.alg}`;
}
