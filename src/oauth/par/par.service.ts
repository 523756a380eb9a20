import { Injectable } from '@nestjs/common';
import type { RegisteredClient } from '../../clients/registered-client';
import { OAuthError } from '../../common/oauth-error';
import { AtomicWriter } from '../../database/atomic-writer';
import { AuthorizationPageError } from '../authorization/request/authorization-errors';
import { MAX_PUSHED_BYTES, PushedRequests } from '../authorization/request/pushed-requests';
import { RequestResolver } from '../authorization/request/request-resolver';
import { ClientAuthChain } from '../client-auth/client-auth.chain';
import type { ClientRequest } from '../core/client-request';
import { DpopProofs } from '../dpop/dpop-proofs';

/** RFC 9126 §2.2 success response. */
export interface PushedAuthorizationResponse {
  request_uri: string;
  expires_in: number;
}

/** What authenticates the call, not part of the authorization request (RFC 6749 §2.3.1, RFC 7523 §2.2). */
const CREDENTIAL_PARAMS = new Set(['client_secret', 'client_assertion', 'client_assertion_type']);

/**
 * Pushed authorization requests (RFC 9126 §2): the client authenticates through the token
 * endpoint's chain, its authorization request is validated as /oauth2/authorize validates it
 * (the same `RequestResolver`), stored, and answered with a `request_uri` for the browser.
 * Every refusal is a JSON 400 here (§2.3), never a redirect: no browser is involved yet.
 */
@Injectable()
export class ParService {
  constructor(
    private readonly clientAuth: ClientAuthChain,
    private readonly resolver: RequestResolver,
    private readonly pushed: PushedRequests,
    private readonly writer: AtomicWriter,
    private readonly dpop: DpopProofs,
  ) {}

  async push(request: ClientRequest, onClient: (client: RegisteredClient) => void): Promise<PushedAuthorizationResponse> {
    const authenticated = await this.clientAuth.authenticate(request);
    onClient(authenticated.client);
    const { client } = authenticated;
    const params = authorizationParamsOf(request, client);
    // RFC 9449 §10.1: a DPoP proof at PAR binds the code to its key, as dpop_jkt does; both must agree.
    const proven = await this.dpop.prove(request.headers.dpop, { htm: 'POST', htu: this.dpop.htu(request.url ?? '/oauth2/par'), client }, 'token-endpoint');
    if (proven) {
      if (params.dpop_jkt !== undefined && params.dpop_jkt !== proven.jkt) throw this.dpop.error('token-endpoint', 'invalid_dpop_proof', 'dpop_jkt names another key than the DPoP proof', 'dpop_key_mismatch');
      params.dpop_jkt = proven.jkt;
    }
    // Stored as JSON in a TEXT column: escaping may grow a body that fit `[server] body_limit` past what it holds.
    if (Buffer.byteLength(JSON.stringify(params)) > MAX_PUSHED_BYTES) throw OAuthError.invalidRequest('the pushed authorization request is too large');
    try {
      await this.resolver.validatePushed(params, client);
    } catch (error) {
      throw asJsonError(error);
    }
    // The authentication's one-time parts (an assertion's jti) and the pushed request in one commit.
    const stored = this.pushed.storing(client.clientId, params);
    await this.writer.commit([...this.clientAuth.consumption(authenticated), stored.step, ...(proven?.consumption ?? [])]);
    return { request_uri: stored.requestUri, expires_in: stored.expiresIn };
  }
}

/** The authorization request in the form: everything but the client's credentials. */
function authorizationParamsOf(request: ClientRequest, client: RegisteredClient): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.params)) if (!CREDENTIAL_PARAMS.has(name) && value !== '') params[name] = value;
  // §2.1: a request_uri cannot be pushed (it would point at another request).
  if (params.request_uri !== undefined) throw OAuthError.invalidRequest('request_uri is not allowed in a pushed authorization request (RFC 9126 section 2.1)');
  // §2.1: the client_id of the request is the authenticated client's (implied when left out).
  if (params.client_id !== undefined && params.client_id !== client.clientId) throw OAuthError.invalidRequest('client_id does not match the authenticated client');
  params.client_id = client.clientId;
  // The form reader takes `resource` apart (RFC 8707 may repeat it); once, it is a plain parameter of the request.
  if (request.resources.length > 1) throw OAuthError.invalidRequest('parameter resource is included more than once');
  if (request.resources.length === 1) params.resource = request.resources[0];
  return params;
}

/** §2.3: what /oauth2/authorize would show as a page or redirect, as a JSON error. */
function asJsonError(error: unknown): unknown {
  if (error instanceof AuthorizationPageError) return new OAuthError(error.error, error.description, 400);
  if (error instanceof OAuthError && error.status === 302) return new OAuthError(error.code, error.description, 400, { detail: error.detail, reason: error.reason });
  return error;
}
