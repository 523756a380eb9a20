import { Injectable } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import { InjectRepository } from '@nestjs/typeorm';
import { X509Certificate } from 'node:crypto';
import { Repository } from 'typeorm';
import { OAuthError } from '../common/oauth-error';
import { cacheSettings } from '../config/cache-settings';
import { TtlCache } from '../common/ttl-cache';
import { GrantryConfig } from '../config/config.schema';
import { AtomicWriter } from '../database/atomic-writer';
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
   */
  async import(alias: string, pem: string, { replace = false }: { replace?: boolean } = {}): Promise<CertificateView> {
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
    if (replace) {
      // One UPDATE of the existing row (a reader sees the old or the new certificate, never none); else a first import.
      const { pem: newPem, subject, fingerprint, notAfter, createdAt } = row;
      const [replaced] = await this.writer.commit([
        updateStep(this.repo, { pem: newPem, subject, fingerprint, notAfter, createdAt }, 'tenant = :tenant AND alias = :alias', { tenant: this.context.tenant, alias }),
      ]);
      this.parsed.delete(this.context.key(alias));
      // MySQL counts only changed rows: an identical replacement reports 0 but the alias exists.
      if (replaced || (await this.repo.existsBy({ tenant: this.context.tenant, alias }))) return toView(row);
    }
    // One INSERT: a duplicate alias is a unique violation, never a silent overwrite.
    await this.writer.commit([insertStep(this.repo, row, { expect: 'new-key', refused: () => OAuthError.conflict(`a certificate with alias "${alias}" already exists`) })]);
    return toView(row);
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

  async delete(alias: string): Promise<void> {
    if (!ALIAS.test(alias)) throw OAuthError.notFound(`no certificate with alias "${alias}"`);
    const [deleted] = await this.writer.commit([{ sql: 'DELETE FROM certificates WHERE tenant = ? AND alias = ?', params: [this.context.tenant, alias] }]);
    this.parsed.delete(this.context.key(alias));
    if (!deleted) throw OAuthError.notFound(`no certificate with alias "${alias}"`);
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
