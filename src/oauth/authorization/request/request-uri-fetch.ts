import { Injectable, Logger } from '@nestjs/common';
import type { RegisteredClient } from '../../../clients/registered-client';
import { GrantryConfig } from '../../../config/config.schema';
import { OutboundFetcher } from '../../../outbound/outbound-fetcher';
import { OAuthError } from '../../../common/oauth-error';
import { logText } from '../../../common/log-text';

/** RFC 9101 §5.2: the request URI is short; a longer one is refused before any fetch. */
const MAX_REQUEST_URI_LENGTH = 2048;
/** RFC 9101 §10.2 media type, then the generic JWT one (OIDC Core §6.2 names none). */
const ACCEPT = 'application/oauth-authz-req+jwt, application/jwt;q=0.9, */*;q=0.1';

/**
 * A request object by reference (RFC 9101 §5.2, OIDC Core §6.2): only from a URL the client
 * registered in `request_uris` (unless `[oauth.request_object] require_request_uri_registration`
 * is off), fetched by the one outbound fetcher — https only unless `[oauth.outbound] allow_http`,
 * no loopback/private/link-local address, its timeout and size limit, no redirects. Every refusal
 * is `invalid_request_uri`; why the fetch failed is logged, never answered (no probe of networks).
 */
@Injectable()
export class RequestUriFetch {
  private readonly logger = new Logger(RequestUriFetch.name);

  constructor(private readonly fetcher: OutboundFetcher, private readonly config: GrantryConfig) {}

  async fetch(requestUri: string, client: RegisteredClient): Promise<string> {
    if (requestUri.length > MAX_REQUEST_URI_LENGTH) throw invalidRequestUri(`request_uri is longer than ${MAX_REQUEST_URI_LENGTH} characters`);
    if (this.config.oauth.request_object.require_request_uri_registration && !registered(client, requestUri)) {
      throw invalidRequestUri('request_uri is not registered for this client (request_uris)');
    }
    try {
      const { body } = await this.fetcher.fetchText(requestUri, ACCEPT);
      return body.trim();
    } catch (error) {
      this.logger.warn(`request_uri ${logText(requestUri, 200)} of client ${client.clientId}: ${(error as Error).message}`);
      throw invalidRequestUri('the request object could not be fetched from request_uri', (error as Error).message);
    }
  }
}

/** OIDC Registration §2 `request_uris`: an exact match of the URL without its fragment (the fragment may vary, e.g. a content hash). */
export function registered(client: RegisteredClient, requestUri: string): boolean {
  const wanted = withoutFragment(requestUri);
  return client.requestUris.some((uri) => withoutFragment(uri) === wanted);
}

function withoutFragment(uri: string): string {
  const hash = uri.indexOf('#');
  return hash < 0 ? uri : uri.slice(0, hash);
}

function invalidRequestUri(description: string, detail?: string): OAuthError {
  return new OAuthError('invalid_request_uri', description, 302, { reason: 'request_invalid', detail });
}
