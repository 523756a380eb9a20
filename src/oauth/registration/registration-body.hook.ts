import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { Readable } from 'node:stream';
import { checkShape } from '../../clients/client-metadata';
import { OAuthError } from '../../common/oauth-error';
import { ServerSettings } from '../../config/config.schema';

export const REGISTRATION_PATH = '/oauth2/register';

/**
 * RFC 7591 §3.2.2 wants registration's body errors as `invalid_client_metadata`, while Fastify
 * parses bodies before any route code runs and answers its own way (`invalid_request`). This
 * hook reads the registration body first — the declared length checked before a byte is read,
 * reading stopped at the limit — and refuses what is not a JSON object in the RFC's words; what
 * passes is handed on unchanged for Fastify to parse as usual.
 */
@Injectable()
export class RegistrationBodyHook {
  constructor(private readonly server: ServerSettings) {}

  /**
   * Attaches the check to the registration routes only, as each is registered: every other
   * request (the token endpoint above all) runs no hook for it. Called before Nest registers
   * its routes (`app.init()`), since Fastify tells only routes registered later.
   */
  install(fastify: FastifyInstance): void {
    const check = this.check.bind(this);
    fastify.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (!methods.some((method) => method === 'POST' || method === 'PUT')) return;
      if (route.url !== REGISTRATION_PATH && !route.url.startsWith(`${REGISTRATION_PATH}/`)) return;
      const existing = route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing];
      route.preParsing = [...existing, check];
    });
  }

  private async check(request: FastifyRequest, _reply: FastifyReply, payload: RequestPayload): Promise<RequestPayload> {
    const limit = this.server.body_limit;
    const type = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw OAuthError.invalidClientMetadata('the request body must be a JSON document (Content-Type: application/json)');
    if (Number(request.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
    const body = await readAtMost(payload, limit);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw OAuthError.invalidClientMetadata('the request body is not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw OAuthError.invalidClientMetadata('the request body must be a JSON object');
    // Too deep, or a __proto__ key (which Fastify would refuse as invalid_request): refused here in RFC 7591's words.
    checkShape(parsed);
    const replay = Readable.from([body]) as Readable & { receivedEncodedLength?: number };
    replay.receivedEncodedLength = body.length;
    return replay;
  }
}

function tooLarge(limit: number): OAuthError {
  return new OAuthError('invalid_client_metadata', `the request body is larger than ${limit} bytes`, 413);
}

async function readAtMost(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) {
      (stream as Readable).destroy?.();
      throw tooLarge(limit);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
