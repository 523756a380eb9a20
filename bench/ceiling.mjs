// The ceiling: a minimal Fastify server doing what grantry's token endpoint must do at least —
// parse the same urlencoded body, check a constant Basic credential, sign the same claims with
// jose — and nothing else. grantry's throughput is reported as a fraction of this one's.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import { parse } from 'fast-querystring';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const [alg = 'RS256', port = '8091', clientId = 'ceiling', secret = 'ceiling-secret'] = process.argv.slice(2);
const { privateKey, publicKey } = await generateKeyPair(alg === 'RS256' ? 'RS256' : alg, { modulusLength: 2048 });
const kid = (await exportJWK(publicKey)).kty + '-ceiling';
const expected = Buffer.from(`Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`);
const issuer = `http://127.0.0.1:${port}`;

const app = Fastify({ bodyLimit: 65536 });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parse(body)));
app.post('/oauth2/token', async (request, reply) => {
  const presented = Buffer.from(request.headers.authorization ?? '');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return reply.code(401).send({ error: 'invalid_client' });
  }
  if (request.body.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
  const iat = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ iss: issuer, sub: clientId, aud: clientId, exp: iat + 3600, iat, jti: randomBytes(16).toString('base64url'), client_id: clientId, scope: 'bench' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .sign(privateKey);
  return reply.header('cache-control', 'no-store').send({ access_token: token, token_type: 'Bearer', expires_in: 3600, scope: 'bench' });
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
