import { Injectable } from '@nestjs/common';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import type { RegisteredClient } from '../../clients/registered-client';
import { cacheSettings } from '../../common/cache-settings';
import { OAuthError } from '../../common/oauth-error';
import { GrantryConfig } from '../../config/config.schema';
import { OutboundFetcher } from '../../outbound/outbound-fetcher';
import { RemoteJwks } from '../assertions/remote-jwks';
import { clientEncryptionKey } from './client-encryption-key';

/** What a client registered for one kind of response (OIDC Registration §2). */
export interface EncryptionChoice {
  /** The metadata name, for errors: `id_token_encrypted_response_alg`, `userinfo_encrypted_response_alg`. */
  field: string;
  alg: string;
  enc: string;
}

/**
 * Encrypts a signed JWT to a client (a nested JWT, RFC 7519 §5.2 `cty: "JWT"`) with the key of its
 * `jwks` or `jwks_uri` that fits the registered alg. A client without such a key gets an error,
 * never the token in the clear: it asked for confidentiality.
 */
@Injectable()
export class ClientEncrypter {
  private readonly remoteJwks: RemoteJwks;

  constructor(fetcher: OutboundFetcher, config: GrantryConfig) {
    // The same cache settings as the client's jwks_uri for private_key_jwt: one document, one policy.
    const { timeout, capacity } = cacheSettings(config, 'PrivateKeyJWT');
    this.remoteJwks = new RemoteJwks(fetcher, { maxTtlSeconds: timeout, capacity, refetchCooldownSeconds: config.oauth.outbound.jwks_refetch_cooldown });
  }

  async encrypt(client: RegisteredClient, signedJwt: string, choice: EncryptionChoice): Promise<string> {
    const jwk = await this.keyFor(client, choice);
    let key: Awaited<ReturnType<typeof importJWK>>;
    try {
      key = await importJWK(jwk, choice.alg);
    } catch (error) {
      throw unusable(client, choice, `its ${jwk.kty} key${jwk.kid ? ` ${jwk.kid}` : ''} cannot be imported (${(error as Error).message})`);
    }
    return new CompactEncrypt(new TextEncoder().encode(signedJwt))
      .setProtectedHeader({ alg: choice.alg, enc: choice.enc, cty: 'JWT', ...(jwk.kid ? { kid: jwk.kid } : {}) })
      .encrypt(key);
  }

  /** From `jwks`, else `jwks_uri` — fetched again (within the cooldown) when the cached set has no fitting key: the client may have rotated. */
  private async keyFor(client: RegisteredClient, choice: EncryptionChoice): Promise<JWK> {
    if (client.jwks) {
      const key = clientEncryptionKey(client.jwks.keys as JWK[], choice.alg);
      if (key) return key;
    } else if (client.jwksUri) {
      try {
        const key = clientEncryptionKey(await this.remoteJwks.keys(client.jwksUri), choice.alg) ?? clientEncryptionKey(await this.remoteJwks.keys(client.jwksUri, undefined, true), choice.alg);
        if (key) return key;
      } catch (error) {
        throw unusable(client, choice, `its jwks_uri could not be fetched (${(error as Error).message})`);
      }
    }
    throw unusable(client, choice, `its ${client.jwksUri ? 'jwks_uri' : 'jwks'} has no public key with use "enc" (or no use) that fits ${choice.alg}`);
  }
}

function unusable(client: RegisteredClient, choice: EncryptionChoice, why: string): OAuthError {
  return OAuthError.invalidClientMetadata(`the client registered ${choice.field} ${choice.alg} but ${why}`, { detail: `client ${client.clientId}`, reason: 'client_encryption_key_unusable' });
}
