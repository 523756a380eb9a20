import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../../common/issuer-context';
import { randomToken } from '../../../common/random-pool';
import { GrantryConfig } from '../../../config/config.schema';
import type { WriteStep } from '../../../database/atomic-writer';
import { nowSeconds, sqlBoolean } from '../../../database/columns';
import { hashToken } from '../../tokens/token-hash';
import { AuthorizationPageError, redirectError } from './authorization-errors';
import { PushedRequestEntity } from './pushed-request.entity';

/** The most a stored request's parameters may take as JSON (a MySQL TEXT holds 65,535 bytes). */
export const MAX_PUSHED_BYTES = 60_000;

/** RFC 9126 §2.2: the URN namespace of the request_uris this server hands out. */
export const PAR_REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** Whether a `request_uri` is one of ours (a pushed request), not a request object's URL (RFC 9101, elsewhere). */
export function isPushedRequestUri(requestUri: string | undefined): requestUri is string {
  return requestUri !== undefined && requestUri.startsWith(PAR_REQUEST_URI_PREFIX);
}

/** A pushed request found for the client that pushed it: its parameters, and the key its consumption names. */
export interface PushedRequest {
  params: Record<string, string>;
  handleHash: string;
}

/**
 * RFC 9101 §7 / RFC 9126: a request_uri that cannot be used — an error page, never a redirect (its
 * redirect URI is not to be trusted without a usable row). One description for every reason, so
 * whoever holds a handle learns nothing about it (`_why` is for reading the code).
 */
const unusable = (_why: string) => new AuthorizationPageError('invalid_request_uri', "the request_uri is unknown, expired, already used or not this client's");

/**
 * Pushed authorization requests (RFC 9126): 256 random bits in the handle, stored as their
 * SHA-256 only (a database reader cannot replay them), per tenant, valid `[oauth.par]
 * request_uri_ttl` seconds (the endpoint's commit stores them). Single-use: the statement of `consumption` is committed with the
 * code or tokens, so a refused or abandoned request consumes nothing and of concurrent uses one wins.
 */
@Injectable()
export class PushedRequests {
  constructor(
    @InjectRepository(PushedRequestEntity) private readonly repo: Repository<PushedRequestEntity>,
    private readonly context: IssuerContext,
    private readonly config: GrantryConfig,
  ) {}

  get ttl(): number {
    return this.config.oauth.par.request_uri_ttl;
  }

  /** The statement that stores validated parameters for `clientId`, the request_uri and its lifetime (RFC 9126 §2.2). */
  storing(clientId: string, params: Readonly<Record<string, string>>): { requestUri: string; expiresIn: number; step: WriteStep } {
    const handle = randomToken(32);
    const expiresIn = this.ttl;
    return {
      requestUri: PAR_REQUEST_URI_PREFIX + handle,
      expiresIn,
      step: {
        sql: 'INSERT INTO pushed_requests (handle_hash, tenant, client_id, params, expires_at, consumed) VALUES (?, ?, ?, ?, ?, ?)',
        params: [hashToken(handle), this.context.tenant, clientId, JSON.stringify(params), nowSeconds() + expiresIn, sqlBoolean(false)],
      },
    };
  }

  /**
   * RFC 9126 §4: the pushed request behind `requestUri`, in this tenant, pushed by `clientId`,
   * unexpired and unused — else an error page (`invalid_request_uri`).
   */
  async find(requestUri: string, clientId: string): Promise<PushedRequest> {
    const handle = requestUri.slice(PAR_REQUEST_URI_PREFIX.length);
    if (!/^[A-Za-z0-9_-]{20,128}$/.test(handle)) throw unusable('malformed');
    const handleHash = hashToken(handle);
    const row = await this.repo.findOneBy({ handleHash, tenant: this.context.tenant });
    if (!row) throw unusable('unknown');
    if (row.clientId !== clientId) throw unusable(`pushed by another client`);
    if (row.consumed) throw unusable('used');
    if (row.expiresAt <= nowSeconds()) throw unusable('expired');
    return { params: JSON.parse(row.params) as Record<string, string>, handleHash };
  }

  /**
   * The one conditional statement that uses the request up, committed with the code or tokens.
   * Not on its expiry: the TTL bounds the time to start the flow (RFC 9126 §2.2), not the sign-in
   * that follows (bounded by `[login] interaction_ttl`); the row lives until housekeeping sweeps it.
   */
  consumption(handleHash: string, clientId: string): WriteStep {
    return {
      sql: 'UPDATE pushed_requests SET consumed = ? WHERE handle_hash = ? AND tenant = ? AND client_id = ? AND consumed = ?',
      params: [sqlBoolean(true), handleHash, this.context.tenant, clientId, sqlBoolean(false)],
      expect: 'one-row',
      refused: () => redirectError('invalid_request_uri', 'the request_uri has been used already (or expired and was swept)'),
    };
  }
}
