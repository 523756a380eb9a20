import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../common/oauth-error';

/** Admin documents (client metadata with a JWK Set, identity providers) are a few levels deep. */
export const MAX_JSON_DEPTH = 32;

/** The nesting depth of a parsed JSON value, measured without recursion (a deep value cannot exhaust the stack here). */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (!current || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const member of Object.values(current)) stack.push([member, depth + 1]);
  }
  return deepest;
}

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
