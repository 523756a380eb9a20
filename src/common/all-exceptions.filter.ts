import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseOutageLog, isDatabaseUnavailable, OUTAGE_RETRY_AFTER_SECONDS } from './database-outage';
import { toErrorReply } from './error-response';
import { NO_STORE_HEADERS } from './no-store.decorator';
import { OAuthError } from './oauth-error';

/** Renders an error as the reply (routes served by Fastify directly, such as the token endpoint, use it too). */
export interface ErrorRenderer {
  render(exception: unknown, request: FastifyRequest, reply: FastifyReply): void;
}

/**
 * One rendering for every error a route throws (see `toErrorReply`), except a database outage:
 * that is no fault of the request and passes by itself, so it answers 503 `temporarily_unavailable`
 * (RFC 6749 §4.1.2.1's code, in the §5.2 shape every endpoint here uses, the admin API included)
 * with Retry-After, and is logged once per burst instead of a stack per request.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter, ErrorRenderer {
  private readonly outages = new DatabaseOutageLog();

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.render(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  render(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    // The path only: a query may carry a token or an id_token_hint, which never goes to the log.
    const context = { method: request.method, url: request.url.split('?')[0] };
    // An OAuthError is a decision already made; only what escaped undecided can be an outage.
    if (!(exception instanceof OAuthError) && isDatabaseUnavailable(exception)) {
      this.outages.record(exception, context);
      void reply
        .status(503)
        .headers({ ...NO_STORE_HEADERS, 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) })
        .send({ error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable; try again shortly' });
      return;
    }
    const { status, headers, body } = toErrorReply(exception, context);
    // A 503 the code decided (a sign-in queue that is full) asks for a retry the same way.
    if (status === 503) headers['Retry-After'] ??= String(OUTAGE_RETRY_AFTER_SECONDS);
    void reply.status(status).headers(headers).send(body);
  }
}
