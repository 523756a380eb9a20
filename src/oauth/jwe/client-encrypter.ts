import { Injectable } from '@nestjs/common';
import { CompactEncrypt, type JWK } from 'jose';
import type { RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';
import { OutboundError } from '../../outbound/outbound-fetcher';
import { ClientKeySource } from '../assertions/client-key-source';
import { ClientEncryptionKey, clientEncryptionKey } from '../../keys/client-encryption-key';

/** What a client registered for one kind of response (OIDC Registration §2). */
export interface EncryptionChoice {
  /** The metadata name, for errors: `id_token_encrypted_response_alg`, `userinfo_encrypted_response_alg`. */
  field: string;
  alg: string;
  enc: string;
}

/** Outbound failures that pass by themselves (the client's server down, slow, erring, DNS): worth a retry. */
const TRANSIENT_FETCH_OUTCOMES = new Set(['network_error', 'timeout', 'http_error']);

/**
 * Encrypts a signed JWT to a client (a nested JWT, RFC 7519 §5.2 `cty: "JWT"`) with the key of its
 * `jwks` or `jwks_uri` that fits the registered alg. A client without such a key gets an error,
 * never the token in the clear: it asked for confidentiality.
 *
 * Errors: the client's keys unusable → `unauthorized_client` (400). RFC 6749 lists it both at the
 * token endpoint (§5.2) and in an authorization response (§4.1.2.1), where the ID token may be
 * made, so one code serves both; it says "this client, as registered, cannot be served", which is
 * the truth: the request and the grant are fine (`invalid_request` and `invalid_grant` would send
 * the developer to the wrong place, and the code stays unused for a retry), the client is
 * authenticated (`invalid_client`), and nothing failed inside grantry (`server_error`).
 * node-oidc-provider answers `invalid_client_metadata` here, but RFC 7591 registers that code for
 * the registration endpoint only. A `jwks_uri` that cannot be reached now → `temporarily_unavailable`
 * (503, Retry-After), like a database outage. What went wrong in detail is logged, never shown.
 */
@Injectable()
export class ClientEncrypter {
  constructor(private readonly clientKeys: ClientKeySource) {}

  async encrypt(client: RegisteredClient, signedJwt: string, choice: EncryptionChoice): Promise<string> {
    const { jwk, key } = await this.keyFor(client, choice);
    try {
      return await new CompactEncrypt(new TextEncoder().encode(signedJwt))
        .setProtectedHeader({ alg: choice.alg, enc: choice.enc, cty: 'JWT', ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) })
        .encrypt(key);
    } catch (error) {
      throw unusable(client, choice, `its ${client.jwksUri ? 'jwks_uri' : 'jwks'} has no key that can be encrypted to with ${choice.alg}`, `encryption to key ${String(jwk.kid ?? '(no kid)').slice(0, 64)} failed: ${(error as Error).message}`);
    }
  }

  /** From `jwks`, else `jwks_uri` — fetched again (within the cooldown) when the cached set has no fitting key: the client may have rotated. */
  private async keyFor(client: RegisteredClient, choice: EncryptionChoice): Promise<ClientEncryptionKey> {
    const skipped: string[] = [];
    let key: ClientEncryptionKey | undefined;
    if (client.jwks) {
      key = clientEncryptionKey(client.jwks.keys as JWK[], choice.alg, skipped);
    } else if (client.jwksUri) {
      key = clientEncryptionKey(await this.fetch(client, choice, false), choice.alg, skipped);
      if (!key) {
        skipped.length = 0;
        key = clientEncryptionKey(await this.fetch(client, choice, true), choice.alg, skipped);
        // The set we hold (kept through a failed fetch) lacks the key, and looking again failed: that failure is the answer.
        const failure = key ? undefined : this.clientKeys.jwksUriError(client);
        if (failure) throw fetchFailed(client, choice, failure);
      }
    }
    if (key) return key;
    const source = client.jwksUri ? 'jwks_uri' : 'jwks';
    throw unusable(client, choice, `its ${source} has no public key with use "enc" (or no use) that fits ${choice.alg}`, `${source} keys skipped: ${skipped.join('; ') || 'none in the set'}`);
  }

  private async fetch(client: RegisteredClient, choice: EncryptionChoice, refetch: boolean): Promise<JWK[]> {
    try {
      return await this.clientKeys.jwksUriKeys(client, { refetch });
    } catch (error) {
      throw fetchFailed(client, choice, error as Error);
    }
  }
}

function fetchFailed(client: RegisteredClient, choice: EncryptionChoice, error: Error): OAuthError {
  const message = error.message;
  if (error instanceof OutboundError && TRANSIENT_FETCH_OUTCOMES.has(error.outcome)) {
    return new OAuthError('temporarily_unavailable', 'the client\'s encryption keys (jwks_uri) cannot be fetched now; try again shortly', 503, {
      detail: `client ${client.clientId}: ${choice.field}: jwks_uri could not be fetched: ${message}`,
      reason: 'client_encryption_key_unusable',
      cause: error,
    });
  }
  // Refused by the outbound policy, not JSON, too large, not a JWK Set: the client's to fix.
  return unusable(client, choice, 'its jwks_uri is refused by this server or serves no usable JWK Set', `jwks_uri refused or unusable: ${message}`);
}

function unusable(client: RegisteredClient, choice: EncryptionChoice, why: string, detail: string): OAuthError {
  return OAuthError.unauthorizedClient(`the client registered ${choice.field} ${choice.alg} but ${why}`, {
    detail: `client ${client.clientId}: ${choice.field} ${choice.alg}: ${detail}`,
    reason: 'client_encryption_key_unusable',
  });
}
