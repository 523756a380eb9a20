import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { Repository } from 'typeorm';
import { IssuerContext } from '../common/issuer-context';
import { nowSeconds } from '../database/columns';
import { groupByTenant } from './tenant-rows';
import { SecurityService } from '../security/security.service';
import { EncryptionKey, encryptionKeyStatus, encryptionSealContext } from './encryption-key.entity';
import { MAX_ENCRYPTION_RSA_BITS, type KeyEncryptionAlg } from './encryption-key-material';

export interface DecryptionKey {
  kid: string;
  alg: KeyEncryptionAlg;
  key: KeyObject;
}

interface Snapshot {
  fingerprint: string;
  byKid: Map<string, DecryptionKey>;
  published: JWK[];
}

const NO_KEYS: Snapshot = Object.freeze({ fingerprint: '', byKid: new Map<string, DecryptionKey>(), published: [] });

/**
 * The encryption keys in memory: the private keys that decrypt JWEs addressed to grantry (active
 * and retiring ones) and the public JWKs to publish (active ones). Private keys are opened and
 * parsed once per kid, not per request, and live only in the current snapshot: a deleted or
 * retired key's private KeyObject leaves memory at the next refresh. RSA keys over
 * MAX_ENCRYPTION_RSA_BITS (made before that cap) are not loaded. The key ring reloads this with
 * the signing keys. One snapshot per tenant: a request reads its issuer's keys only.
 */
@Injectable()
export class DecryptionKeys {
  private readonly logger = new Logger(DecryptionKeys.name);
  private snapshots = new Map<string, Snapshot>();

  constructor(
    @InjectRepository(EncryptionKey) private readonly repo: Repository<EncryptionKey>,
    private readonly security: SecurityService,
    private readonly context: IssuerContext,
  ) {}

  /** The keys of the issuer serving the request. */
  private get snapshot(): Snapshot {
    return this.snapshots.get(this.context.tenant) ?? NO_KEYS;
  }

  find(kid: string): DecryptionKey | undefined {
    return this.snapshot.byKid.get(kid);
  }

  /** The held keys of one alg, for a JWE that names no kid. */
  forAlg(alg: string): DecryptionKey[] {
    return [...this.snapshot.byKid.values()].filter((key) => key.alg === alg);
  }

  /** Key-management algs some held key accepts: the allow-list checked before any crypto. */
  get algs(): ReadonlySet<string> {
    return new Set([...this.snapshot.byKid.values()].map((key) => key.alg));
  }

  /** A tenant's public JWKs with `use: "enc"`, for its JWKS. */
  publishedOf(tenant: string): readonly JWK[] {
    return (this.snapshots.get(tenant) ?? NO_KEYS).published;
  }

  /** What changes when a tenant's keys do: the key ring rebuilds that tenant's JWKS then. */
  fingerprintOf(tenant: string): string {
    return (this.snapshots.get(tenant) ?? NO_KEYS).fingerprint;
  }

  /** The tenants holding encryption keys. */
  get tenants(): Iterable<string> {
    return this.snapshots.keys();
  }

  /** Reloads every tenant's keys from the database; cheap when nothing changed (no key is opened twice). */
  async refresh(): Promise<void> {
    const now = nowSeconds();
    const rows = (await this.repo.find())
      .filter((key) => encryptionKeyStatus(key, now) !== 'retired')
      .sort((a, b) => b.createdAt - a.createdAt || a.kid.localeCompare(b.kid));
    const snapshots = new Map<string, Snapshot>();
    for (const [tenant, held] of groupByTenant(rows)) snapshots.set(tenant, this.rebuild(held, this.snapshots.get(tenant) ?? NO_KEYS, now));
    this.snapshots = snapshots;
  }

  /** One tenant's snapshot from its rows: the previous one when nothing changed; keys still held are reused, the others dropped with it. */
  private rebuild(rows: readonly EncryptionKey[], previous: Snapshot, now: number): Snapshot {
    const fingerprint = rows.map((key) => `${key.kid}:${key.retireAt}`).join(',');
    if (fingerprint === previous.fingerprint) return previous;
    const byKid = new Map<string, DecryptionKey>();
    for (const row of rows) {
      const key = previous.byKid.get(row.kid)?.key ?? this.open(row);
      if (key) byKid.set(row.kid, { kid: row.kid, alg: row.alg, key });
    }
    const published = rows.filter((row) => byKid.has(row.kid) && encryptionKeyStatus(row, now) === 'active').map((row) => row.publicJwk);
    return { fingerprint, byKid, published };
  }

  private open(row: EncryptionKey): KeyObject | undefined {
    const key = createPrivateKey(this.security.box.open(row.sealedPrivateKey, encryptionSealContext(row.kid)));
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (key.asymmetricKeyType === 'rsa' && (bits === undefined || bits > MAX_ENCRYPTION_RSA_BITS)) {
      this.logger.warn(`encryption key ${row.kid} (RSA ${bits} bits) is not used: RSA encryption keys have at most ${MAX_ENCRYPTION_RSA_BITS} bits; rotate it (keys rotate --use enc)`);
      return undefined;
    }
    return key;
  }
}
