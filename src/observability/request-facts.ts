/** What a handler learnt about a request that its one log line shows (the client endpoints and registration set it). */
export interface RequestFacts {
  client_id?: string;
  /** Already reduced to the enabled grant types or `other`. */
  grant_type?: string;
}

/** The Fastify request property (declared once with `decorateRequest`, so every request has the same shape). */
export const REQUEST_FACTS = 'grantryFacts';

export function noteRequest(request: object, facts: RequestFacts): void {
  (request as Record<string, unknown>)[REQUEST_FACTS] = facts;
}

export function requestFacts(request: object): RequestFacts | null | undefined {
  return (request as Record<string, RequestFacts | null | undefined>)[REQUEST_FACTS];
}
