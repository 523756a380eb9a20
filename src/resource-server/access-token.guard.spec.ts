import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { SignJWT } from 'jose';
import { AccessTokenGuard } from './access-token.guard';
import { AccessTokenVerifier } from './access-token.verifier';
import { BearerTokenError } from './bearer-token.error';
import { principalOf, RequiredScopes } from './decorators';
import { checkOptions, ResourceServerOptions } from './resource-server.options';

const ISSUER = 'https://id.example.com';
const AUDIENCE = 'api://orders';

class OrdersController {
  @RequiredScopes('orders:read')
  list(): void {}
}

/**
 * An Express-style request and response: plain headers object, setHeader() — no Fastify reply.
 * `authorization` as one value, or the field lines of a repeated header (Node's headersDistinct).
 */
function express(authorization?: string | string[], query: Record<string, unknown> = {}) {
  const headers: Record<string, string> = {};
  const lines = authorization === undefined ? [] : ([] as string[]).concat(authorization);
  const request: Record<string, unknown> = { headers: lines.length ? { authorization: lines[0] } : {}, headersDistinct: lines.length ? { authorization: lines } : {}, query };
  const response = { setHeader: (name: string, value: string) => void (headers[name] = value) };
  const context = new ExecutionContextHost([request, response], OrdersController, OrdersController.prototype.list);
  return { request, headers, context };
}

describe('AccessTokenGuard on an Express-style request (certificate mode, SPKI public key)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grantry-rs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyFile = join(dir, 'grantry.pem');
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const guard = new AccessTokenGuard(new AccessTokenVerifier(checkOptions({ issuer: ISSUER, publicKeyFile, audience: AUDIENCE })), new Reflector());

  const token = (scope: string) =>
    new SignJWT({ iss: ISSUER, sub: 'alice', aud: AUDIENCE, client_id: 'app', scope, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .sign(privateKey);

  it('accepts a token with the scope and puts the principal on the request', async () => {
    const { request, context } = express(`Bearer ${await token('orders:read')}`);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(principalOf(request)).toMatchObject({ subject: 'alice', clientId: 'app', scopes: ['orders:read'], audience: [AUDIENCE], issuer: ISSUER });
  });

  it('sets the bare challenge through setHeader when there is no token', async () => {
    const { headers, context } = express();
    await expect(guard.canActivate(context)).rejects.toMatchObject({ code: 'unauthorized', challenge: `Bearer realm="${AUDIENCE}"` });
    expect(headers).toEqual({ 'WWW-Authenticate': `Bearer realm="${AUDIENCE}"`, 'Cache-Control': 'no-store' });
  });

  it('answers 403 insufficient_scope with the scope attribute', async () => {
    const { headers, context } = express(`Bearer ${await token('orders:write')}`);
    const error = (await guard.canActivate(context).catch((e: unknown) => e)) as BearerTokenError;
    expect(error).toBeInstanceOf(BearerTokenError);
    expect(error.getStatus()).toBe(403);
    expect(error.getResponse()).toEqual({ error: 'insufficient_scope', error_description: 'the access token lacks scope orders:read' });
    expect(headers['WWW-Authenticate']).toBe(`Bearer realm="${AUDIENCE}", error="insufficient_scope", error_description="the access token lacks scope orders:read", scope="orders:read"`);
  });

  it('refuses a malformed bearer header with invalid_token', async () => {
    const { context } = express('Bearer not a token');
    await expect(guard.canActivate(context)).rejects.toMatchObject({ code: 'invalid_token', detail: 'the Authorization header is not Bearer and one b64token (RFC 6750 §2.1)' });
  });

  it('refuses a repeated Authorization header with invalid_token, even when each line holds a valid token', async () => {
    const valid = `Bearer ${await token('orders:read')}`;
    const { headers, context } = express([valid, valid]);
    await expect(guard.canActivate(context)).rejects.toMatchObject({ code: 'invalid_token', detail: '2 Authorization header fields' });
    expect(headers['WWW-Authenticate']).toBe(`Bearer realm="${AUDIENCE}", error="invalid_token", error_description="the access token is invalid, expired or revoked"`);
  });

  it('refuses a token in the header and the query with 400 invalid_request (RFC 6750 §2: one method)', async () => {
    const accessToken = await token('orders:read');
    const { headers, context } = express(`Bearer ${accessToken}`, { access_token: accessToken });
    const error = (await guard.canActivate(context).catch((e: unknown) => e)) as BearerTokenError;
    expect({ status: error.getStatus(), body: error.getResponse() }).toEqual({ status: 400, body: { error: 'invalid_request', error_description: 'the access token must be sent once, by one method' } });
    expect(headers['WWW-Authenticate']).toBe(`Bearer realm="${AUDIENCE}", error="invalid_request", error_description="the access token must be sent once, by one method"`);
  });

  it('refuses a sender-constrained token presented as a bearer token (RFC 9449 §7.2)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bound = await new SignJWT({ iss: ISSUER, sub: 'alice', aud: AUDIENCE, client_id: 'app', scope: 'orders:read', iat: now, exp: now + 60, cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .sign(privateKey);
    const { context } = express(`Bearer ${bound}`);
    await expect(guard.canActivate(context)).rejects.toMatchObject({ code: 'invalid_token', detail: 'a DPoP-bound token presented without a DPoP proof (RFC 9449 §7.2)' });
  });
});

describe('resource-server options', () => {
  const fails = (options: unknown, message: string) => expect(() => checkOptions(options as ResourceServerOptions)).toThrow(`grantry/resource-server: ${message}`);

  it('refuses what would weaken the checks or cannot work', () => {
    fails({ authority: 'https://id.example.com' }, 'audience must be a non-empty string or array of strings');
    fails({ authority: 'https://id.example.com', audience: AUDIENCE, algorithms: ['RS256', 'HS256'] }, 'algorithms: HS256 not allowed');
    fails({ authority: 'http://id.example.com', audience: AUDIENCE }, 'authority must be an https URL (http only with allowInsecureHttp)');
    fails({ authority: 'https://id.example.com', certificateFile: 'x.crt', audience: AUDIENCE }, 'give either authority or certificateFile/publicKeyFile, not both');
    fails({ issuer: ISSUER, certificateFile: 'x.crt', audience: AUDIENCE, introspection: { clientId: 'rs', clientSecret: 's' } }, 'introspection.endpoint is required with certificateFile / publicKeyFile');
    fails({ authority: 'https://id.example.com', audience: AUDIENCE, realm: 'a"b' }, 'realm must not contain quotes, backslashes or control characters');
    fails({ authority: 'https://id.example.com', audience: AUDIENCE, staleIfError: -1 }, 'staleIfError must be a number of seconds, 0 or more');
    fails({ authority: 'https://id.example.com', audience: AUDIENCE, introspection: { clientId: 'rs', clientSecret: 's', inactiveCacheTtl: 'x' } }, 'introspection.inactiveCacheTtl must be a number of seconds, 0 or more');
  });

  it('applies the defaults: the four grantry algs, 30 s tolerance, introspection of every token, an hour of stale-if-error', () => {
    expect(checkOptions({ authority: 'https://id.example.com/', audience: AUDIENCE, introspection: { clientId: 'rs', clientSecret: 's' } })).toEqual({
      audience: [AUDIENCE],
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clockTolerance: 30,
      realm: AUDIENCE,
      allowInsecureHttp: false,
      authority: { url: 'https://id.example.com', issuer: undefined, jwksCacheMaxAge: 600, jwksRefetchCooldown: 10, discoveryCacheMaxAge: 3600, staleIfError: 3600 },
      introspection: { clientId: 'rs', clientSecret: 's', endpoint: undefined, mode: 'always', cacheTtl: 0, inactiveCacheTtl: 10 },
    });
  });
});
