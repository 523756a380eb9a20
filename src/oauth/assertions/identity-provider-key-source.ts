import { Injectable } from '@nestjs/common';
import { X509Certificate } from 'node:crypto';
import type { JWK, ProtectedHeaderParameters } from 'jose';
import { cacheSettings } from '../../config/cache-settings';
import { IssuerContext } from '../../common/issuer-context';
import { GrantryConfig } from '../../config/config.schema';
import type { IdentityProviderEntity } from '../../identity-providers/identity-provider.entity';
import { TruststoreService } from '../../keys/truststore.service';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';
import { RemoteJwks } from './remote-jwks';
import { KeyImporter, VerifyKey } from './signature';

/** The keys an identity provider's assertions verify with: its `jwks_uri`, its uploaded certificate, or a truststore alias. */
@Injectable()
export class IdentityProviderKeySource {
  private readonly remoteJwks: RemoteJwks;
  private readonly importer = new KeyImporter();

  constructor(private readonly truststore: TruststoreService, fetcher: OutboundFetcher, config: GrantryConfig, context: IssuerContext) {
    // Identity providers rotate keys on their own schedule: honour their Cache-Control within a floor and ceiling.
    const { timeout, capacity } = cacheSettings(config, 'IdentityProviderJwks', { timeout: 3600 });
    this.remoteJwks = new RemoteJwks(fetcher, {
      maxTtlSeconds: timeout,
      minTtlSeconds: Math.min(60, timeout),
      capacity,
      refetchCooldownSeconds: config.oauth.outbound.jwks_refetch_cooldown,
      staleIfErrorSeconds: config.oauth.outbound.jwks_stale_if_error,
      // A provider is a tenant's: so is what was fetched for it, and its failures.
      scope: () => context.tenant,
    });
  }

  async *keys(provider: IdentityProviderEntity, alg: string, header: ProtectedHeaderParameters): AsyncGenerator<VerifyKey> {
    if (provider.jwksUri) {
      yield* this.importer.fromJwks(await this.fetchKeys(provider, header), alg);
    } else if (provider.certificate) {
      yield* this.importer.fromCertificate(new X509Certificate(provider.certificate), alg);
    } else if (provider.certificateAlias) {
      const certificate = await this.truststore.find(provider.certificateAlias);
      if (certificate) yield* this.importer.fromCertificate(certificate, alg);
    }
  }

  private async fetchKeys(provider: IdentityProviderEntity, header: ProtectedHeaderParameters): Promise<JWK[]> {
    const insecure = provider.allowInsecureJwksUri ? { allowHttp: true, allowPrivateNetworks: true } : undefined;
    let keys: JWK[];
    try {
      keys = await this.remoteJwks.candidates(provider.jwksUri!, header, insecure);
    } catch (error) {
      throw new Error(`jwks_uri of identity provider ${provider.name} could not be fetched: ${(error as Error).message}`);
    }
    // The kid is in no set we hold, and looking again failed: this assertion alone is refused, saying why.
    const failure = keys.length ? undefined : this.remoteJwks.lastError(provider.jwksUri!);
    if (failure) throw new Error(`no key of jwks_uri of identity provider ${provider.name} fits, and it could not be fetched again: ${failure.message}`);
    return keys;
  }
}
