import { Injectable } from '@nestjs/common';
import type { JWK, ProtectedHeaderParameters } from 'jose';
import { ClientsService } from '../../clients/clients.service';
import type { RegisteredClient } from '../../clients/registered-client';
import { IssuerContext } from '../../common/issuer-context';
import { cacheSettings } from '../../config/cache-settings';
import { GrantryConfig } from '../../config/config.schema';
import { TruststoreService } from '../../keys/truststore.service';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';
import { candidateKeys } from '../../keys/jwk-selection';
import { x5cNamesCertificate } from './header-keys';
import { RemoteJwks } from './remote-jwks';
import { KeyImporter, VerifyKey } from './signature';

/**
 * The keys a client's assertions verify with, in the documented order: for HMAC its secret;
 * else its registered `jwks`, its `jwks_uri`, and the truststore certificate aliased by its
 * client_id. An `x5c` header is accepted only as a pointer to that pinned certificate.
 */
@Injectable()
export class ClientKeySource {
  private readonly remoteJwks: RemoteJwks;
  private readonly importer = new KeyImporter();

  constructor(
    private readonly clients: ClientsService,
    private readonly truststore: TruststoreService,
    fetcher: OutboundFetcher,
    config: GrantryConfig,
    context: IssuerContext,
  ) {
    // WSO2 names the cache of private_key_jwt key material "PrivateKeyJWT".
    const { timeout, capacity } = cacheSettings(config, 'PrivateKeyJWT');
    const { jwks_refetch_cooldown, jwks_stale_if_error } = config.oauth.outbound;
    // A client is a tenant's: so is what was fetched for it, and its failures.
    const scope = () => context.tenant;
    this.remoteJwks = new RemoteJwks(fetcher, { maxTtlSeconds: timeout, capacity, refetchCooldownSeconds: jwks_refetch_cooldown, staleIfErrorSeconds: jwks_stale_if_error, scope });
  }

  async *keys(client: RegisteredClient, alg: string, header: ProtectedHeaderParameters): AsyncGenerator<VerifyKey> {
    if (alg.startsWith('HS')) {
      const secret = this.clients.revealSecret(client);
      if (secret) yield new TextEncoder().encode(secret);
      return;
    }
    if (header.x5c !== undefined) {
      yield* this.pinnedCertificateKey(client, alg, header.x5c);
      return;
    }
    if (client.jwks) yield* this.importer.fromJwks(candidateKeys(client.jwks.keys as JWK[], header), alg);
    if (client.jwksUri) yield* this.importer.fromJwks(await this.fetchKeys(client, header), alg);
    const certificate = await this.truststore.find(client.clientId);
    if (certificate) yield* this.importer.fromCertificate(certificate, alg);
  }

  /**
   * The client's `jwks_uri` set from the cache its assertions verify with (one document, one
   * cache, one cooldown), for the keys grantry encrypts to. `refetch`: the cached set lacks the key
   * needed, fetch again if the cooldown allows (the client may have rotated). Fetch errors pass
   * through as they are, for the caller to classify.
   */
  jwksUriKeys(client: RegisteredClient, { refetch = false }: { refetch?: boolean } = {}): Promise<JWK[]> {
    return this.remoteJwks.keys(client.jwksUri!, undefined, refetch);
  }

  /** Why the last fetch of the client's `jwks_uri` failed, while none succeeded since (the set fetched before still serves). */
  jwksUriError(client: RegisteredClient): Error | undefined {
    return this.remoteJwks.lastError(client.jwksUri!);
  }

  private async *pinnedCertificateKey(client: RegisteredClient, alg: string, x5c: unknown): AsyncGenerator<VerifyKey> {
    const certificate = await this.truststore.find(client.clientId);
    if (!certificate || !x5cNamesCertificate(x5c, certificate)) {
      throw new Error('assertion x5c does not match the certificate registered for this client');
    }
    yield* this.importer.fromCertificate(certificate, alg);
  }

  private async fetchKeys(client: RegisteredClient, header: ProtectedHeaderParameters): Promise<JWK[]> {
    let keys: JWK[];
    try {
      keys = await this.remoteJwks.candidates(client.jwksUri!, header);
    } catch (error) {
      throw new Error(`jwks_uri of client ${client.clientId} could not be fetched: ${(error as Error).message}`);
    }
    // The kid is in no set we hold, and looking again failed: this assertion alone is refused, saying why.
    const failure = keys.length ? undefined : this.remoteJwks.lastError(client.jwksUri!);
    if (failure) throw new Error(`no key of jwks_uri of client ${client.clientId} fits, and it could not be fetched again: ${failure.message}`);
    return keys;
  }
}
