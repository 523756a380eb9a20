import type { FastifyRequest } from 'fastify';
import { connectionOf } from '../../common/connection/connection-facts';
import { OAuthError } from '../../common/oauth-error';
import { ClientRequest } from './client-request';

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * The client request of a form-encoded endpoint (token, introspection, revocation): RFC 6749
 * §3.2, RFC 7662 §2.1 and RFC 7009 §2.1 all require application/x-www-form-urlencoded.
 */
export function formRequest(request: FastifyRequest): ClientRequest {
  const contentType = request.headers['content-type'];
  if (!contentType || !FORM_CONTENT_TYPE.test(contentType)) {
    throw OAuthError.invalidRequest('Content-Type must be application/x-www-form-urlencoded');
  }
  return ClientRequest.parse(request.body, request.headers.authorization, request.headers, connectionOf(request).certificate, request.originalUrl);
}
