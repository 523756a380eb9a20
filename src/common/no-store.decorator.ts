import { applyDecorators, Header } from '@nestjs/common';

/** RFC 6749 §5.1: responses with tokens or credentials MUST NOT be cached (Pragma for HTTP/1.0 caches). */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });

/** A controller method whose responses carry `NO_STORE_HEADERS`. */
export function NoStore(): MethodDecorator {
  return applyDecorators(...Object.entries(NO_STORE_HEADERS).map(([name, value]) => Header(name, value)));
}
