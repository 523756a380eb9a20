import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../../clients/clients.service';
import type { RegisteredClient } from '../../../clients/registered-client';
import { AuthorizationPageError, redirectError } from './authorization-errors';
import { authorizationParams } from './authorization-params';
import { AuthorizationPolicies } from './authorization-policies';
import { ErrorDestination, validateAuthorizationRequest, ValidatedAuthorizationRequest } from './authorization-request';
import { IdTokenHints } from './id-token-hints';
import { RequestObjectResolver } from './request-object-resolver';
import { isPushedRequestUri, PushedRequests } from './pushed-requests';

/** A request the flow can work from, and the client it is for. */
export interface ResolvedAuthorizationRequest {
  validated: ValidatedAuthorizationRequest;
  client: RegisteredClient;
}

/**
 * Where an authorization request becomes a `ValidatedAuthorizationRequest`: today from the query
 * or form parameters (OIDC Core §3.1.2.1); a pushed request (RFC 9126 `request_uri`) and a
 * request object (RFC 9101 `request`) plug in here, before the same validation.
 */
@Injectable()
export class RequestResolver {
  constructor(
    private readonly clients: ClientsService,
    private readonly policies: AuthorizationPolicies,
    private readonly hints: IdTokenHints,
    private readonly requestObjects: RequestObjectResolver,
    private readonly pushed: PushedRequests,
  ) {}

  /**
   * The parameters of `source` (a query or a form), validated for their client. Errors before the
   * redirect URI is known are AuthorizationPageError; `destination` is filled as soon as errors
   * may go to the redirect URI instead.
   */
  async resolve(source: unknown, destination: { value?: ErrorDestination }): Promise<ResolvedAuthorizationRequest> {
    let params = authorizationParams(source);
    // RFC 9126 (PAR): a request_uri of ours stands for the pushed request.
    if (isPushedRequestUri(params.request_uri)) return this.resolvePushed(params.request_uri, params.client_id, destination);
    const client = params.client_id && params.client_id.length <= 64 ? await this.clients.findForAuthentication(params.client_id) : undefined;
    // RFC 9101: a `request` object, or a `request_uri` by https reference (request-object-resolver.ts).
    const object = client && this.requestObjects.handles(params) ? await this.requestObjects.resolve(params, client, this.policies.policyFor(client), destination) : undefined;
    if (object) params = object.params;
    const validated = validateAuthorizationRequest(params, client, this.policies.policyFor(client), destination);
    if (params.id_token_hint !== undefined) await this.applyHint(validated, params.id_token_hint, client!);
    if (object?.jti) validated.requestObjectJti = object.jti;
    return { validated, client: client! };
  }

  /**
   * RFC 9126 §4: the pushed request is THE request — every other parameter but `client_id` (required, and
   * the pusher's) is ignored — validated again against the client as it is now. Not consumed
   * here: the code's commit uses it up (`PushedRequests.consumption`).
   */
  private async resolvePushed(requestUri: string, clientId: string | undefined, destination: { value?: ErrorDestination }): Promise<ResolvedAuthorizationRequest> {
    if (!clientId) throw new AuthorizationPageError('invalid_request', 'client_id is required with request_uri');
    const client = clientId.length <= 64 ? await this.clients.findForAuthentication(clientId) : undefined;
    if (!client) throw new AuthorizationPageError('invalid_request', 'the client is unknown');
    const { params, handleHash } = await this.pushed.find(requestUri, client.clientId);
    const validated = await this.validatePushed(params, client, destination);
    return { validated: { ...validated, pushedRequest: handleHash }, client };
  }

  /** Parameters pushed (or being pushed) by `client`, validated as /oauth2/authorize validates them. */
  async validatePushed(pushed: Readonly<Record<string, string>>, client: RegisteredClient, destination: { value?: ErrorDestination } = {}): Promise<ValidatedAuthorizationRequest> {
    const policy = this.policies.policyFor(client);
    // A pushed request may carry a request object (RFC 9126 §3): verified as at /oauth2/authorize, but
    // every parameter of the authorization request MUST be in it — only the object's count (RFC 9101 §6.3).
    const object = this.requestObjects.handles(pushed) ? await this.requestObjects.resolve(pushed, client, policy, destination, 'object') : undefined;
    // FAPI 2.0 Message Signing §5.3.1: only signed request objects are pushed.
    if (policy.requestObjects.required && !object) throw new AuthorizationPageError('invalid_request', 'a signed request object (RFC 9101 request) is required in every pushed authorization request');
    const params = object ? withPushedBinding(object.params, pushed.dpop_jkt) : pushed;
    const validated = validateAuthorizationRequest(params, client, policy, destination, true);
    if (params.id_token_hint !== undefined) await this.applyHint(validated, params.id_token_hint, client);
    if (object?.jti) validated.requestObjectJti = object.jti;
    return validated;
  }

  /**
   * OIDC Core §3.1.2.1: the hint must be an ID token this server issued to the client (signed,
   * perhaps then encrypted to this server; expired or not). Its `sub` — as the client sees it,
   * pairwise or public — is the only subject the answer may be for.
   */
  private async applyHint(validated: ValidatedAuthorizationRequest, hint: string, client: RegisteredClient): Promise<void> {
    const subject = await this.hints.subjectFor(hint, client.clientId);
    if (subject === undefined) throw redirectError('invalid_request', 'id_token_hint is not an ID token this server issued to this client');
    const subjects = validated.subjects?.filter((named) => named === subject) ?? [subject];
    if (!subjects.length) throw redirectError('invalid_request', 'id_token_hint and the claims parameter name different users');
    validated.subjects = subjects;
  }
}

/**
 * RFC 9449 §10.1: the DPoP key a pushed request is bound to — the proof's at PAR, or `dpop_jkt`
 * pushed beside the object — outlives the RFC 9101 §6.3 rule that only the object's parameters
 * count: it can only narrow who may redeem the code, never widen it. An object naming another key is refused.
 */
function withPushedBinding(params: Record<string, string>, pushedJkt: string | undefined): Record<string, string> {
  if (pushedJkt === undefined) return params;
  if (params.dpop_jkt !== undefined && params.dpop_jkt !== pushedJkt) {
    throw new AuthorizationPageError('invalid_request', 'the request object\'s dpop_jkt names another key than the pushed request is bound to');
  }
  return { ...params, dpop_jkt: pushedJkt };
}
