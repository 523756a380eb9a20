import { applyDecorators, Header } from '@nestjs/common';

/** RFC 6749 §5.1: responses with tokens or credentials MUST NOT be cached. */
export function NoStore(): MethodDecorator {
  return applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));
}
