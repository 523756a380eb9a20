import { Injectable, Optional } from '@nestjs/common';
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { OutboundSettings } from '../config/config.schema';
import { MetricsService, OutboundOutcome } from '../observability/metrics.service';
import { isNonPublicAddress } from './address-policy';

/** A fetch that was refused or failed; the message is safe to log (no response bodies). */
export class OutboundError extends Error {
  override name = 'OutboundError';

  /** `outcome`: how `grantry_outbound_fetches_total` counts it. */
  constructor(message: string, readonly outcome: OutboundOutcome = 'network_error') {
    super(message);
  }
}

export interface FetchedJson {
  body: unknown;
  /** max-age of Cache-Control, in seconds, when the server sent one. */
  maxAge?: number;
}

/**
 * The one way grantry reaches other servers (JWKS URIs, request objects by reference): https only, never loopback, private
 * or link-local addresses — checked on the addresses the connection actually resolves, so a
 * DNS answer cannot change between check and connect — a timeout, a size limit, and no
 * redirects. `[oauth.outbound]` relaxes the first two for development.
 */
@Injectable()
export class OutboundFetcher {
  constructor(private readonly settings: OutboundSettings, @Optional() private readonly metrics?: MetricsService) {}

  async fetchJson(uri: string, options: { allowHttp?: boolean; allowPrivateNetworks?: boolean } = {}): Promise<FetchedJson> {
    return this.measured(async () => {
      const { body, maxAge } = await this.fetchOnce(uri, 'application/json, application/jwk-set+json', options);
      try {
        return { body: JSON.parse(body), maxAge };
      } catch {
        throw new OutboundError(`${uri}: the response is not JSON`, 'invalid');
      }
    });
  }

  /** The body as text, under the same rules (a request object: RFC 9101 §5.2.3). */
  fetchText(uri: string, accept: string, options: { allowHttp?: boolean; allowPrivateNetworks?: boolean } = {}): Promise<{ body: string; maxAge?: number }> {
    return this.measured(() => this.fetchOnce(uri, accept, options));
  }

  /** Counts every fetch in `grantry_outbound_fetches_total` by its outcome. */
  private async measured<T>(fetch: () => Promise<T>): Promise<T> {
    try {
      const fetched = await fetch();
      this.metrics?.outboundFetch('ok');
      return fetched;
    } catch (error) {
      this.metrics?.outboundFetch(error instanceof OutboundError ? error.outcome : 'network_error');
      throw error;
    }
  }

  private async fetchOnce(uri: string, accept: string, options: { allowHttp?: boolean; allowPrivateNetworks?: boolean }): Promise<{ body: string; maxAge?: number }> {
    const allowHttp = options.allowHttp ?? this.settings.allow_http;
    const allowPrivate = options.allowPrivateNetworks ?? this.settings.allow_private_networks;
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new OutboundError(`not a URL: ${uri}`, 'invalid');
    }
    if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
      throw new OutboundError(`${uri}: only https URIs are fetched`, 'refused');
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !allowPrivate && isNonPublicAddress(host)) {
      throw new OutboundError(`${uri}: refusing a loopback, private or link-local address`, 'refused');
    }
    return this.get(url, allowPrivate, accept);
  }

  private get(url: URL, allowPrivate: boolean, accept: string): Promise<{ body: string; maxAge?: number }> {
    const limit = this.settings.max_response_bytes;
    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 0);
        const list = addresses as LookupAddress[];
        if (!allowPrivate && list.some((entry) => isNonPublicAddress(entry.address))) {
          return callback(new OutboundError(`${url.origin}: ${hostname} resolves to a loopback, private or link-local address`, 'refused'), '', 0);
        }
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
        callback(null, list[0].address, list[0].family);
      });
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      // A deadline for the whole exchange: a server dripping bytes cannot hold the request open.
      const deadline = setTimeout(
        () => request.destroy(new OutboundError(`${url.href}: no complete answer within ${this.settings.timeout} s`, 'timeout')),
        this.settings.timeout * 1000,
      );
      const settle = <T>(fn: (value: T) => void) => (value: T) => {
        clearTimeout(deadline);
        fn(value);
      };
      resolve = settle(resolve);
      reject = settle(reject);
      const request = send(url, { method: 'GET', lookup, headers: { accept } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          // Redirects are not followed: a JWKS URI answers itself.
          return reject(new OutboundError(`${url.href}: HTTP ${response.statusCode}`, 'http_error'));
        }
        if (Number(response.headers['content-length'] ?? 0) > limit) {
          response.destroy();
          return reject(new OutboundError(`${url.href}: response larger than ${limit} bytes`, 'too_large'));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            response.destroy();
            reject(new OutboundError(`${url.href}: response larger than ${limit} bytes`, 'too_large'));
          } else {
            chunks.push(chunk);
          }
        });
        response.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8'), maxAge: maxAge(response.headers['cache-control']) }));
        response.on('error', (error) => reject(new OutboundError(`${url.href}: ${error.message}`)));
      });
      request.on('error', (error) => reject(error instanceof OutboundError ? error : new OutboundError(`${url.href}: ${error.message}`)));
      request.end();
    });
  }
}

function maxAge(cacheControl: string | undefined): number | undefined {
  const match = /(?:^|,)\s*max-age=(\d+)/i.exec(cacheControl ?? '');
  return match ? Number(match[1]) : undefined;
}
