import type { FastifyReply } from 'fastify';
import type { Tagged } from '../common/entity-tag';

/** RFC 9110 §8.8.3: the record, with the strong ETag of the version it shows in the `ETag` header. */
export function tagged<T>(reply: FastifyReply, { view, etag }: Tagged<T>): T {
  void reply.header('ETag', etag);
  return view;
}

