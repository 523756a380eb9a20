import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RegisteredClient } from '../../clients/registered-client';
import { clientCors } from '../../common/cors/cors-response';
import { noteRequest, type RequestFacts } from '../../observability/request-facts';
import type { ClientRequest } from './client-request';
import { formRequest } from './form-request';

/** What a client endpoint's handler hands its service. */
export interface ClientEndpointCall {
  request: ClientRequest;
  /** The request line's facts (client, grant type), filled as they become known. */
  facts: RequestFacts;
  /** To call once the client authenticated: the request line names it, and (CORS endpoints) its origins may read the answer. */
  onClient: (client: RegisteredClient) => void;
}

/**
 * The one way the endpoints clients authenticate to (token, introspection, revocation; PAR next)
 * read a request, whether Fastify or Nest serves the route: the form (RFC 6749 §3.2), the request
 * line that names the authenticated client, and — for endpoints a browser may call — CORS for
 * that client's origins (`cors`: listed in CORS_ENDPOINTS).
 */
export function clientEndpointCall(request: FastifyRequest, reply: FastifyReply, { cors }: { cors: boolean }): ClientEndpointCall {
  const facts: RequestFacts = {};
  noteRequest(request, facts);
  // Without Origin, one header lookup is all CORS costs. A DPoP client's page reads the nonce of the answer (RFC 9449 §8).
  const allowOrigins = cors ? clientCors(request, reply, request.headers.dpop === undefined ? undefined : 'DPoP-Nonce') : undefined;
  return {
    request: formRequest(request),
    facts,
    onClient: (client) => {
      facts.client_id = client.clientId;
      allowOrigins?.(client);
    },
  };
}
