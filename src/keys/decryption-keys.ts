import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { Repository } from 'typeorm';
import { IssuerContext } from '../common/issuer-context';
import { nowSeconds } from '../database/columns';
import { SecurityService } from '../security/security.service';
import { EncryptionKey, encryptionKeyStatus, encryptionSealContext } from './encryption-key.entity';
import type { KeyEncryptionAlg } from './encryption-key-material';

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
 * parsed once per kid, not per request. The key ring reloads this with the signing keys.
 */
@Injectable()
export class DecryptionKeys {
  private snapshot: Snapshot = { fingerprint: '', byKid: new Map(), published: [] };
  private readonly opened = new Map<string, KeyObject>();

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
    const byKid = new Map<string, DecryptionKey>();
    for (const row of rows) byKid.set(row.kid, { kid: row.kid, alg: row.alg, key: this.open(row) });
    const published = rows.filter((row) => encryptionKeyStatus(row, now) === 'active').map((row) => row.publicJwk);
    this.snapshot = { fingerprint, byKid, published };
  }

  private open(row: EncryptionKey): KeyObject {
    let key = this.opened.get(row.kid);
    if (!key) {
      key = createPrivateKey(this.security.box.open(row.sealedPrivateKey, encryptionSealContext(row.kid)));
      this.opened.set(row.kid, key);
    }
    return key;
  }
}
