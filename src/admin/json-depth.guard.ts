import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { jsonDepth, MAX_JSON_DEPTH } from '../common/json-depth';
import { OAuthError } from '../common/oauth-error';

/**
 * Refuses an admin request body nested deeper than any admin document needs, before a
 * validator (or the code behind it) walks it recursively: 400, never a stack overflow's 500.
 */
@Injectable()
export class JsonDepthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { body } = context.switchToHttp().getRequest<FastifyRequest>();
    if (jsonDepth(body) > MAX_JSON_DEPTH) throw OAuthError.invalidRequest(`the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    return true;
  }
}
