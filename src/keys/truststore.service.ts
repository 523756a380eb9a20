import { Injectable } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import { InjectRepository } from '@nestjs/typeorm';
import { X509Certificate } from 'node:crypto';
import { Repository } from 'typeorm';
import { OAuthError } from '../common/oauth-error';
import { cacheSettings } from '../config/cache-settings';
import { TtlCache } from '../common/ttl-cache';
import { GrantryConfig } from '../config/config.schema';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { nowSeconds } from '../database/columns';
import { insertStep, updateStep } from '../database/repository-steps';
import { Certificate } from './certificate.entity';
import { certificateValidityProblem } from './certificate-validity';
import { MIN_RSA_BITS } from './key-material';

export interface CertificateView {
  alias: string;
  subject: string;
  fingerprint: string;
  not_after: number;
  created_at: number;
  certificate: string;
}

const ALIAS = /^[A-Za-z0-9._:@-]{1,255}$/;

/** A replacement found no certificate under its alias: nothing of its atomic write stays. */
class NoSuchAlias extends Error {}

/** The truststore: certificates of clients and identity providers, by alias. */
@Injectable()
export class TruststoreService {
  /**
   * Parsed certificates by alias, for signature checks on the hot path (a private_key_jwt client
   * verified by its certificate). An import or delete here is seen at once; one by another
   * instance or the CLI within the `[[cache.manager]] name = "Truststore"` timeout.
   */
  private readonly parsed: TtlCache<string, X509Certificate>;

  constructor(
    @InjectRepository(Certificate) private readonly repo: Repository<Certificate>,
    private readonly context: IssuerContext,
    config: GrantryConfig,
    private readonly writer: AtomicWriter,
  ) {
    const { timeout, capacity } = cacheSettings(config, 'Truststore');
    this.parsed = new TtlCache(timeout, capacity);
  }

  /**
   * Adds a certificate under `alias`. An existing alias is a conflict unless `replace` is set,
   * when the new certificate takes its place (same checks: valid now, RSA at least 2048 bits).
   * `also`: what the caller writes in the same transaction (the audit row), given what is stored;
   * a refused import writes none of it.
   */
  async import(alias: string, pem: string, { replace = false }: { replace?: boolean } = {}, also: (imported: CertificateView) => readonly WriteStep[] = () => []): Promise<CertificateView> {
    if (!ALIAS.test(alias)) {
      throw OAuthError.invalidRequest('alias must be 1-255 characters of letters, digits and . _ : @ -');
    }
    const certificate = parseCertificate(pem);
    const row = this.repo.create({
      tenant: this.context.tenant,
      alias,
      pem: certificate.toString(),
      subject: certificate.subject.replace(/\n/g, ', '),
      fingerprint: certificate.fingerprint256,
      notAfter: Math.floor(Date.parse(certificate.validTo) / 1000),
      createdAt: nowSeconds(),
    });
    const imported = toView(row);
    const audited = also(imported);
    try {
      if (replace && (await this.replaced(row, audited))) return imported;
      // One INSERT: a duplicate alias is a unique violation, never a silent overwrite.
      await this.writer.commit([insertStep(this.repo, row, { expect: 'new-key', refused: () => OAuthError.conflict(`a certificate with alias "${alias}" already exists`) }), ...audited]);
      return imported;
    } finally {
      this.parsed.delete(this.context.key(alias));
    }
  }

  /**
   * One UPDATE of the existing row, with `also` (a reader sees the old or the new certificate,
   * never none). False when there is none: that write was refused whole, so the caller's INSERT
   * (with `also`) is the only one that commits. (MySQL/MariaDB count the rows matched, as the
   * driver asks by default, so an identical replacement counts one.)
   */
  private async replaced(row: Certificate, also: readonly WriteStep[]): Promise<boolean> {
    const { tenant, alias, pem, subject, fingerprint, notAfter, createdAt } = row;
    try {
      await this.writer.commit([
        updateStep(this.repo, { pem, subject, fingerprint, notAfter, createdAt }, 'tenant = :tenant AND alias = :alias', { tenant, alias }, { expect: 'one-row', refused: () => new NoSuchAlias() }),
        ...also,
      ]);
      return true;
    } catch (error) {
      if (error instanceof NoSuchAlias) return false;
      throw error;
    }
  }

  /** A page of certificates by alias (all of them without paging). */
  async list(paging?: { limit: number; offset: number }): Promise<{ items: CertificateView[]; total: number }> {
    const [rows, total] = await this.repo.findAndCount({
      where: { tenant: this.context.tenant },
      order: { alias: 'ASC' },
      take: paging?.limit,
      skip: paging?.offset,
    });
    return { items: rows.map(toView), total };
  }

  async get(alias: string): Promise<CertificateView> {
    const row = ALIAS.test(alias) ? await this.repo.findOneBy({ tenant: this.context.tenant, alias }) : null;
    if (!row) throw OAuthError.notFound(`no certificate with alias "${alias}"`);
    return toView(row);
  }

  /** The parsed certificate for signature checks (later: private_key_jwt, identity providers). */
  async find(alias: string): Promise<X509Certificate | undefined> {
    const key = this.context.key(alias);
    const cached = this.parsed.get(key);
    if (cached) return cached;
    // No alias can be stored that fails the import's rule (a NUL would fail the query on PostgreSQL).
    if (!ALIAS.test(alias)) return undefined;
    const row = await this.repo.findOneBy({ tenant: this.context.tenant, alias });
    if (!row) return undefined;
    const certificate = new X509Certificate(row.pem);
    this.parsed.set(key, certificate);
    return certificate;
  }

  /** `also`: what the caller writes with the DELETE (the audit row); not written when there is no such certificate (404). */
  async delete(alias: string, also: readonly WriteStep[] = []): Promise<void> {
    const notFound = () => OAuthError.notFound(`no certificate with alias "${alias}"`);
    if (!ALIAS.test(alias)) throw notFound();
    try {
      await this.writer.commit([{ sql: 'DELETE FROM certificates WHERE tenant = ? AND alias = ?', params: [this.context.tenant, alias], expect: 'one-row', refused: notFound }, ...also]);
    } finally {
      this.parsed.delete(this.context.key(alias));
    }
  }
}

function parseCertificate(pem: string): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw OAuthError.invalidRequest('certificate must be a PEM-encoded X.509 certificate');
  }
  const invalid = certificateValidityProblem(certificate);
  if (invalid) throw OAuthError.invalidRequest(`${invalid}: a truststore certificate must be valid now`);
  const key = certificate.publicKey;
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw OAuthError.invalidRequest(`certificate RSA key is shorter than ${MIN_RSA_BITS} bits`);
  }
  return certificate;
}

function toView(row: Certificate): CertificateView {
  return {
    alias: row.alias,
    subject: row.subject,
    fingerprint: row.fingerprint,
    not_after: row.notAfter,
    created_at: row.createdAt,
    certificate: row.pem,
  };
}
