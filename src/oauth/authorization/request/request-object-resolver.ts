import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../../clients/registered-client';
import { OAuthError } from '../../../common/oauth-error';
import { GrantryConfig } from '../../../config/config.schema';
import type { AssertionJti } from '../../core/extension-points';
import type { RequestObjectParams } from '../../core/security-profile';
import { AuthorizationPageError } from './authorization-errors';
import type { AuthorizationPolicy, ErrorDestination } from './authorization-request';
import { RequestObjects } from './request-object';
import { mergeRequestObject, trustedDestination } from './request-object-params';
import { RequestUriFetch } from './request-uri-fetch';

/** RFC 9126 §2.2: pushed requests' URNs are PAR's (request-resolver.ts), never fetched here. */
const PUSHED_REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** The object's parameters that say where an error goes, taken (once verified) before the merge. */
const DESTINATION_PARAMS = ['redirect_uri', 'response_type', 'response_mode', 'state'] as const;

/**
 * The request-object step of request resolution (RFC 9101, OIDC Core §6): the object by value
 * (`request`) or by an https reference (`request_uri`), verified as the client's, its parameters
 * merged by the profile's rule into the plain parameters the usual validation then checks. Off
 * per parameter with `[oauth.request_object] request_parameter` / `request_uri_parameter`: the
 * validation then refuses them (`request_not_supported`, `request_uri_not_supported`).
 */
@Injectable()
export class RequestObjectResolver {
  constructor(
    private readonly objects: RequestObjects,
    private readonly requestUris: RequestUriFetch,
    private readonly config: GrantryConfig,
  ) {}

  /** Whether this request carries a request object this step takes. */
  handles(params: Readonly<Record<string, string>>): boolean {
    const settings = this.config.oauth.request_object;
    if (params.request !== undefined) return settings.request_parameter;
    return params.request_uri !== undefined && settings.request_uri_parameter && !params.request_uri.startsWith(PUSHED_REQUEST_URI_PREFIX);
  }

  /**
   * The parameters that count. Errors go to the redirect URI once one registered for the client
   * is named (outside, then by the object); before that they are an error page (no open redirector).
   */
  async resolve(
    params: Readonly<Record<string, string>>,
    client: RegisteredClient,
    policy: AuthorizationPolicy,
    destination: { value?: ErrorDestination },
    /** Which parameters count; a pushed request's are the object's alone (RFC 9126 §3), whatever the profile. */
    rule: RequestObjectParams = policy.requestObjects.params,
  ): Promise<{ params: Record<string, string>; jti?: AssertionJti }> {
    destination.value = trustedDestination(params, client);
    try {
      // RFC 9101 §5: one or the other.
      if (params.request !== undefined && params.request_uri !== undefined) throw new OAuthError('invalid_request', 'request and request_uri cannot both be sent', 302);
      const token = params.request ?? (await this.requestUris.fetch(params.request_uri!, client));
      const { claims, jti } = await this.objects.verify(token, client, policy);
      const named = Object.fromEntries(DESTINATION_PARAMS.filter((name) => typeof claims[name] === 'string').map((name) => [name, claims[name] as string]));
      destination.value = trustedDestination({ ...params, ...named }, client) ?? destination.value;
      return { params: mergeRequestObject(params, claims, rule), jti };
    } catch (error) {
      if (error instanceof OAuthError && !destination.value) throw new AuthorizationPageError(error.code, error.description);
      throw error;
    }
  }
}
