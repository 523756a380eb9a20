import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorReply } from './error-response';

/** One rendering for every error a route throws (see `toErrorReply`). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // The path only: a query may carry a token or an id_token_hint, which never goes to the log.
    const { status, headers, body } = toErrorReply(exception, { method: request.method, url: request.url.split('?')[0] });
    void reply.status(status).headers(headers).send(body);
  }
}
