import { randomUUID } from 'node:crypto';
import { HttpException, Logger } from '@nestjs/common';
import { logLine, logText } from './log-text';
import { NO_STORE_HEADERS } from './no-store.decorator';
import { errorDescriptionText, OAuthError } from './oauth-error';
import { wwwAuthenticate } from './www-authenticate';

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string; correlation_id?: string };
}

const logger = new Logger('Errors');

const CODES_BY_STATUS: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'request_too_large',
  415: 'unsupported_media_type',
};

/**
 * Turns any error into the RFC 6749 §5.2 shape. OAuth errors keep their code; a 4xx from
 * Nest or Fastify (unknown route, body too large, unparsable body) becomes a plain error;
 * anything else is a `server_error` with a correlation id, its stack logged, never shown.
 */
export function toErrorReply(error: unknown, context: { method: string; url: string }): ErrorReply {
  const headers: Record<string, string> = { ...NO_STORE_HEADERS };
  if (error instanceof OAuthError) {
    // Each part a request could fill (the path, an iss or scope echoed in the detail) is capped on its own.
    logger.debug(`${context.method} ${logText(context.url)}: ${logText(error.code, 64)} (${error.reason}) ${logText(error.detail ?? error.description)}`);
    if (error.headers) Object.assign(headers, error.headers);
    const challenge = challengeOf(error);
    if (challenge) headers['WWW-Authenticate'] = challenge;
    return { status: error.status, headers, body: { error: error.code, error_description: errorDescriptionText(error.description) } };
  }
  const status = clientErrorStatus(error);
  if (status) {
    const description = error instanceof HttpException ? describeHttpException(error) : (error as Error).message;
    // RFC 6749 §5.2: an OAuth endpoint answers an unparsable or wrongly typed body with 400 invalid_request.
    const replyStatus = status === 415 && context.url.startsWith('/oauth2/') ? 400 : status;
    const code = replyStatus === 400 ? 'invalid_request' : (CODES_BY_STATUS[replyStatus] ?? 'invalid_request');
    logger.debug(`${context.method} ${logText(context.url)}: ${replyStatus} ${logText(description)}`);
    return { status: replyStatus, headers, body: { error: code, error_description: description } };
  }
  const correlationId = randomUUID();
  logger.error(`${context.method} ${logText(context.url)} failed [${correlationId}]`, logLine((error as Error)?.stack ?? String(error), 8000));
  return {
    status: 500,
    headers,
    body: { error: 'server_error', error_description: 'the server failed to process the request', correlation_id: correlationId },
  };
}

/** The realm of every challenge the server makes. */
const REALM = 'grantry';

/**
 * RFC 6749 §5.2: `Basic` for a failed client authentication that used the Authorization header.
 * RFC 6750 §3, RFC 9449 §7.1: a challenge in each scheme the protected resource accepts,
 * for every refusal of its request — with the error code only when credentials were sent (§3.1).
 */
function challengeOf(error: OAuthError): string | undefined {
  if (error.code === 'invalid_client') return error.viaAuthorizationHeader ? wwwAuthenticate([{ scheme: 'Basic', realm: REALM }]) : undefined;
  if (!error.schemes?.length) return undefined;
  const problem = error.code === 'unauthorized' ? {} : { error: error.code, errorDescription: errorDescriptionText(error.description) };
  return wwwAuthenticate(error.schemes.map((scheme) => ({ scheme, realm: REALM, ...problem, ...(scheme === 'DPoP' && error.dpopAlgs ? { algs: error.dpopAlgs } : {}) })));
}

function clientErrorStatus(error: unknown): number | undefined {
  const status = error instanceof HttpException ? error.getStatus() : (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function describeHttpException(error: HttpException): string {
  const response = error.getResponse();
  const message = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  return Array.isArray(message) ? message.join('; ') : String(message ?? error.message);
}
