import { Injectable } from '@nestjs/common';
import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SecuritySettings } from '../config/config.schema';
import { AtomicWriter } from '../database/atomic-writer';
import { ServerSetting } from '../database/server-setting.entity';
import { deriveKey, loadMasterKey, masterKeyCheckValue } from './master-key';
import { SecretBox } from './secret-box';

const CHECK_SETTING = 'master_key_check';

/** At-rest protection under the master key: encryption for recoverable values, a keyed digest for secrets. */
@Injectable()
export class SecurityService {
  readonly box: SecretBox;
  private readonly master: Buffer;
  private readonly secretDigestKey: KeyObject;
  /** HMAC keys derived from the master key, one per purpose (pairwise subjects, logout CSRF tokens, ...). */
  private readonly purposeKeys = new Map<string, KeyObject>();
  private verified?: Promise<void>;

  constructor(
    settings: SecuritySettings,
    private readonly dataSource: DataSource,
    private readonly writer: AtomicWriter,
  ) {
    this.master = loadMasterKey(settings);
    this.box = new SecretBox(deriveKey(this.master, 'encrypt'));
    this.secretDigestKey = createSecretKey(deriveKey(this.master, 'client-secret'));
  }

  /**
   * OIDC Core §8.1 pairwise subject: the same user looks different to every sector, and the same
   * to every client of one sector; a keyed digest, so nobody without the master key links them.
   */
  pairwiseSubject(sector: string, subject: string): string {
    return this.keyedDigest('pairwise-subject', `${sector}\u0000${subject}`);
  }

  /** HMAC-SHA256 of `value` under a key derived from the master key for `purpose` alone (base64url). */
  keyedDigest(purpose: string, value: string): string {
    let key = this.purposeKeys.get(purpose);
    if (!key) {
      key = createSecretKey(deriveKey(this.master, purpose));
      this.purposeKeys.set(purpose, key);
    }
    return createHmac('sha256', key).update(value).digest('base64url');
  }

  /**
   * HMAC-SHA256 of a client secret: a fast keyed construction (about 2 µs) that suits 256-bit
   * random secrets — a slow password hash would buy nothing and cost the hot path.
   */
  digestSecret(secret: string): string {
    return createHmac('sha256', this.secretDigestKey).update(secret, 'utf8').digest('base64url');
  }

  /** Constant-time comparison of a presented secret against a stored digest. */
  secretMatches(presented: string, storedDigest: string): boolean {
    const a = Buffer.from(this.digestSecret(presented));
    const b = Buffer.from(storedDigest);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Refuses to run against a database set up under another master key: every encrypted
   * key and secret would fail to open later, at request time. Memoised; the first caller records it.
   */
  ensureMasterKeyMatchesDatabase(): Promise<void> {
    this.verified ??= this.checkDatabase();
    return this.verified;
  }

  private async checkDatabase(): Promise<void> {
    const repo = this.dataSource.getRepository(ServerSetting);
    const expected = masterKeyCheckValue(this.master);
    let row = await repo.findOneBy({ name: CHECK_SETTING });
    if (!row) {
      // Another instance may insert first (a unique violation); then its row is what we compare against.
      await this.writer.commit([{ sql: 'INSERT INTO server_settings (name, value) VALUES (?, ?)', params: [CHECK_SETTING, expected] }]).catch(() => undefined);
      row = await repo.findOneByOrFail({ name: CHECK_SETTING });
    }
    if (row.value !== expected) {
      throw new Error(
        'the master key does not match the one this database was set up with: set [security] master_key ' +
          '(or GRANTRY_MASTER_KEY) to that key, or point [database] url at a new database',
      );
    }
  }
}
