import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { Repository } from 'typeorm';
import { IssuerContext } from '../common/issuer-context';
import { nowSeconds } from '../database/columns';
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

/**
 * The encryption keys in memory: the private keys that decrypt JWEs addressed to grantry (active
 * and retiring ones) and the public JWKs to publish (active ones). Private keys are opened and
 * parsed once per kid, not per request, and live only in the current snapshot: a deleted or
 * retired key's private KeyObject leaves memory at the next refresh. RSA keys over
 * MAX_ENCRYPTION_RSA_BITS (made before that cap) are not loaded. The key ring reloads this with
 * the signing keys.
 */
@Injectable()
export class DecryptionKeys {
  private readonly logger = new Logger(DecryptionKeys.name);
  private snapshot: Snapshot = { fingerprint: '', byKid: new Map(), published: [] };

  constructor(
    @InjectRepository(EncryptionKey) private readonly repo: Repository<EncryptionKey>,
    private readonly security: SecurityService,
    private readonly context: IssuerContext,
  ) {}

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

  /** Public JWKs with `use: "enc"`, for the JWKS. */
  get published(): readonly JWK[] {
    return this.snapshot.published;
  }

  get fingerprint(): string {
    return this.snapshot.fingerprint;
  }

  /** Reloads from the database; cheap when nothing changed (no key is opened twice). */
  async refresh(): Promise<void> {
    const now = nowSeconds();
    const rows = (await this.repo.findBy({ tenant: this.context.tenant }))
      .filter((key) => encryptionKeyStatus(key, now) !== 'retired')
      .sort((a, b) => b.createdAt - a.createdAt || a.kid.localeCompare(b.kid));
    const fingerprint = rows.map((key) => `${key.kid}:${key.retireAt}`).join(',');
    if (fingerprint === this.snapshot.fingerprint) return;
    // Rebuilt from the current rows: keys still held are reused, the others are dropped with the old snapshot.
    const previous = this.snapshot.byKid;
    const byKid = new Map<string, DecryptionKey>();
    for (const row of rows) {
      const key = previous.get(row.kid)?.key ?? this.open(row);
      if (key) byKid.set(row.kid, { kid: row.kid, alg: row.alg, key });
    }
    const published = rows.filter((row) => byKid.has(row.kid) && encryptionKeyStatus(row, now) === 'active').map((row) => row.publicJwk);
    this.snapshot = { fingerprint, byKid, published };
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
